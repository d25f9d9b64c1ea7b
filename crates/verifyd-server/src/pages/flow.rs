//! The flow after a link or client secret was opened: showing the current step, and every
//! form post of it — consent, document type, ID number, name and date of birth, a test
//! outcome, the final submit, "no camera" — plus the end pages and the images the review
//! shows back to the browser that gave them.
//!
//! Each post reads the session again inside one write transaction, checks that this
//! browser's binding (the link's cookie, or the modal frame's header, see `binding`)
//! matches the open attempt and that the CSRF token matches (constant time), applies the
//! change and commits; a refused post changes nothing. Posts answer with a 303 to the next
//! page. Submitting goes through `processing::submit`, which queues the durable processing
//! job in the same transaction.

use super::binding::{from_modal_frame, Binding};
use super::cookies::CookieJar;
use super::security::{return_url_target, same_secret, Csp, Framing};
use super::steps::{FlowPlan, Slot, Step};
use super::templates::{
    self, Choice, Chrome, ConsentPage, DetailsErrors, DetailsPage, DetailsValues, DocumentTypePage,
    FlowChrome, IdNumberPage, ImagePage, MessagePage, ModalResult, OutcomeChoice, PageLink,
    ReviewPage, ReviewRow,
};
use super::{respond, valid_session_id, ExpiredContext, PageError};
use crate::app::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verifyd_core::session::{Date, DocumentType, LastErrorCode, SessionType, VerificationSession};
use verifyd_core::submission::{applicable_failures, Attempt, Channel, TestOutcome};
use verifyd_store::Tx;

/// What a request told us about its session and browser before any change.
pub(crate) struct Visit {
    pub session: VerificationSession,
    /// The binding this request carried for the session, if any.
    pub binding: Option<Binding>,
    /// The request came from the modal's frame.
    pub in_modal: bool,
}

/// The open attempt of `session` that `binding` holds: the hash matches (constant time),
/// the attempt is still open, and it was opened through the channel that carries this
/// kind of binding (a cookie never opens a modal attempt, nor the header a link's).
pub(crate) fn held_attempt<'a>(
    session: &'a mut VerificationSession,
    binding: &Binding,
    now: i64,
) -> Option<&'a mut Attempt> {
    session
        .attempt_for(&binding.hash, now)
        .ok()
        .filter(|attempt| binding.fits(attempt.channel))
}

impl Visit {
    pub async fn load(app: &AppState, id: &str, headers: &HeaderMap) -> Result<Self, PageError> {
        if !valid_session_id(id) {
            return Err(PageError::expired());
        }
        let session = app
            .store()
            .session_any_mode(id)
            .await?
            .ok_or_else(PageError::expired)?;
        Ok(Self {
            binding: Binding::from_request(headers, id),
            in_modal: from_modal_frame(headers),
            session,
        })
    }

    pub fn expired(&self) -> PageError {
        PageError::Expired(ExpiredContext {
            test_mode: Some(!self.session.livemode),
            continue_url: None,
            in_modal: self.in_modal,
        })
    }

    /// The open attempt of this browser, as of the read.
    pub fn attempt(&self, now: i64) -> Result<(VerificationSession, Attempt), PageError> {
        let binding = self.binding.as_ref().ok_or_else(|| self.expired())?;
        let mut session = self.session.clone();
        let attempt = held_attempt(&mut session, binding, now)
            .ok_or_else(|| self.expired())?
            .clone();
        Ok((session, attempt))
    }
}

/// Opens the write transaction of a post: the session re-read, this browser's attempt
/// checked, the CSRF token compared. Dropping the transaction changes nothing.
pub(crate) async fn begin(
    app: &AppState,
    id: &str,
    headers: &HeaderMap,
    csrf_token: Option<&str>,
) -> Result<(Tx, VerificationSession), PageError> {
    let visit = Visit::load(app, id, headers).await?;
    let binding = visit.binding.clone().ok_or_else(|| visit.expired())?;
    let mut tx = app.store().begin().await?;
    let mut session = tx
        .session(visit.session.livemode, id)
        .await?
        .ok_or_else(|| visit.expired())?;
    let now = app.clock().now_millis();
    let attempt = held_attempt(&mut session, &binding, now).ok_or_else(|| visit.expired())?;
    if !same_secret(&attempt.csrf_token, csrf_token.unwrap_or("")) {
        return Err(PageError::Csrf {
            test_mode: !session.livemode,
        });
    }
    Ok((tx, session))
}

