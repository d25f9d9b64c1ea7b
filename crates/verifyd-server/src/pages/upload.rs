//! `POST /verify/s/{session}/image/{slot}`: one document or selfie image, as a multipart
//! form (`csrf_token`, `file`, and `capture_source=camera` when the page's camera took it).
//!
//! Nothing of the body is read until the session, this browser's binding (the link's
//! cookie or the modal frame's header, both in the request's head) and its
//! open attempt are checked, and no other upload of the session is arriving; the CSRF
//! token (which must precede the file) is checked before the file is read, and the file
//! is read only once a place among the process's uploads is held, within the idle and
//! total limits (see `upload_gate`).
//!
//! The file is read under a 10 MB cap (the rest of an oversized body is drained, not kept),
//! recognised by its bytes (see `images`), and stored as a File row of the session in the
//! same transaction that points the attempt's submission at it (and erases the bytes of
//! the image it replaces). When the session requires
//! live capture, files without the camera marker are refused. In live mode a document
//! photo or a selfie is first read quickly (off the async runtime, within the upload
//! budget) and the user is asked for a retake, with the reason, when it is clearly
//! unusable (no document, blurred, no face, several faces…) — at most [`MAX_RETAKES`]
//! times per image and attempt. Image bytes are never logged.

use super::flow::{refuse, to_flow};
use super::images::{self, ImageError, MAX_IMAGE_BYTES};
use super::input::Problem;
use super::security::same_secret;
use super::steps::{FlowPlan, Slot};
use super::upload_gate::UploadGate;
use super::views::render_step;
use super::visit::{begin_post, checked_attempt, Visit};
use super::{valid_session_id, PageError};
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tokio::sync::OwnedSemaphorePermit;
use verifyd_checks::observation::Side;
use verifyd_core::random_base62;
use verifyd_core::session::DocumentType;
use verifyd_core::submission::Retakes;
use verifyd_store::FileRecord;

/// What the upload form carried.
#[derive(Default)]
struct UploadForm {
    csrf_token: Option<String>,
    from_camera: bool,
    file: Vec<u8>,
    file_too_large: bool,
    /// The place this body holds among the process's uploads, kept while the bytes are.
    place: Option<OwnedSemaphorePermit>,
}

/// Longest text field accepted in the upload form.
const MAX_TEXT_FIELD: usize = 256;

fn read_error(error: MultipartError) -> PageError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        PageError::TooLarge
    } else {
        PageError::BadRequest
    }
}

/// `future`'s result, unless it takes longer than `idle` or ends after `deadline`.
async fn within<T>(
    deadline: tokio::time::Instant,
    idle: std::time::Duration,
    future: impl std::future::Future<Output = Result<T, PageError>>,
) -> Result<T, PageError> {
    match tokio::time::timeout_at(deadline, tokio::time::timeout(idle, future)).await {
        Ok(Ok(result)) => result,
        _ => Err(PageError::Timeout),
    }
}

/// What the form is checked against before its file is read.
struct Expected<'a> {
    csrf_token: &'a str,
    test_mode: bool,
}

/// Reads the form. The CSRF token must come before the file (the page's forms put it
/// first): the file is read only once the token is known to be right and a place among
/// the process's uploads is held, each piece within the idle limit and the whole within
/// the total one.
async fn read_form(
    mut multipart: Multipart,
    expected: Expected<'_>,
    gate: &UploadGate,
) -> Result<UploadForm, PageError> {
    let limits = gate.limits();
    let deadline = tokio::time::Instant::now() + limits.total;
    let mut form = UploadForm::default();
    let mut file_seen = false;
    while let Some(mut field) = within(deadline, limits.idle, async {
        multipart.next_field().await.map_err(read_error)
    })
    .await?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let token_ok = form
                .csrf_token
                .as_deref()
                .is_some_and(|token| same_secret(expected.csrf_token, token));
            if !token_ok {
                return Err(PageError::Csrf {
                    test_mode: expected.test_mode,
                });
            }
            if file_seen {
                return Err(PageError::BadRequest);
            }
            file_seen = true;
            form.place = Some(gate.body_place().await.ok_or(PageError::Busy)?);
            // Keep at most MAX_IMAGE_BYTES; drain the rest so the client gets our answer.
            while let Some(chunk) = within(deadline, limits.idle, async {
                field.chunk().await.map_err(read_error)
            })
            .await?
            {
                if form.file_too_large || form.file.len() + chunk.len() > MAX_IMAGE_BYTES {
                    form.file_too_large = true;
                    form.file = Vec::new();
                } else {
                    form.file.extend_from_slice(&chunk);
                }
            }
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = within(deadline, limits.idle, async {
            field.chunk().await.map_err(read_error)
        })
        .await?
        {
            if text.len() + chunk.len() > MAX_TEXT_FIELD {
                return Err(PageError::BadRequest);
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text).map_err(|_| PageError::BadRequest)?;
        match name.as_str() {
            "csrf_token" => form.csrf_token = Some(text),
            "capture_source" => form.from_camera = text == "camera",
            _ => {}
        }
    }
    Ok(form)
}

/// Why an upload for `slot` was refused, as the page says it.
fn image_problem(error: ImageError, slot: Slot, document: Option<DocumentType>) -> Problem {
    match error {
        ImageError::Missing => match slot {
            Slot::Front if document == Some(DocumentType::Passport) => Problem::PassportPageMissing,
            Slot::Front => Problem::FrontMissing,
            Slot::Back => Problem::BackMissing,
            Slot::Selfie => Problem::SelfieMissing,
        },
        ImageError::TooLarge => Problem::ImageTooLarge,
        ImageError::UnsupportedFormat => Problem::ImageNotSupported,
        ImageError::Unreadable(format) => Problem::ImageUnreadable(format),
    }
}

