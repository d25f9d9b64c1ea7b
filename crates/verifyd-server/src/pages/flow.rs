//! The flow's requests after a link or client secret was opened: showing the current step,
//! and the post of each text step — consent, document type, ID number, name and date of
//! birth, a test outcome, the final submit, "no camera", the language switcher — plus
//! the images the review shows back to the browser that gave them. (Image uploads are in `upload`, the end of an
//! attempt in `end`.)
//!
//! Each post opens its write transaction through `visit::begin_post` (the session read
//! again, this browser's attempt and the CSRF token checked), applies the change and
//! commits; a refused post changes nothing and shows its step again (422). Posts answer
//! with a 303 to the next page. Submitting goes through `processing::submit`, which queues
//! the durable processing job in the same transaction.

use super::end::{already_submitted, finish, End};
use super::images::ImageFormat;
use super::input::{self, Details, FlowForm, LanguageForm, PageForm, Problem, Refusal};
use super::steps::{FlowPlan, Slot, Step};
use super::views::render_step;
use super::visit::{begin_post, checked_attempt, Visit};
use super::{valid_session_id, PageError};
use crate::app::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use verifyd_core::session::{DocumentType, LastErrorCode, VerificationSession};
use verifyd_core::submission::TestOutcome;
use verifyd_store::Tx;

/// To the flow's page, which shows the step the attempt is at.
pub(crate) fn to_flow(id: &str) -> Response {
    Redirect::to(&format!("/verify/s/{id}")).into_response()
}

/// A refused post: nothing is written (the transaction is dropped), and `step` of the
/// attempt `begin_post` checked is shown again with the refusal.
pub(crate) fn refuse(
    app: &AppState,
    tx: Tx,
    session: &VerificationSession,
    step: Step,
    refusal: impl Into<Refusal>,
) -> Response {
    drop(tx);
    let attempt = session.attempt.as_ref().expect("begin_post() checked it");
    render_step(app.branding(), session, attempt, step, Some(refusal.into()))
}

/// GET on a form's address (a bookmark, a reload after the redirect): back to the flow.
pub async fn back_to_flow(Path(id): Path<String>) -> Result<Response, PageError> {
    if !valid_session_id(&id) {
        return Err(PageError::NotFound);
    }
    Ok(to_flow(&id))
}

/// `GET /verify/s/{session}`: the current step (or `?step=` if already reachable).
pub async fn show(
    State(app): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let visit = Visit::load(&app, &id, &headers).await?;
    let (session, attempt) = visit.attempt(app.clock().now_millis())?;
    let plan = FlowPlan::for_session(&session);
    let step = input::requested_step(query.as_deref())
        .filter(|s| plan.reachable(*s, &attempt))
        .unwrap_or_else(|| plan.current(&attempt));
    Ok(render_step(app.branding(), &session, &attempt, step, None))
}

/// `POST …/consent`: `decision=accept` or `decision=decline`.
pub async fn consent(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    match form.decision.as_deref() {
        Some("accept") => {
            let plan = FlowPlan::for_session(&session);
            let attempt = checked_attempt(&mut session);
            attempt.consent = true;
            if plan.document && attempt.submission.document_type.is_none() {
                attempt.submission.document_type = plan.document_type(&attempt.submission);
            }
            tx.update_session(&session).await?;
            tx.commit().await?;
            Ok(to_flow(&id))
        }
        Some("decline") => {
            let attempt = checked_attempt(&mut session);
            let (channel, locale) = (attempt.channel, attempt.locale.clone());
            session.decline_consent().map_err(|error| {
                tracing::error!(%error, "hosted page: decline refused");
                PageError::Internal
            })?;
            tx.update_session(&session).await?;
            tx.commit().await?;
            Ok(finish(
                &app,
                &session,
                channel,
                End::Declined,
                locale.as_deref(),
            ))
        }
        _ => Err(PageError::BadRequest),
    }
}

/// `POST …/document-type`.
pub async fn document_type(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    let plan = FlowPlan::for_session(&session);
    let attempt = checked_attempt(&mut session);
    if !plan.document || !plan.reachable(Step::DocumentType, attempt) {
        return Ok(to_flow(&id));
    }
    let chosen = form
        .document_type
        .as_deref()
        .and_then(DocumentType::parse)
        .filter(|t| plan.permitted.contains(t));
    let Some(chosen) = chosen else {
        return Ok(refuse(
            &app,
            tx,
            &session,
            Step::DocumentType,
            Problem::NoDocumentChosen,
        ));
    };
    let submission = &mut attempt.submission;
    if submission.document_type != Some(chosen) {
        // Images of another document type no longer apply.
        submission.document_front = None;
        submission.document_back = None;
    }
    submission.document_type = Some(chosen);
    tx.update_session(&session).await?;
    tx.commit().await?;
    Ok(to_flow(&id))
}

/// `POST …/id-number` (document sessions with `require_id_number`).
pub async fn id_number(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    let plan = FlowPlan::for_session(&session);
    let attempt = checked_attempt(&mut session);
    if !plan.id_number || !plan.document || !plan.reachable(Step::IdNumber, attempt) {
        return Ok(to_flow(&id));
    }
    match input::id_number(form.id_number.as_deref()) {
        Ok(value) => {
            attempt.submission.id_number = Some(value);
            tx.update_session(&session).await?;
            tx.commit().await?;
            Ok(to_flow(&id))
        }
        Err(problem) => {
            let typed = form.id_number.unwrap_or_default();
            let refusal = Refusal::IdNumber { typed, problem };
            Ok(refuse(&app, tx, &session, Step::IdNumber, refusal))
        }
    }
}