/// The attempt `begin` checked.
pub(crate) fn attempt_mut(session: &mut VerificationSession) -> &mut Attempt {
    session
        .attempt
        .as_mut()
        .expect("begin() checked that the attempt is open")
}

fn flow_url(id: &str) -> String {
    format!("/verify/s/{id}")
}

fn to_flow(id: &str) -> Response {
    Redirect::to(&flow_url(id)).into_response()
}

/// GET on a form's address (a bookmark, a reload after the redirect): back to the flow.
pub async fn back_to_flow(Path(id): Path<String>) -> Response {
    if !valid_session_id(&id) {
        return PageError::NotFound.into_response();
    }
    to_flow(&id)
}

/// A problem to show on a re-rendered step.
pub(crate) enum Problem {
    None,
    Message(String),
    /// Live mode's quick check of an upload asks for another photo (`name` is the
    /// retake's stable name, for `data-retake`).
    Retake {
        message: String,
        name: &'static str,
    },
    IdNumber {
        value: String,
        message: String,
    },
    Details(DetailsValues, DetailsErrors),
}

pub(crate) fn document_label(t: DocumentType) -> &'static str {
    match t {
        DocumentType::DrivingLicense => "driver's license",
        DocumentType::IdCard => "ID card",
        DocumentType::Passport => "passport",
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn list_in_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return "•".repeat(chars.len());
    }
    let visible: String = chars[chars.len() - 4..].iter().collect();
    format!("{}{visible}", "•".repeat(chars.len() - 4))
}

/// The page layout's data for a session's flow page.
fn chrome_for(
    title: &str,
    page: &'static str,
    session: &VerificationSession,
    attempt: &Attempt,
) -> Chrome {
    let mut chrome = Chrome::new(title, page, !session.livemode);
    if attempt.channel == Channel::Modal {
        chrome.channel = "modal";
    }
    chrome
}

/// The policy of a flow page: never framed (the modal's frame fetches its pages), forms
/// allowed to lead to `return_url` when a link's flow ends there.
fn flow_csp(session: &VerificationSession, attempt: &Attempt) -> Csp {
    match attempt.channel {
        Channel::Link => Csp {
            framing: Framing::Deny,
            form_targets: session
                .return_url
                .as_deref()
                .and_then(return_url_target)
                .into_iter()
                .collect(),
        },
        Channel::Modal => Csp::deny_framing(),
    }
}

fn outcome_choices(session: &VerificationSession) -> Vec<OutcomeChoice> {
    if session.livemode {
        return Vec::new();
    }
    let plan = FlowPlan::for_session(session);
    let mut choices = vec![
        OutcomeChoice {
            name: TestOutcome::Verified.name(),
            label: "Verified".into(),
            description: "Processing succeeds and the session becomes verified.".into(),
            failure: false,
        },
        OutcomeChoice {
            name: TestOutcome::VerifiedDelayed.name(),
            label: "Verified after a delay".into(),
            description:
                "The session stays in processing for about 4 seconds, then becomes verified.".into(),
            failure: false,
        },
    ];
    for code in allowed_failures(session, &plan) {
        choices.push(OutcomeChoice {
            name: code.as_str(),
            label: format!("Fail: {}", code.as_str()),
            description: code.default_reason().to_owned(),
            failure: true,
        });
    }
    choices
}

fn allowed_failures(session: &VerificationSession, plan: &FlowPlan) -> Vec<LastErrorCode> {
    let session_type = match session.session_type {
        SessionType::IdNumber => SessionType::IdNumber,
        _ => SessionType::Document,
    };
    applicable_failures(session_type, plan.selfie, plan.id_number)
}