/// Retakes asked per document image and attempt before an upload is kept as it is.
pub const MAX_RETAKES: u8 = 3;

fn retakes_of(retakes: &Retakes, slot: Slot) -> u8 {
    match slot {
        Slot::Front => retakes.front,
        Slot::Back => retakes.back,
        Slot::Selfie => retakes.selfie,
    }
}

fn bump_retakes(retakes: &mut Retakes, slot: Slot) {
    match slot {
        Slot::Front => retakes.front = retakes.front.saturating_add(1),
        Slot::Back => retakes.back = retakes.back.saturating_add(1),
        Slot::Selfie => retakes.selfie = retakes.selfie.saturating_add(1),
    }
}

pub async fn upload(
    State(app): State<AppState>,
    Path((id, slot)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    if !valid_session_id(&id) {
        return Err(PageError::NotFound);
    }
    let slot = Slot::parse(&slot).ok_or(PageError::NotFound)?;
    // Who is asking, before a byte of the body is read: a session whose open
    // attempt is bound to this browser, with one upload at a time.
    let visit = Visit::load(&app, &id, &headers).await?;
    let (_, attempt) = visit.attempt(app.clock().now_millis())?;
    let _uploading = app
        .upload_gate()
        .claim_session(&id)
        .ok_or(PageError::Busy)?;
    let multipart = multipart.map_err(|_| PageError::BadRequest)?;
    let expected = Expected {
        csrf_token: &attempt.csrf_token,
        test_mode: !visit.session.livemode,
    };
    let form = read_form(multipart, expected, app.upload_gate()).await?;
    let file = Bytes::from(form.file);
    // Checked before the write transaction so that it stays short.
    let verdict = if form.file_too_large {
        Err(ImageError::TooLarge)
    } else {
        images::validate(&file)
    };
    let (mut tx, mut session) = begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
    let plan = FlowPlan::for_session(&session);
    let livemode = session.livemode;
    let attempt = checked_attempt(&mut session);
    if !plan.reachable(slot.step(), attempt) {
        return Ok(to_flow(&id));
    }
    if verdict == Err(ImageError::Missing) && slot.file(&attempt.submission).is_some() {
        // Back on a step already done, continuing without a new image: keep it.
        return Ok(to_flow(&id));
    }
    let problem = if plan.live_capture && !form.from_camera {
        Some(Problem::CameraRequired)
    } else {
        let document = plan.document_type(&attempt.submission);
        verdict
            .err()
            .map(|error| image_problem(error, slot, document))
    };
    if let Some(problem) = problem {
        return Ok(refuse(&app, tx, &session, slot.step(), problem));
    }
    // Live mode: a quick reading of the photo, outside any transaction, so that a blurred
    // or unreadable photo (or a selfie without a usable face) is taken again now rather
    // than failing the whole session later. Asked a few times at most; then the worker
    // decides.
    let side = match slot {
        Slot::Front => Some(Side::Front),
        Slot::Back => Some(Side::Back),
        Slot::Selfie => Some(Side::Selfie),
    };
    let asked = retakes_of(&attempt.retakes, slot);
    if let (true, Some(side), true) = (livemode, side, asked < MAX_RETAKES) {
        let document = plan.document_type(&attempt.submission);
        tx.rollback().await?;
        let retake = app
            .live_checks()
            .upload_feedback(file.clone(), side, document, app.clock().today_utc())
            .await;
        let (again, mut current) =
            begin_post(&app, &id, &headers, form.csrf_token.as_deref()).await?;
        tx = again;
        session = current.clone();
        if let Some(retake) = retake {
            let attempt = checked_attempt(&mut current);
            bump_retakes(&mut attempt.retakes, slot);
            let shown = attempt.clone();
            tx.update_session(&current).await?;
            tx.commit().await?;
            let problem = Problem::Retake {
                name: retake.name(),
                message_id: retake.message_id(side, document),
            };
            return Ok(render_step(
                app.branding(),
                &current,
                &shown,
                slot.step(),
                Some(problem.into()),
            ));
        }
        if !plan.reachable(slot.step(), checked_attempt(&mut session)) {
            return Ok(to_flow(&id));
        }
    }
    let format = verdict.map_err(|_| PageError::Internal)?;
    let record = FileRecord {
        id: format!("file_{}", random_base62(24)),
        livemode: session.livemode,
        created: app.clock().now_seconds(),
        purpose: "identity_document".to_owned(),
        file_type: format.file_type().to_owned(),
        size: file.len() as i64,
        verification_session: session.id.as_str().to_owned(),
    };
    tx.insert_file(&record, &file).await?;
    let attempt = checked_attempt(&mut session);
    let submission = &mut attempt.submission;
    let others_given = [Slot::Front, Slot::Back, Slot::Selfie]
        .into_iter()
        .filter(|s| *s != slot)
        .any(|s| s.file(submission).is_some());
    // Live capture holds only if every image of the submission came from the camera.
    submission.live_capture = form.from_camera && (!others_given || submission.live_capture);
    // A replaced image of this attempt is referenced by nothing: its bytes go now,
    // not at redaction.
    if let Some(replaced) = slot.file_mut(submission).replace(record.id) {
        tx.erase_file_contents(session.livemode, session.id.as_str(), &replaced)
            .await?;
    }
    tx.update_session(&session).await?;
    tx.commit().await?;
    Ok(to_flow(&id))
}
