//! `/v1/identity/verification_sessions`: create, list, retrieve, update, cancel, redact.
//! Each handler: authenticate → validate parameters (exact Stripe params per operation) →
//! claim the idempotency key → one transaction → render with the requested expansions.

use super::list::{common_fields, missing_cursor, paging};
use crate::app::AppState;
use crate::auth::{authenticate_secret, Caller};
use crate::error::{ApiError, ApiResult};
use crate::expand::{self, Expand, Target};
use crate::idempotency::{self, Begin};
use crate::jobs::Work;
use crate::params::{Params, Shape};
use crate::render;
use crate::request::ApiRequest;
use crate::webhooks::events::{record, EventCause};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use verifyd_core::event::EventType;
use verifyd_core::keys::Permission;
use verifyd_core::metadata::MetadataError;
use verifyd_core::session::{
    DocumentOptions, DocumentOptionsChange, DocumentType, NewSession, ProvidedDetails,
    RelatedPerson, SessionError, SessionStateError, SessionStatus, SessionType, SessionUpdate,
    VerificationSession,
};
use verifyd_store::SessionQuery;

const OBJECT_NAME: &str = "VerificationSession";
const LIST_URL: &str = "/v1/identity/verification_sessions";

fn options_shape() -> Shape {
    Shape::Object(vec![(
        "document",
        Shape::emptyable(Shape::Object(vec![
            (
                "allowed_types",
                Shape::array(Shape::Enum(DocumentType::NAMES)),
            ),
            ("require_id_number", Shape::Bool),
            ("require_live_capture", Shape::Bool),
            ("require_matching_selfie", Shape::Bool),
        ])),
    )])
}

fn provided_details_shape() -> Shape {
    Shape::Object(vec![
        ("email", Shape::Str(None)),
        ("phone", Shape::Str(None)),
    ])
}

fn create_fields() -> Vec<(&'static str, Shape)> {
    vec![
        ("client_reference_id", Shape::str5000()),
        ("expand", Shape::expand()),
        ("metadata", Shape::Metadata),
        ("options", options_shape()),
        ("provided_details", provided_details_shape()),
        ("related_customer", Shape::str5000()),
        ("related_customer_account", Shape::str5000()),
        (
            "related_person",
            Shape::Object(vec![
                ("account", Shape::str5000()),
                ("person", Shape::str5000()),
            ]),
        ),
        ("return_url", Shape::Str(None)),
        ("type", Shape::Enum(SessionType::SETTABLE_NAMES)),
        ("verification_flow", Shape::str5000()),
    ]
}

fn update_fields() -> Vec<(&'static str, Shape)> {
    vec![
        ("expand", Shape::expand()),
        ("metadata", Shape::Metadata),
        ("options", options_shape()),
        ("provided_details", provided_details_shape()),
        ("type", Shape::Enum(SessionType::SETTABLE_NAMES)),
    ]
}

fn expand_only() -> Vec<(&'static str, Shape)> {
    vec![("expand", Shape::expand())]
}

fn list_fields() -> Vec<(&'static str, Shape)> {
    let mut fields = common_fields();
    fields.extend([
        ("client_reference_id", Shape::str5000()),
        ("related_customer", Shape::str5000()),
        ("related_customer_account", Shape::str5000()),
        ("status", Shape::Enum(SessionStatus::NAMES)),
    ]);
    fields
}

fn metadata_error(error: MetadataError) -> ApiError {
    ApiError::invalid(error.to_string()).with_param("metadata")
}

fn document_options_change(options: Option<&Value>) -> Option<DocumentOptionsChange> {
    let document = options?.get("document")?;
    match document {
        Value::Null => Some(DocumentOptionsChange::Clear),
        Value::Object(map) => {
            let flag = |name: &str| map.get(name).and_then(Value::as_bool);
            Some(DocumentOptionsChange::Merge(DocumentOptions {
                allowed_types: map.get("allowed_types").and_then(Value::as_array).map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().and_then(DocumentType::parse))
                        .collect()
                }),
                require_id_number: flag("require_id_number"),
                require_live_capture: flag("require_live_capture"),
                require_matching_selfie: flag("require_matching_selfie"),
            }))
        }
        _ => None,
    }
}