/// Renders `step` of the attempt with an optional problem.
pub(crate) fn render_step(
    session: &VerificationSession,
    attempt: &Attempt,
    step: Step,
    problem: Problem,
    status: StatusCode,
) -> Response {
    let plan = FlowPlan::for_session(session);
    let id = session.id.as_str().to_owned();
    let (step_number, step_count) = plan.position(step, &attempt.submission);
    let steps = plan.steps(&attempt.submission);
    let back_step = steps
        .iter()
        .position(|&s| s == step)
        .filter(|&i| i >= 2)
        .map(|i| steps[i - 1].slug());
    let flow = FlowChrome {
        session_id: id.clone(),
        csrf_token: attempt.csrf_token.clone(),
        step_number,
        step_count,
        back_step,
        test_outcomes: if attempt.consent {
            outcome_choices(session)
        } else {
            Vec::new()
        },
    };
    let csp = flow_csp(session, attempt);
    let chrome = |title: &str, page| chrome_for(title, page, session, attempt);
    let message = match &problem {
        Problem::Message(m) => Some(m.clone()),
        Problem::Retake { message, .. } => Some(message.clone()),
        Problem::IdNumber { message, .. } => Some(message.clone()),
        _ => None,
    };
    let sub = &attempt.submission;
    let doc_type = plan.document_type(sub);
    let doc_name = doc_type.map(document_label).unwrap_or("document");
    match step {
        Step::Consent => {
            let mut asks = Vec::new();
            if plan.document {
                let names: Vec<&str> = plan.permitted.iter().map(|t| document_label(*t)).collect();
                asks.push(format!(
                    "Photos of your identity document: your {}.",
                    list_in_words(&names)
                ));
                if plan.selfie {
                    asks.push("A selfie, to compare with the photo on your document.".to_owned());
                }
                if plan.id_number {
                    asks.push("Your ID number.".to_owned());
                }
                if plan.live_capture {
                    asks.push(
                        "Access to your device's camera: the photos are taken on this page."
                            .to_owned(),
                    );
                }
            } else {
                asks.push("Your name, date of birth and ID number.".to_owned());
            }
            let page = ConsentPage {
                chrome: chrome("Verify your identity", "consent"),
                action: format!("/verify/s/{id}/consent"),
                csrf_token: attempt.csrf_token.clone(),
                asks,
                step_number,
                step_count,
            };
            templates::page(status, &page, &csp)
        }
        Step::DocumentType => {
            let choices = plan
                .permitted
                .iter()
                .map(|t| Choice {
                    value: t.as_str(),
                    label: match t {
                        DocumentType::DrivingLicense => "Driver's license",
                        DocumentType::IdCard => "ID card",
                        DocumentType::Passport => "Passport",
                    },
                    hint: match t {
                        DocumentType::DrivingLicense => "Front and back.",
                        DocumentType::IdCard => "A national identity card, front and back.",
                        DocumentType::Passport => "The page with your photo.",
                    },
                    checked: sub.document_type == Some(*t),
                })
                .collect();
            let page = DocumentTypePage {
                chrome: chrome("Choose your document", "document-type"),
                flow,
                choices,
                error: message,
            };
            templates::page(status, &page, &csp)
        }
        Step::Front | Step::Back | Step::Selfie => {
            let slot = match step {
                Step::Front => Slot::Front,
                Step::Back => Slot::Back,
                _ => Slot::Selfie,
            };
            let document_tips = vec![
                "Put the document on a flat, plain surface.".to_owned(),
                "Make sure all four corners are visible and the text is sharp.".to_owned(),
                "Avoid glare, shadows and fingers over the document.".to_owned(),
            ];
            let (heading, tips) = match slot {
                Slot::Front if doc_type == Some(DocumentType::Passport) => {
                    ("Photo page of your passport".to_owned(), document_tips)
                }
                Slot::Front => (format!("Front of your {doc_name}"), document_tips),
                Slot::Back => (format!("Back of your {doc_name}"), document_tips),
                Slot::Selfie => (
                    "Take a selfie".to_owned(),
                    vec![
                        "Face the camera in good, even light.".to_owned(),
                        "Take off sunglasses, hats or anything covering your face.".to_owned(),
                        "Make sure only you are in the picture.".to_owned(),
                    ],
                ),
            };
            let page = ImagePage {
                chrome: chrome(&heading, "image"),
                flow,
                slot: slot.name(),
                heading,
                tips,
                camera: plan.live_capture,
                facing: if slot == Slot::Selfie {
                    "user"
                } else {
                    "environment"
                },
                current_image: slot
                    .file(sub)
                    .map(|_| format!("/verify/s/{id}/image/{}", slot.name())),
                retake: match &problem {
                    Problem::Retake { name, .. } => Some(name),
                    _ => None,
                },
                error: message,
            };
            templates::page(status, &page, &csp)
        }
        Step::IdNumber => {
            let value = match problem {
                Problem::IdNumber { value, .. } => value,
                _ => sub.id_number.clone().unwrap_or_default(),
            };
            let page = IdNumberPage {
                chrome: chrome("Your ID number", "id-number"),
                flow,
                id_number: value,
                error: message,
            };
            templates::page(status, &page, &csp)
        }
        Step::Details => {
            let (values, errors) = match problem {
                Problem::Details(values, errors) => (values, errors),
                _ => (
                    DetailsValues {
                        first_name: sub.first_name.clone().unwrap_or_default(),
                        last_name: sub.last_name.clone().unwrap_or_default(),
                        dob_day: sub
                            .dob
                            .and_then(|d| d.day)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        dob_month: sub
                            .dob
                            .and_then(|d| d.month)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        dob_year: sub
                            .dob
                            .and_then(|d| d.year)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        id_number: sub.id_number.clone().unwrap_or_default(),
                    },
                    DetailsErrors::default(),
                ),
            };
            let page = DetailsPage {
                chrome: chrome("Your details", "details"),
                flow,
                values,
                errors,
            };
            templates::page(status, &page, &csp)
        }
        Step::Review => {
            let mut rows = Vec::new();
            let image = |slot: Slot| {
                slot.file(sub)
                    .map(|_| format!("/verify/s/{id}/image/{}", slot.name()))
            };
            let steps = plan.steps(sub);
            if plan.document {
                rows.push(ReviewRow {
                    label: "Document".into(),
                    value: capitalized(doc_name),
                    image: None,
                    change_step: steps
                        .contains(&Step::DocumentType)
                        .then_some("document-type"),
                });
                let front_label = if doc_type == Some(DocumentType::Passport) {
                    "Photo page"
                } else {
                    "Front"
                };
                rows.push(ReviewRow {
                    label: front_label.into(),
                    value: String::new(),
                    image: image(Slot::Front),
                    change_step: Some("front"),
                });
                if steps.contains(&Step::Back) {
                    rows.push(ReviewRow {
                        label: "Back".into(),
                        value: String::new(),
                        image: image(Slot::Back),
                        change_step: Some("back"),
                    });
                }
                if plan.selfie {
                    rows.push(ReviewRow {
                        label: "Selfie".into(),
                        value: String::new(),
                        image: image(Slot::Selfie),
                        change_step: Some("selfie"),
                    });
                }
                if plan.id_number {
                    rows.push(ReviewRow {
                        label: "ID number".into(),
                        value: mask(sub.id_number.as_deref().unwrap_or("")),
                        image: None,
                        change_step: Some("id-number"),
                    });
                }
            } else {
                let name = format!(
                    "{} {}",
                    sub.first_name.as_deref().unwrap_or(""),
                    sub.last_name.as_deref().unwrap_or("")
                );
                rows.push(ReviewRow {
                    label: "Name".into(),
                    value: name.trim().to_owned(),
                    image: None,
                    change_step: Some("details"),
                });
                let dob = sub
                    .dob
                    .map(|d| {
                        format!(
                            "{} {} {}",
                            d.day.unwrap_or(0),
                            MONTHS[(d.month.unwrap_or(1).clamp(1, 12) - 1) as usize],
                            d.year.unwrap_or(0)
                        )
                    })
                    .unwrap_or_default();
                rows.push(ReviewRow {
                    label: "Date of birth".into(),
                    value: dob,
                    image: None,
                    change_step: Some("details"),
                });
                rows.push(ReviewRow {
                    label: "ID number".into(),
                    value: mask(sub.id_number.as_deref().unwrap_or("")),
                    image: None,
                    change_step: Some("details"),
                });
            }
            let page = ReviewPage {
                chrome: chrome("Check and submit", "review"),
                flow,
                rows,
                error: message,
            };
            templates::page(status, &page, &csp)
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `?step=` of the query string.
fn requested_step(query: Option<&str>) -> Option<Step> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "step")
        .and_then(|(_, v)| Step::parse(v))
}

/// `GET /verify/s/{session}`: the current step (or `?step=` if already reachable).
pub async fn show(
    State(app): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(
        async {
            let visit = Visit::load(&app, &id, &headers).await?;
            let (session, attempt) = visit.attempt(app.clock().now_millis())?;
            let plan = FlowPlan::for_session(&session);
            let step = requested_step(query.as_deref())
                .filter(|s| plan.reachable(*s, &attempt))
                .unwrap_or_else(|| plan.current(&attempt));
            Ok(render_step(
                &session,
                &attempt,
                step,
                Problem::None,
                StatusCode::OK,
            ))
        }
        .await,
    )
}

/// Forms posted by the flow's text steps. Every field is optional so that a missing one
/// becomes a clear message rather than a rejection.
#[derive(Debug, Default, Deserialize)]
pub struct FlowForm {
    csrf_token: Option<String>,
    decision: Option<String>,
    document_type: Option<String>,
    id_number: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    dob_day: Option<String>,
    dob_month: Option<String>,
    dob_year: Option<String>,
    outcome: Option<String>,
}

fn form_fields(form: Result<Form<FlowForm>, FormRejection>) -> Result<FlowForm, PageError> {
    match form {
        Ok(Form(form)) => Ok(form),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(PageError::TooLarge)
        }
        Err(_) => Err(PageError::BadRequest),
    }
}