/// `POST …/details` (`type=id_number`): first and last name, date of birth, ID number.
pub async fn details(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    let plan = FlowPlan::for_session(&session);
    let attempt = checked_attempt(&mut session);
    if plan.document || !plan.reachable(Step::Details, attempt) {
        return Ok(to_flow(&id));
    }
    match Details::parse(&form, app.clock().now_millis()) {
        Ok(details) => {
            details.write_to(&mut attempt.submission);
            tx.update_session(&session).await?;
            tx.commit().await?;
            Ok(to_flow(&id))
        }
        Err(refusal) => Ok(refuse(&app, tx, &session, Step::Details, refusal)),
    }
}

/// `POST …/test-outcome` (test mode, after consent): submits at once with the chosen outcome.
pub async fn test_outcome(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) =
        match begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await {
            Err(error @ PageError::Expired(_)) => {
                return already_submitted(&app, &id, &headers).await?.ok_or(error)
            }
            opened => opened?,
        };
    if session.livemode {
        return Err(PageError::BadRequest);
    }
    let allowed = FlowPlan::for_session(&session).test_failures();
    let attempt = checked_attempt(&mut session);
    if !attempt.consent {
        return Ok(to_flow(&id));
    }
    let outcome = form
        .outcome
        .as_deref()
        .and_then(TestOutcome::parse)
        .filter(|o| match o {
            TestOutcome::Fail(code) => allowed.contains(code),
            _ => true,
        })
        .ok_or(PageError::BadRequest)?;
    let (channel, locale) = (attempt.channel, attempt.locale.clone());
    let mut submission = attempt.submission.clone();
    submission.test_outcome = Some(outcome);
    crate::processing::submit(&app, &mut tx, &mut session, submission).await?;
    tx.commit().await?;
    Ok(finish(
        &app,
        &session,
        channel,
        End::Submitted,
        locale.as_deref(),
    ))
}

/// `POST …/submit`: the real path's last step.
pub async fn submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) =
        match begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await {
            Err(error @ PageError::Expired(_)) => {
                return already_submitted(&app, &id, &headers).await?.ok_or(error)
            }
            opened => opened?,
        };
    let plan = FlowPlan::for_session(&session);
    let attempt = checked_attempt(&mut session).clone();
    let missing = plan
        .steps(&attempt.submission)
        .into_iter()
        .find(|&s| s != Step::Review && !plan.is_done(s, &attempt));
    let not_live = plan.live_capture && !attempt.submission.live_capture;
    if let Some(step) = missing.or(not_live.then_some(Step::Front)) {
        return Ok(refuse(&app, tx, &session, step, Problem::StepNotDone));
    }
    let mut submission = attempt.submission.clone();
    submission.test_outcome = None;
    crate::processing::submit(&app, &mut tx, &mut session, submission).await?;
    tx.commit().await?;
    Ok(finish(
        &app,
        &session,
        attempt.channel,
        End::Submitted,
        attempt.locale.as_deref(),
    ))
}

/// `POST …/camera-unavailable`: the end user has no usable camera. The attempt ends and
/// the session records `last_error.code = device_not_supported` (a user-session failure,
/// like declined consent; no report).
pub async fn camera_unavailable(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<FlowForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    if !FlowPlan::for_session(&session).live_capture {
        // Only live-capture sessions need a camera: nothing to end.
        return Ok(to_flow(&id));
    }
    let attempt = checked_attempt(&mut session);
    let (channel, locale) = (attempt.channel, attempt.locale.clone());
    session
        .end_attempt(LastErrorCode::DeviceNotSupported)
        .map_err(|error| {
            tracing::error!(%error, "hosted page: ending the attempt refused");
            PageError::Internal
        })?;
    tx.update_session(&session).await?;
    // The attempt is over: its uploads will never be submitted.
    tx.erase_unsubmitted_files_of_session(session.livemode, &id)
        .await?;
    tx.commit().await?;
    Ok(finish(
        &app,
        &session,
        channel,
        End::DeviceUnsupported,
        locale.as_deref(),
    ))
}

/// `POST …/language`: the language switcher of a step page. Stores the choice on the attempt
/// and goes back (303) to the step it was posted from. A value that is not one of the
/// pages' languages is a bad request; nothing changes.
pub async fn language(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PageForm(form): PageForm<LanguageForm>,
) -> Result<Response, PageError> {
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    let locale = input::chosen_locale(form.locale.as_deref()).ok_or(PageError::BadRequest)?;
    checked_attempt(&mut session).locale = Some(locale.tag().to_owned());
    tx.update_session(&session).await?;
    tx.commit().await?;
    Ok(match form.step.as_deref().and_then(Step::parse) {
        Some(step) => Redirect::to(&format!("/verify/s/{id}?step={}", step.slug())).into_response(),
        None => to_flow(&id),
    })
}

/// `GET /verify/s/{session}/image/{slot}`: an image of the open attempt, to the browser
/// that gave it (for the review page). Never cached, never embeddable by other sites.
pub async fn image(
    State(app): State<AppState>,
    Path((id, slot)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let slot = Slot::parse(&slot).ok_or(PageError::NotFound)?;
    let visit = Visit::load(&app, &id, &headers).await?;
    let (session, attempt) = visit.attempt(app.clock().now_millis())?;
    let file_id = slot.file(&attempt.submission).ok_or(PageError::NotFound)?;
    let (record, contents) = app
        .store()
        .file(session.livemode, file_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let contents = contents.ok_or(PageError::NotFound)?;
    if record.verification_session != session.id.as_str() {
        return Err(PageError::NotFound);
    }
    let format = ImageFormat::from_file_type(&record.file_type).ok_or(PageError::NotFound)?;
    let mut response = contents.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}
