//! Submission and processing of sessions. Submitting moves a session to `processing` and
//! queues a durable [`Work::ProcessSubmission`] job in the same transaction; the worker
//! runs the mode's checks outside any transaction and records the result — a new
//! VerificationReport and the session's move to `verified` or back to `requires_input` —
//! in one transaction with the job's removal (see `workers`). The test helpers record
//! results through the same path. Every status change writes its event in the same
//! transaction.

use crate::app::AppState;
use crate::jobs::Work;
use crate::webhooks::events::{record, EventCause};
use verifyd_checks::{build_report, CheckResult};
use verifyd_core::event::EventType;
use verifyd_core::report::VerificationReport;
use verifyd_core::session::{SessionStateError, VerificationSession};
use verifyd_core::submission::{Submission, TestOutcome};
use verifyd_store::{StoreError, Tx};

/// How long a test-mode `verified_delayed` submission stays in `processing`.
pub const DELAYED_VERIFICATION_MILLIS: i64 = 4_000;

#[derive(Debug, thiserror::Error)]
pub enum ProcessingError {
    #[error(transparent)]
    State(#[from] SessionStateError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProcessingError> for crate::error::ApiError {
    fn from(error: ProcessingError) -> Self {
        match error {
            ProcessingError::State(state) => crate::error::ApiError::wrong_state(state.to_string()),
            ProcessingError::Store(store) => store.into(),
        }
    }
}

/// Submits `session` with `submission` inside `tx` and queues its processing. The caller
/// commits (which wakes the workers).
pub async fn submit(
    app: &AppState,
    tx: &mut Tx,
    session: &mut VerificationSession,
    submission: Submission,
) -> Result<(), ProcessingError> {
    submit_with_cause(app, tx, session, submission, &EventCause::none()).await
}

/// [`submit`], recording `cause` on the `processing` event (the API request of a test
/// helper; nothing for an end user).
pub async fn submit_with_cause(
    app: &AppState,
    tx: &mut Tx,
    session: &mut VerificationSession,
    submission: Submission,
    cause: &EventCause,
) -> Result<(), ProcessingError> {
    let now = app.clock().now_millis();
    let delay = match submission.test_outcome {
        Some(TestOutcome::VerifiedDelayed) if !session.livemode => DELAYED_VERIFICATION_MILLIS,
        _ => 0,
    };
    // The images of the submission are kept (until redaction); uploads it did not use are
    // erased by the retention sweep.
    let files: Vec<String> = [
        &submission.document_front,
        &submission.document_back,
        &submission.selfie,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    session.submit(submission)?;
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    tx.mark_files_submitted(session.livemode, session.id.as_str(), &files)
        .await?;
    tx.update_session(session).await?;
    record(app, tx, session, EventType::Processing, cause).await?;
    Work::process_submission(session.livemode, session.id.as_str())
        .enqueue(tx, now + delay, now)
        .await?;
    Ok(())
}

/// Records a processed `result` for a `processing` session inside `tx`: writes the report
/// and finishes the session.
pub async fn record_result(
    app: &AppState,
    tx: &mut Tx,
    session: &mut VerificationSession,
    result: CheckResult,
    cause: &EventCause,
) -> Result<VerificationReport, ProcessingError> {
    let report = build_report(session, &result, app.clock().now_seconds());
    session.finish_processing(result.verdict, report.id.clone())?;
    tx.insert_report(&report).await?;
    tx.update_session(session).await?;
    record(
        app,
        tx,
        session,
        EventType::for_status(session.status),
        cause,
    )
    .await?;
    Ok(report)
}