fn jar(app: &AppState) -> CookieJar {
    CookieJar::for_public_url(app.public_url())
}

/// `POST …/consent`: `decision=accept` or `decision=decline`.
pub async fn consent(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                begin(&app, &id, &headers, form.csrf_token.as_deref()).await?;
            match form.decision.as_deref() {
                Some("accept") => {
                    let plan = FlowPlan::for_session(&session);
                    let attempt = attempt_mut(&mut session);
                    attempt.consent = true;
                    if plan.document && attempt.submission.document_type.is_none() {
                        attempt.submission.document_type = plan.document_type(&attempt.submission);
                    }
                    tx.update_session(&session).await?;
                    tx.commit().await?;
                    Ok(to_flow(&id))
                }
                Some("decline") => {
                    let channel = attempt_mut(&mut session).channel;
                    session.decline_consent().map_err(|error| {
                        tracing::error!(%error, "hosted page: decline refused");
                        PageError::Internal
                    })?;
                    tx.update_session(&session).await?;
                    tx.commit().await?;
                    Ok(finish(&app, &session, channel, End::Declined))
                }
                _ => Err(PageError::BadRequest),
            }
        }
        .await,
    )
}

/// `POST …/document-type`.
pub async fn document_type(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                begin(&app, &id, &headers, form.csrf_token.as_deref()).await?;
            let plan = FlowPlan::for_session(&session);
            let attempt = attempt_mut(&mut session);
            if !plan.document || !plan.reachable(Step::DocumentType, attempt) {
                return Ok(to_flow(&id));
            }
            let chosen = form
                .document_type
                .as_deref()
                .and_then(DocumentType::parse)
                .filter(|t| plan.permitted.contains(t));
            let Some(chosen) = chosen else {
                let attempt = attempt.clone();
                drop(tx);
                return Ok(render_step(
                    &session,
                    &attempt,
                    Step::DocumentType,
                    Problem::Message("Choose the document you will use.".into()),
                    StatusCode::UNPROCESSABLE_ENTITY,
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
        .await,
    )
}

/// Checks an ID number as typed: 1–40 letters, digits, spaces, dashes, dots or slashes.
fn clean_id_number(raw: Option<&str>) -> Result<String, &'static str> {
    let value = raw.unwrap_or("").trim();
    if value.is_empty() {
        return Err("Enter your ID number.");
    }
    if value.chars().count() > 40
        || !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/'))
    {
        return Err("Enter your ID number using only letters, digits, spaces and dashes (up to 40 characters).");
    }
    Ok(value.to_owned())
}

/// `POST …/id-number` (document sessions with `require_id_number`).
pub async fn id_number(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                begin(&app, &id, &headers, form.csrf_token.as_deref()).await?;
            let plan = FlowPlan::for_session(&session);
            let attempt = attempt_mut(&mut session);
            if !plan.id_number || !plan.document || !plan.reachable(Step::IdNumber, attempt) {
                return Ok(to_flow(&id));
            }
            match clean_id_number(form.id_number.as_deref()) {
                Ok(value) => {
                    attempt.submission.id_number = Some(value);
                    tx.update_session(&session).await?;
                    tx.commit().await?;
                    Ok(to_flow(&id))
                }
                Err(message) => {
                    let attempt = attempt.clone();
                    drop(tx);
                    Ok(render_step(
                        &session,
                        &attempt,
                        Step::IdNumber,
                        Problem::IdNumber {
                            value: form.id_number.unwrap_or_default(),
                            message: message.to_owned(),
                        },
                        StatusCode::UNPROCESSABLE_ENTITY,
                    ))
                }
            }
        }
        .await,
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// A date of birth from its three boxes; must be a real date in the past, after 1900.
fn parse_dob(day: &str, month: &str, year: &str, now_millis: i64) -> Result<Date, &'static str> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() || month.is_empty() || year.is_empty() {
        return Err("Enter your date of birth: day, month and year.");
    }
    let (Ok(d), Ok(m), Ok(y)) = (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<i64>(),
    ) else {
        return Err("Enter your date of birth using numbers, for example 27 3 1990.");
    };
    if !(1..=12).contains(&m) || y < 1900 || d == 0 || d > days_in_month(y, m) {
        return Err("Enter a real date of birth, for example 27 3 1990.");
    }
    let today = civil_from_days(now_millis.div_euclid(86_400_000));
    if (y, m, d) >= today {
        return Err("Your date of birth must be in the past.");
    }
    Ok(Date::new(y as i32, m, d))
}

