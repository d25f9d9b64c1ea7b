//! Background work, driven by the durable job queue in `verifyd-store`. A [`Worker`] claims
//! one due job at a time under a lease and commits the job's effects together with the
//! job's removal; `run_once` lets tests drive it deterministically. Jobs: processing a
//! submitted session, and finishing a redaction. The loop also prunes expired idempotency
//! keys and events older than 30 days.

use crate::app::AppState;
use crate::idempotency::RETENTION_MILLIS;
use crate::processing::{record_result, run_checks, ProcessingError, PROCESS_SUBMISSION};
use crate::webhooks::events::{record, rewrite_session_in_events, EventCause};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use verifyd_core::event::EventType;
use verifyd_core::session::SessionStatus;
use verifyd_store::{Job, StoreError};

/// Job kind: erase a redacted session's related objects, then mark it `redacted`.
pub const FINISH_REDACTION: &str = "finish_redaction";

/// Longest sleep between polls when no job is due (a commit wakes the worker sooner).
const IDLE_POLL: Duration = Duration::from_millis(500);
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Events are kept 30 days, as Stripe lists them.
pub const EVENT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

/// Subject of a job about a session: `test:vs_…` / `live:vs_…`.
pub fn session_subject(livemode: bool, id: &str) -> String {
    format!("{}:{id}", if livemode { "live" } else { "test" })
}

fn parse_subject(subject: &str) -> Option<(bool, &str)> {
    let (mode, id) = subject.split_once(':')?;
    match mode {
        "live" => Some((true, id)),
        "test" => Some((false, id)),
        _ => None,
    }
}

pub struct Worker {
    app: AppState,
    wake: Arc<Notify>,
}

impl Worker {
    pub(crate) fn new(app: AppState, wake: Arc<Notify>) -> Self {
        Self { app, wake }
    }

    /// Runs one due job if there is one. Returns whether a job was claimed.
    pub async fn run_once(&self) -> Result<bool, StoreError> {
        let now = self.app.clock().now_millis();
        let Some(job) = self
            .app
            .store()
            .claim_job(now, self.app.job_lease_millis())
            .await?
        else {
            return Ok(false);
        };
        if let Err(error) = self.perform(&job).await {
            let backoff = 1000 * (1_i64 << job.attempts.clamp(0, 10));
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, "job failed; will retry");
            self.app
                .store()
                .retry_job(
                    &job,
                    self.app.clock().now_millis() + backoff,
                    &error.to_string(),
                )
                .await?;
        }
        Ok(true)
    }

    async fn perform(&self, job: &Job) -> Result<(), StoreError> {
        match job.kind.as_str() {
            FINISH_REDACTION => self.finish_redaction(job).await,
            PROCESS_SUBMISSION => self.process_submission(job).await,
            other => Err(StoreError::Corrupt(format!("unknown job kind {other}"))),
        }
    }

    async fn process_submission(&self, job: &Job) -> Result<(), StoreError> {
        let (livemode, id) = parse_subject(&job.subject)
            .ok_or_else(|| StoreError::Corrupt(format!("bad job subject {}", job.subject)))?;
        let mut tx = self.app.store().begin().await?;
        if let Some(mut session) = tx.session(livemode, id).await? {
            // A test helper may have finished the session already: then there is nothing to do.
            if session.status == SessionStatus::Processing && !session.is_redacted() {
                let result = run_checks(&self.app, &session);
                match record_result(
                    &self.app,
                    &mut tx,
                    &mut session,
                    result,
                    &EventCause::none(),
                )
                .await
                {
                    Ok(_) => {}
                    Err(ProcessingError::Store(e)) => return Err(e),
                    Err(ProcessingError::State(e)) => {
                        tracing::warn!(job = job.id, error = %e, "submission no longer processable")
                    }
                }
            }
        }
        if tx.finish_job(job).await? {
            tx.commit().await
        } else {
            tx.rollback().await
        }
    }

    async fn finish_redaction(&self, job: &Job) -> Result<(), StoreError> {
        let (livemode, id) = parse_subject(&job.subject)
            .ok_or_else(|| StoreError::Corrupt(format!("bad job subject {}", job.subject)))?;
        let mut tx = self.app.store().begin().await?;
        if let Some(mut session) = tx.session(livemode, id).await? {
            for mut report in tx.reports_of_session(livemode, id).await? {
                report.redact();
                tx.update_report(&report).await?;
            }
            tx.erase_files_of_session(livemode, id).await?;
            session.finish_redaction();
            tx.update_session(&session).await?;
            // Events carry copies of the session: they are redacted too.
            rewrite_session_in_events(&self.app, &mut tx, &session).await?;
            record(
                &self.app,
                &mut tx,
                &session,
                EventType::Redacted,
                &EventCause::none(),
            )
            .await?;
        }
        if tx.finish_job(job).await? {
            tx.commit().await
        } else {
            tx.rollback().await
        }
    }

    /// Runs jobs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut last_prune = tokio::time::Instant::now() - PRUNE_EVERY;
        loop {
            if *stop.borrow() {
                return;
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = tokio::time::Instant::now();
                let before = self.app.clock().now_millis() - RETENTION_MILLIS;
                if let Err(error) = self.app.store().prune_idempotency_keys(before).await {
                    tracing::warn!(%error, "pruning idempotency keys failed");
                }
                let events_before = self.app.clock().now_seconds() - EVENT_RETENTION_SECONDS;
                if let Err(error) = self.app.store().prune_events(events_before).await {
                    tracing::warn!(%error, "pruning events failed");
                }
            }
            let wake = self.wake.notified();
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "worker could not claim a job"),
            }
            tokio::select! {
                _ = wake => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
