//! `/v1/test_helpers/identity/verification_sessions/{session}/…` (a verifyd extension, test
//! mode only): `process` (as if the end user submitted), `verify` and `require_input`
//! (finish processing with a chosen outcome). They let an integrator's CI reach every state
//! without a browser. Results are recorded exactly as real processing records them.

use crate::app::AppState;
use crate::auth::authenticate_secret;
use crate::error::{ApiError, ApiResult};
use crate::expand::{self, Target};
use crate::idempotency::{self, Begin};
use crate::params::{Params, Shape};
use crate::processing::record_result;
use crate::request::ApiRequest;
use crate::routes::sessions::render_written;
use crate::webhooks::events::{record, EventCause};
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;
use verifyd_checks::{synthetic, Plan};
use verifyd_core::event::EventType;
use verifyd_core::keys::Permission;
use verifyd_core::session::{
    Address, Date, IdNumberType, LastError, LastErrorCode, SessionStatus, VerificationSession,
    VerifiedOutputs,
};
use verifyd_core::submission::{Submission, TestOutcome};

fn outputs_shape() -> Shape {
    let s = Shape::str5000;
    Shape::Object(vec![
        (
            "address",
            Shape::Object(vec![
                ("city", s()),
                ("country", s()),
                ("line1", s()),
                ("line2", s()),
                ("postal_code", s()),
                ("state", s()),
            ]),
        ),
        (
            "dob",
            Shape::Object(vec![
                ("day", Shape::Int),
                ("month", Shape::Int),
                ("year", Shape::Int),
            ]),
        ),
        ("email", s()),
        ("first_name", s()),
        ("id_number", s()),
        ("id_number_type", Shape::Enum(IdNumberType::NAMES)),
        ("last_name", s()),
        ("phone", s()),
    ])
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Process,
    Verify,
    RequireInput,
}

fn fields(action: Action) -> Vec<(&'static str, Shape)> {
    let mut fields = vec![("expand", Shape::expand())];
    match action {
        Action::Process => {}
        Action::Verify => fields.push(("verified_outputs", outputs_shape())),
        Action::RequireInput => fields.push((
            "last_error",
            Shape::Object(vec![
                ("code", Shape::Enum(LastErrorCode::NAMES)),
                ("reason", Shape::str5000()),
            ]),
        )),
    }
    fields
}

fn date_part(value: Option<&Value>, name: &str, low: i64, high: i64) -> ApiResult<Option<i64>> {
    match value.and_then(Value::as_i64) {
        None => Ok(None),
        Some(n) if (low..=high).contains(&n) => Ok(Some(n)),
        Some(_) => Err(
            ApiError::invalid(format!("This value must be between {low} and {high}."))
                .with_param(format!("verified_outputs[dob][{name}]")),
        ),
    }
}

/// The synthetic person of the session's checks, with the caller's choices laid over it.
fn chosen_outputs(session: &VerificationSession, params: &Params) -> ApiResult<VerifiedOutputs> {
    let plan = Plan::for_session(session);
    let mut out = synthetic::verified_outputs(plan.document, plan.id_number);
    let Some(given) = params.get("verified_outputs").and_then(Value::as_object) else {
        return Ok(out);
    };
    let text = |name: &str| given.get(name).and_then(Value::as_str).map(str::to_owned);
    for (name, field) in [
        ("email", &mut out.email),
        ("first_name", &mut out.first_name),
        ("id_number", &mut out.id_number),
        ("last_name", &mut out.last_name),
        ("phone", &mut out.phone),
    ] {
        if let Some(v) = text(name) {
            *field = Some(v);
        }
    }
    if let Some(t) = given.get("id_number_type").and_then(Value::as_str) {
        out.id_number_type = IdNumberType::parse(t);
    }
    if let Some(addr) = given.get("address").and_then(Value::as_object) {
        let a = out.address.get_or_insert_with(Address::default);
        let part = |n: &str| addr.get(n).and_then(Value::as_str).map(str::to_owned);
        for (name, field) in [
            ("city", &mut a.city),
            ("country", &mut a.country),
            ("line1", &mut a.line1),
            ("line2", &mut a.line2),
            ("postal_code", &mut a.postal_code),
            ("state", &mut a.state),
        ] {
            if let Some(v) = part(name) {
                *field = Some(v);
            }
        }
    }
    if let Some(dob) = given.get("dob").and_then(Value::as_object) {
        let current = out.dob.unwrap_or_default();
        out.dob = Some(Date {
            day: date_part(dob.get("day"), "day", 1, 31)?
                .map(|d| d as u32)
                .or(current.day),
            month: date_part(dob.get("month"), "month", 1, 12)?
                .map(|m| m as u32)
                .or(current.month),
            year: date_part(dob.get("year"), "year", 1, 9999)?
                .map(|y| y as i32)
                .or(current.year),
        });
    }
    Ok(out)
}