fn clean_name(raw: Option<&str>, missing: &'static str) -> Result<String, &'static str> {
    let value = raw.unwrap_or("").trim();
    if value.is_empty() {
        return Err(missing);
    }
    if value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err("Names can be up to 100 characters.");
    }
    Ok(value.to_owned())
}

/// `POST …/details` (`type=id_number`): first and last name, date of birth, ID number.
pub async fn details(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                begin(&app, &id, &headers, form.csrf_token.as_deref()).await?;
            let now = app.clock().now_millis();
            let plan = FlowPlan::for_session(&session);
            let attempt = attempt_mut(&mut session);
            if plan.document || !plan.reachable(Step::Details, attempt) {
                return Ok(to_flow(&id));
            }
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            let values = DetailsValues {
                first_name: text(&form.first_name),
                last_name: text(&form.last_name),
                dob_day: text(&form.dob_day),
                dob_month: text(&form.dob_month),
                dob_year: text(&form.dob_year),
                id_number: text(&form.id_number),
            };
            let first = clean_name(form.first_name.as_deref(), "Enter your first name.");
            let last = clean_name(form.last_name.as_deref(), "Enter your last name.");
            let dob = parse_dob(&values.dob_day, &values.dob_month, &values.dob_year, now);
            let number = clean_id_number(form.id_number.as_deref());
            match (first, last, dob, number) {
                (Ok(first), Ok(last), Ok(dob), Ok(number)) => {
                    let s = &mut attempt.submission;
                    s.first_name = Some(first);
                    s.last_name = Some(last);
                    s.dob = Some(dob);
                    s.id_number = Some(number);
                    tx.update_session(&session).await?;
                    tx.commit().await?;
                    Ok(to_flow(&id))
                }
                (first, last, dob, number) => {
                    let errors = DetailsErrors {
                        first_name: first.err().map(str::to_owned),
                        last_name: last.err().map(str::to_owned),
                        dob: dob.err().map(str::to_owned),
                        id_number: number.err().map(str::to_owned),
                    };
                    let attempt = attempt.clone();
                    drop(tx);
                    Ok(render_step(
                        &session,
                        &attempt,
                        Step::Details,
                        Problem::Details(values, errors),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    ))
                }
            }
        }
        .await,
    )
}