fn provided_details(value: Option<&Value>) -> Option<ProvidedDetails> {
    let map = value?.as_object()?;
    let text = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_owned);
    Some(ProvidedDetails {
        email: text("email"),
        phone: text("phone"),
    })
}

/// `related_*` name objects verifyd does not hold; they are checked for shape (an id of the
/// right kind) and stored as given.
fn check_related_id(id: &str, prefix: &str, object: &str, param: &str) -> ApiResult<()> {
    let rest = id.strip_prefix(prefix).unwrap_or("");
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(ApiError::no_such_param(object, id, param));
    }
    Ok(())
}

fn is_absolute_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok && !rest.is_empty() && !url.chars().any(char::is_whitespace)
}

fn new_session(params: &Params) -> ApiResult<NewSession> {
    if let Some(flow) = params.str("verification_flow") {
        return Err(ApiError::no_such_param(
            "verification flow",
            flow,
            "verification_flow",
        ));
    }
    let session_type = params
        .str("type")
        .and_then(SessionType::parse)
        .ok_or_else(|| ApiError::missing_parameter("type"))?;
    if let Some(id) = params.str("related_customer") {
        check_related_id(id, "cus_", "customer", "related_customer")?;
    }
    if let Some(id) = params.str("related_customer_account") {
        check_related_id(id, "acct_", "account", "related_customer_account")?;
    }
    let related_person = match params.get("related_person").and_then(Value::as_object) {
        None => None,
        Some(map) => {
            let account = map
                .get("account")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::missing_parameter("related_person[account]"))?;
            let person = map
                .get("person")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::missing_parameter("related_person[person]"))?;
            check_related_id(account, "acct_", "account", "related_person[account]")?;
            check_related_id(person, "person_", "person", "related_person[person]")?;
            Some(RelatedPerson {
                account: account.to_owned(),
                person: person.to_owned(),
            })
        }
    };
    if let Some(url) = params.str("return_url") {
        if !is_absolute_url(url) {
            return Err(ApiError::invalid("Not a valid URL")
                .with_code("url_invalid")
                .with_param("return_url"));
        }
    }
    Ok(NewSession {
        session_type: Some(session_type),
        client_reference_id: params.string("client_reference_id"),
        metadata: params.metadata_update("metadata").unwrap_or_default(),
        document_options: document_options_change(params.get("options")),
        provided_details: provided_details(params.get("provided_details")),
        related_customer: params.string("related_customer"),
        related_customer_account: params.string("related_customer_account"),
        related_person,
        return_url: params.string("return_url"),
    })
}

fn state_error(error: SessionStateError) -> ApiError {
    ApiError::wrong_state(error.to_string())
}

/// Renders a session, loading its last report when that is expanded.
pub(crate) async fn render_session(
    app: &AppState,
    session: &VerificationSession,
    expand: &Expand,
) -> ApiResult<Value> {
    render_session_with(app, session, expand, None).await
}

/// As [`render_session`], with the last report already in hand (a report written by the
/// current, uncommitted transaction is not visible to the read pool yet).
pub(crate) async fn render_session_with(
    app: &AppState,
    session: &VerificationSession,
    expand: &Expand,
    known_report: Option<&verifyd_core::report::VerificationReport>,
) -> ApiResult<Value> {
    let report = match (&session.last_verification_report, known_report) {
        (Some(id), Some(known)) if &known.id == id => Some(known.clone()),
        (Some(id), _) if expand.has("last_verification_report") => {
            app.store().report(session.livemode, id.as_str()).await?
        }
        _ => None,
    };
    Ok(render::session(
        session,
        expand,
        report.as_ref(),
        app.render_context(),
    ))
}

struct Prepared {
    caller: Caller,
    params: Params,
    expand: Expand,
}