async fn run(app: AppState, req: ApiRequest, action: Action) -> ApiResult<Response> {
    let caller = authenticate_secret(&app, &req.headers).await?;
    let account = app.store().account_id();
    caller.require(Permission::SessionsWrite, account)?;
    if caller.livemode {
        return Err(ApiError::invalid(
            "Test helpers are only available in test mode: use a test-mode key (sk_test_…).",
        ));
    }
    let params = req.params(fields(action))?;
    let expand = expand::parse(&params.expand(), Target::Session, false, &caller, account)?;
    let id = req.segment(5);
    let claim = match idempotency::begin(&app, &req, &caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        let mut session = tx
            .session(false, &id)
            .await?
            .ok_or_else(|| ApiError::no_such("VerificationSession", &id))?;
        let state_error =
            |e: verifyd_core::session::SessionStateError| ApiError::wrong_state(e.to_string());
        let cause = EventCause::api(&req);
        if session.status == SessionStatus::RequiresInput {
            session.submit(Submission::default()).map_err(state_error)?;
            tx.update_session(&session).await?;
            record(&app, &mut tx, &session, EventType::Processing, &cause).await?;
        } else if action == Action::Process || session.is_redacted() {
            // `process` only starts from requires_input; a redacted session takes no writes.
            let error = if session.is_redacted() {
                verifyd_core::session::SessionStateError::Redacted
            } else {
                verifyd_core::session::SessionStateError::NotSubmittable(session.status)
            };
            return Err(state_error(error));
        }
        let mut recorded = None;
        match action {
            Action::Process => {}
            Action::Verify | Action::RequireInput => {
                if session.status != SessionStatus::Processing {
                    return Err(state_error(
                        verifyd_core::session::SessionStateError::NotProcessing(session.status),
                    ));
                }
                let submission = session.submitted.clone().unwrap_or_default();
                let outputs = chosen_outputs(&session, &params)?;
                let engine = app.test_engine();
                let mut result =
                    engine.decide(&session, &submission, TestOutcome::Verified, Some(outputs));
                if action == Action::RequireInput {
                    let given = params.get("last_error").and_then(Value::as_object);
                    let code = given
                        .and_then(|e| e.get("code"))
                        .and_then(Value::as_str)
                        .and_then(LastErrorCode::parse)
                        .unwrap_or(LastErrorCode::DocumentUnverifiedOther);
                    let reason = given
                        .and_then(|e| e.get("reason"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| code.default_reason().to_owned());
                    let error = LastError {
                        code: Some(code),
                        reason: Some(reason),
                    };
                    engine.fail(&session, &mut result, &error);
                }
                recorded = Some(record_result(&app, &mut tx, &mut session, result, &cause).await?);
            }
        }
        let body =
            render_written(&app, &mut tx, &caller, &session, &expand, recorded.as_ref()).await?;
        Ok((tx, body))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}

pub async fn process(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    run(app, req, Action::Process).await
}

pub async fn verify(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    run(app, req, Action::Verify).await
}

pub async fn require_input(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    run(app, req, Action::RequireInput).await
}