/// `POST …/test-outcome` (test mode, after consent): submits at once with the chosen outcome.
pub async fn test_outcome(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                match begin(&app, &id, &headers, form.csrf_token.as_deref()).await {
                    Ok(opened) => opened,
                    Err(error @ PageError::Expired(_)) => {
                        return already_submitted(&app, &id, &headers).await?.ok_or(error)
                    }
                    Err(error) => return Err(error),
                };
            if session.livemode {
                return Err(PageError::BadRequest);
            }
            let plan = FlowPlan::for_session(&session);
            let allowed = allowed_failures(&session, &plan);
            let attempt = attempt_mut(&mut session);
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
            let channel = attempt.channel;
            let mut submission = attempt.submission.clone();
            submission.test_outcome = Some(outcome);
            crate::processing::submit(&app, &mut tx, &mut session, submission).await?;
            tx.commit().await?;
            Ok(finish(&app, &session, channel, End::Submitted))
        }
        .await,
    )
}

/// `POST …/submit`: the real path's last step.
pub async fn submit(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                match begin(&app, &id, &headers, form.csrf_token.as_deref()).await {
                    Ok(opened) => opened,
                    Err(error @ PageError::Expired(_)) => {
                        return already_submitted(&app, &id, &headers).await?.ok_or(error)
                    }
                    Err(error) => return Err(error),
                };
            let plan = FlowPlan::for_session(&session);
            let attempt = attempt_mut(&mut session).clone();
            let missing = plan
                .steps(&attempt.submission)
                .into_iter()
                .find(|&s| s != Step::Review && !plan.is_done(s, &attempt));
            let not_live = plan.live_capture && !attempt.submission.live_capture;
            if let Some(step) = missing.or(not_live.then_some(Step::Front)) {
                drop(tx);
                return Ok(render_step(
                    &session,
                    &attempt,
                    step,
                    Problem::Message("Complete this step before you submit.".into()),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
            let mut submission = attempt.submission.clone();
            submission.test_outcome = None;
            crate::processing::submit(&app, &mut tx, &mut session, submission).await?;
            tx.commit().await?;
            Ok(finish(&app, &session, attempt.channel, End::Submitted))
        }
        .await,
    )
}

/// A second post of the final form from the browser that just submitted (a double click,
/// a resent form): the page the first post reached, not an "expired link". Nothing
/// changes, and the page says nothing but that the submission was made.
async fn already_submitted(
    app: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<Option<Response>, PageError> {
    let visit = Visit::load(app, id, headers).await?;
    let (Some(binding), Some(by)) = (&visit.binding, &visit.session.submitted_by) else {
        return Ok(None);
    };
    Ok((by.is(&binding.hash) && binding.fits(by.channel))
        .then(|| finish(app, &visit.session, by.channel, End::Submitted)))
}

/// `POST …/camera-unavailable`: the end user has no usable camera. The attempt ends and
/// the session records `last_error.code = device_not_supported` (a user-session failure,
/// like declined consent; no report).
pub async fn camera_unavailable(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<FlowForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let form = form_fields(form)?;
            let (mut tx, mut session) =
                begin(&app, &id, &headers, form.csrf_token.as_deref()).await?;
            if !FlowPlan::for_session(&session).live_capture {
                // Only live-capture sessions need a camera: nothing to end.
                return Ok(to_flow(&id));
            }
            let channel = attempt_mut(&mut session).channel;
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
            Ok(finish(&app, &session, channel, End::DeviceUnsupported))
        }
        .await,
    )
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Submitted,
    Declined,
    DeviceUnsupported,
}