async fn prepare(
    app: &AppState,
    req: &ApiRequest,
    permission: Permission,
    fields: Vec<(&'static str, Shape)>,
) -> ApiResult<Prepared> {
    let caller = authenticate_secret(app, &req.headers).await?;
    let account = app.store().account_id();
    caller.require(permission, account)?;
    let params = req.params(fields)?;
    let expand = expand::parse(&params.expand(), Target::Session, false, &caller, account)?;
    Ok(Prepared {
        caller,
        params,
        expand,
    })
}

pub async fn create(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let p = prepare(&app, &req, Permission::SessionsWrite, create_fields()).await?;
    let new = new_session(&p.params)?;
    let session = VerificationSession::create(new, p.caller.livemode, app.clock().now_millis())
        .map_err(metadata_error)?;
    let claim = match idempotency::begin(&app, &req, &p.caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        tx.insert_session(&session).await?;
        record(
            &app,
            &mut tx,
            &session,
            EventType::Created,
            &EventCause::api(&req),
        )
        .await?;
        let body = render_written(&app, &mut tx, &p.caller, &session, &p.expand, None).await?;
        Ok((tx, body))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}

pub async fn retrieve(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let p = prepare(&app, &req, Permission::SessionsRead, expand_only()).await?;
    let id = req.segment(4);
    let livemode = p.caller.livemode;
    let mut session = app
        .store()
        .session(livemode, &id)
        .await?
        .ok_or_else(|| ApiError::no_such(OBJECT_NAME, &id))?;
    let now = app.clock().now_millis();
    if p.caller.may_see_end_user_credentials() && session.clone().refresh_secrets(now) {
        // Used or expired credentials: mint fresh ones so the end user can (re)submit.
        let mut tx = app.store().begin().await?;
        if let Some(mut current) = tx.session(livemode, &id).await? {
            if current.refresh_secrets(now) {
                tx.update_session(&current).await?;
            }
            session = current;
        }
        tx.commit().await?;
    }
    let verified_at = verification_time(&app, &session, &p.expand).await?;
    expand::allow_sensitive_read(&app, &p.caller, &p.expand, &id, verified_at).await?;
    let mut body = render_session(&app, &session, &p.expand).await?;
    p.caller.hide_credentials_unless_allowed(&mut body);
    Ok(Json(body).into_response())
}

pub async fn list(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = authenticate_secret(&app, &req.headers).await?;
    let account = app.store().account_id();
    caller.require(Permission::SessionsRead, account)?;
    let params = req.params(list_fields())?;
    let expand = expand::parse(&params.expand(), Target::Session, true, &caller, account)?;
    let paging = paging(&params)?;
    let query = SessionQuery {
        livemode: caller.livemode,
        limit: paging.limit,
        cursor: paging.cursor.clone(),
        created: paging.created,
        status: params.string("status"),
        client_reference_id: params.string("client_reference_id"),
        related_customer: params.string("related_customer"),
        related_customer_account: params.string("related_customer_account"),
    };
    let page = app.store().list_sessions(&query).await?.ok_or_else(|| {
        missing_cursor(OBJECT_NAME, paging.cursor.as_ref().expect("cursor given"))
    })?;
    let mut data = Vec::with_capacity(page.items.len());
    for session in &page.items {
        let verified_at = verification_time(&app, session, &expand).await?;
        expand::allow_sensitive_read(&app, &caller, &expand, session.id.as_str(), verified_at)
            .await?;
    }
    for session in &page.items {
        let mut body = render_session(&app, session, &expand).await?;
        caller.hide_credentials_unless_allowed(&mut body);
        data.push(body);
    }
    Ok(Json(render::list(LIST_URL, data, page.has_more)).into_response())
}

/// The session as a write answers with it: when the response expands sensitive results, the
/// 48-hour rule and the audit log apply as on reads (the audit entry commits with the
/// write). `known_report` is a report this transaction wrote.
pub(crate) async fn render_written(
    app: &AppState,
    tx: &mut verifyd_store::Tx,
    caller: &crate::auth::Caller,
    session: &VerificationSession,
    expand: &Expand,
    known_report: Option<&verifyd_core::report::VerificationReport>,
) -> ApiResult<Value> {
    let verified_at = match known_report {
        Some(report) if session.last_verification_report.as_ref() == Some(&report.id) => {
            Some(report.created)
        }
        _ => verification_time(app, session, expand).await?,
    };
    expand::allow_sensitive_read_in(app, tx, caller, expand, session.id.as_str(), verified_at)
        .await?;
    render_session_with(app, session, expand, known_report).await
}

/// When the session's last verification was processed (its last report's `created`), looked
/// up only when sensitive results were asked for.
async fn verification_time(
    app: &AppState,
    session: &VerificationSession,
    expand: &crate::expand::Expand,
) -> ApiResult<Option<i64>> {
    if !expand.reaches_sensitive_results() {
        return Ok(None);
    }
    let Some(report_id) = &session.last_verification_report else {
        return Ok(None);
    };
    Ok(app
        .store()
        .report(session.livemode, report_id.as_str())
        .await?
        .map(|r| r.created))
}

/// Loads the session for a write in `tx`, or the 404.
async fn load_for_write(
    tx: &mut verifyd_store::Tx,
    livemode: bool,
    id: &str,
) -> ApiResult<VerificationSession> {
    tx.session(livemode, id)
        .await?
        .ok_or_else(|| ApiError::no_such(OBJECT_NAME, id))
}

pub async fn update(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let p = prepare(&app, &req, Permission::SessionsWrite, update_fields()).await?;
    let update = SessionUpdate {
        session_type: p.params.str("type").and_then(SessionType::parse),
        metadata: p.params.metadata_update("metadata"),
        document_options: document_options_change(p.params.get("options")),
        provided_details: provided_details(p.params.get("provided_details")),
    };
    let id = req.segment(4);
    let claim = match idempotency::begin(&app, &req, &p.caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        let mut session = load_for_write(&mut tx, p.caller.livemode, &id).await?;
        session.update(&update).map_err(|e| match e {
            SessionError::State(state) => state_error(state),
            SessionError::Metadata(m) => metadata_error(m),
        })?;
        tx.update_session(&session).await?;
        let body = render_written(&app, &mut tx, &p.caller, &session, &p.expand, None).await?;
        Ok((tx, body))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}

pub async fn cancel(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let p = prepare(&app, &req, Permission::SessionsWrite, expand_only()).await?;
    let id = req.segment(4);
    let claim = match idempotency::begin(&app, &req, &p.caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        let mut session = load_for_write(&mut tx, p.caller.livemode, &id).await?;
        session.cancel().map_err(state_error)?;
        tx.update_session(&session).await?;
        // Nothing can be submitted any more: uploads no submission used are erased.
        tx.erase_unsubmitted_files_of_session(session.livemode, &id)
            .await?;
        record(
            &app,
            &mut tx,
            &session,
            EventType::Canceled,
            &EventCause::api(&req),
        )
        .await?;
        let body = render_written(&app, &mut tx, &p.caller, &session, &p.expand, None).await?;
        Ok((tx, body))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}

pub async fn redact(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let p = prepare(&app, &req, Permission::SessionsWrite, expand_only()).await?;
    let id = req.segment(4);
    let claim = match idempotency::begin(&app, &req, &p.caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        let mut session = load_for_write(&mut tx, p.caller.livemode, &id).await?;
        let canceled = session.begin_redaction().map_err(state_error)?;
        tx.update_session(&session).await?;
        if canceled {
            record(
                &app,
                &mut tx,
                &session,
                EventType::Canceled,
                &EventCause::api(&req),
            )
            .await?;
        }
        let now = app.clock().now_millis();
        Work::finish_redaction(session.livemode, session.id.as_str())
            .enqueue(&mut tx, now, now)
            .await?;
        let body = render_written(&app, &mut tx, &p.caller, &session, &p.expand, None).await?;
        Ok((tx, body))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}