impl End {
    fn slug(self) -> &'static str {
        match self {
            End::Submitted => "submitted",
            End::Declined => "declined",
            End::DeviceUnsupported => "device-unsupported",
        }
    }

    fn parse(slug: &str) -> Option<Self> {
        [End::Submitted, End::Declined, End::DeviceUnsupported]
            .into_iter()
            .find(|e| e.slug() == slug)
    }
}

/// The answer to the post that ended an attempt: to `return_url` (links that submitted,
/// when the session has one), else to verifyd's end page; a link's binding cookie is
/// deleted (the modal's frame simply forgets its binding when it closes).
fn finish(app: &AppState, session: &VerificationSession, channel: Channel, end: End) -> Response {
    let id = session.id.as_str();
    let return_to = session
        .return_url
        .as_deref()
        .filter(|url| return_url_target(url).is_some())
        .and_then(|url| HeaderValue::from_str(url).ok());
    let mut response = match (end, channel, return_to) {
        (End::Submitted, Channel::Link, Some(location)) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, location);
            r
        }
        _ => {
            let via = match channel {
                Channel::Link => "link",
                Channel::Modal => "modal",
            };
            Redirect::to(&format!("/verify/s/{id}/end/{}?via={via}", end.slug())).into_response()
        }
    };
    if channel == Channel::Link {
        response
            .headers_mut()
            .append(header::SET_COOKIE, jar(app).clear_binding(id));
    }
    response
}

/// `GET /verify/s/{session}/end/{kind}`: the last page. In the modal it carries the result
/// the frame hands to the parent page. It shows nothing about the session but its mode.
pub async fn end(
    State(app): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    respond(
        async {
            let end = End::parse(&kind).ok_or(PageError::NotFound)?;
            if !valid_session_id(&id) {
                return Err(PageError::NotFound);
            }
            let session = app.store().session_any_mode(&id).await?;
            let test_mode = session.as_ref().is_some_and(|s| !s.livemode);
            let via_modal = query.as_deref() == Some("via=modal");
            let return_link = (!via_modal)
                .then(|| session.as_ref().and_then(|s| s.return_url.clone()))
                .flatten()
                .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
                .map(|href| PageLink {
                    href,
                    text: "Return to the site".into(),
                });
            let (title, heading, paragraphs, result, testid): (&str, &str, Vec<String>, ModalResult, &'static str) = match end {
                End::Submitted => (
                    "Submitted",
                    "Thank you, you're all done",
                    {
                        let mut p = vec!["Your information was submitted for verification. You can close this page.".to_owned()];
                        if test_mode {
                            p.push("Test mode: the outcome is applied within a few seconds.".to_owned());
                        }
                        p
                    },
                    ModalResult::submitted(),
                    "submitted",
                ),
                End::Declined => (
                    "Verification declined",
                    "You declined the verification",
                    vec![
                        "Nothing was collected. The site that asked for this verification will be told that you declined.".to_owned(),
                        "If you change your mind, ask the site for a new link.".to_owned(),
                    ],
                    ModalResult::error("consent_declined", "The user declined to give consent for the verification."),
                    "declined",
                ),
                End::DeviceUnsupported => (
                    "A camera is needed",
                    "A camera is needed for this verification",
                    vec![
                        "This verification needs photos taken with your device's camera, and none could be used in this browser.".to_owned(),
                        "Ask the site for a new link and open it on a phone or another device with a camera.".to_owned(),
                    ],
                    ModalResult::error("device_unsupported", "The user's device has no camera or camera access was denied."),
                    "device-unsupported",
                ),
            };
            let mut chrome = Chrome::new(title, "end", test_mode);
            if via_modal {
                // The modal's frame hands this result to its parent and closes.
                chrome.channel = "modal";
                chrome.result = Some(result);
            }
            let page = MessagePage {
                chrome,
                heading: heading.to_owned(),
                paragraphs,
                link: if end == End::Submitted { None } else { return_link },
                testid,
            };
            Ok(templates::page(StatusCode::OK, &page, &Csp::deny_framing()))
        }
        .await,
    )
}

/// `GET /verify/s/{session}/image/{slot}`: an image of the open attempt, to the browser
/// that gave it (for the review page). Never cached, never embeddable by other sites.
pub async fn image(
    State(app): State<AppState>,
    Path((id, slot)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(
        async {
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
            let format = super::images::ImageFormat::from_file_type(&record.file_type)
                .ok_or(PageError::NotFound)?;
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
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_come_from_epoch_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn dates_of_birth_must_be_real_and_past() {
        let now = 19_723 * 86_400_000; // 2024-01-01
        assert_eq!(
            parse_dob("27", "3", "1990", now),
            Ok(Date::new(1990, 3, 27))
        );
        assert!(parse_dob("29", "2", "2023", now).is_err());
        assert!(parse_dob("29", "2", "2020", now).is_ok());
        assert!(parse_dob("1", "1", "2024", now).is_err());
        assert!(parse_dob("", "1", "1990", now).is_err());
        assert!(parse_dob("a", "1", "1990", now).is_err());
        assert!(parse_dob("1", "13", "1990", now).is_err());
    }

    #[test]
    fn id_numbers_are_trimmed_and_checked() {
        assert_eq!(clean_id_number(Some(" 1234 ")), Ok("1234".to_owned()));
        assert!(clean_id_number(Some("")).is_err());
        assert!(clean_id_number(Some("12<script>")).is_err());
        assert!(clean_id_number(Some(&"1".repeat(41))).is_err());
    }

    #[test]
    fn masked_numbers_show_only_their_last_four_characters() {
        assert_eq!(mask("123456789"), "•••••6789");
        assert_eq!(mask("1234"), "••••");
    }
}
