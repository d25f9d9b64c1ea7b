//! Background work, driven by the durable job queue in `verifyd-store`. A [`Worker`] claims
//! one due job at a time under a lease and commits the job's effects together with the
//! job's removal; `run_once` lets tests drive it deterministically. Jobs ([`Work`]):
//! processing a submitted session, and finishing a redaction. The loop also sweeps, every
//! ten minutes ([`Worker::sweep`]): expired idempotency keys, events older than 30 days,
//! uploads no submission used once past the upload retention, and — when the operator set a
//! retention period — redacts sessions older than it.
//!
//! Processing runs its checks outside every transaction (live checks take seconds of CPU):
//! read the session, run the checks, then record the result in one transaction that first
//! re-checks that the job's lease is still ours and that the session is still `processing`
//! with the same submission. A worker that dies mid-check leaves its lease to expire;
//! another worker then starts over, and only one result is ever recorded.

use crate::app::AppState;
use crate::idempotency::RETENTION_MILLIS;
use crate::jobs::{JobError, Work};
use crate::processing::{record_result, ProcessingError};
use crate::webhooks::events::{record, rewrite_session_in_events, EventCause};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use verifyd_core::event::EventType;
use verifyd_core::session::{SessionStatus, VerificationSession};
use verifyd_store::{Job, StoreError};

/// Claims of one live check after which it is failed (`*_unverified_other`) instead of run
/// again: a check whose worker keeps dying must not keep the session in `processing`.
pub const MAX_LIVE_CHECK_ATTEMPTS: i64 = 3;
/// Longest sleep between polls when no job is due (a commit wakes the worker sooner).
const IDLE_POLL: Duration = Duration::from_millis(500);
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Events are kept 30 days, as Stripe lists them.
pub const EVENT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

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

    async fn perform(&self, job: &Job) -> Result<(), JobError> {
        match Work::decode(&job.kind, &job.subject)? {
            Work::ProcessSubmission { livemode, session } => {
                self.process_submission(job, livemode, &session).await
            }
            Work::FinishRedaction { livemode, session } => {
                self.finish_redaction(job, livemode, &session).await
            }
        }
    }

    /// Removes a job whose work turned out to be unnecessary.
    async fn finish_only(&self, job: &Job) -> Result<(), JobError> {
        let mut tx = self.app.store().begin().await?;
        if tx.finish_job(job).await? {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(())
    }

    async fn process_submission(
        &self,
        job: &Job,
        livemode: bool,
        id: &str,
    ) -> Result<(), JobError> {
        let Some(session) = self.app.store().session(livemode, id).await? else {
            return self.finish_only(job).await;
        };
        // A test helper may have finished the session already: then there is nothing to do.
        if !still_processing(&session) {
            return self.finish_only(job).await;
        }
        let result = if livemode && job.attempts > MAX_LIVE_CHECK_ATTEMPTS {
            // Checked this many times without a result recorded (workers killed, leases
            // lost, or a check that brings its process down): fail it rather than loop.
            tracing::warn!(
                job = job.id,
                attempts = job.attempts,
                "live check interrupted too often; failing it"
            );
            self.app.live_checks().gave_up(&session)
        } else if livemode {
            self.app
                .live_checks()
                .run(self.app.store(), &session, self.app.clock())
                .await?
        } else {
            let submission = session.submitted.clone().unwrap_or_default();
            verifyd_checks::CheckEngine::check(self.app.test_engine(), &session, &submission)
        };

        let mut tx = self.app.store().begin().await?;
        if !tx.job_lease_held(job).await? {
            // Our lease ran out while checking and another worker took the job over: its
            // result is the one that counts.
            tracing::warn!(job = job.id, "lease lost while checking; result discarded");
            tx.rollback().await?;
            return Ok(());
        }
        if let Some(mut current) = tx.session(livemode, id).await? {
            if still_processing(&current) && current.submitted == session.submitted {
                match record_result(
                    &self.app,
                    &mut tx,
                    &mut current,
                    result,
                    &EventCause::none(),
                )
                .await
                {
                    Ok(_) => {}
                    Err(ProcessingError::Store(e)) => return Err(e.into()),
                    Err(ProcessingError::State(e)) => {
                        tracing::warn!(job = job.id, error = %e, "submission no longer processable")
                    }
                }
            }
        }
        if tx.finish_job(job).await? {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(())
    }

    async fn finish_redaction(&self, job: &Job, livemode: bool, id: &str) -> Result<(), JobError> {
        let mut tx = self.app.store().begin().await?;
        if let Some(mut session) = tx.session(livemode, id).await? {
            // Crypto-shredding: what is written from here on is sealed under a new data key;
            // the old ones, which sealed every earlier copy (in the WAL, in free pages, in
            // backups), are destroyed at the end of this transaction.
            let retired = tx.renew_data_key(id).await?;
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
            // A replayed request about the session answers with the redacted session.
            let redacted = crate::render::session(
                &session,
                crate::expand::Expand::none(),
                None,
                self.app.render_context(),
            );
            tx.replace_saved_responses(id, &redacted.to_string(), id)
                .await?;
            tx.erase_attempt_records_of_session(id).await?;
            tx.destroy_data_keys(&retired).await?;
        }
        if tx.finish_job(job).await? {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(())
    }

    /// Deletes what is kept only for a while: idempotency keys past 24 h, events past 30
    /// days, the bytes of uploads no submission used once past the upload retention; and, if
    /// the operator set a session retention, begins the redaction of sessions older than it
    /// (a batch per sweep; the redaction jobs finish them). Failures are logged and retried
    /// at the next sweep.
    pub async fn sweep(&self) {
        let store = self.app.store();
        let before = self.app.clock().now_millis() - RETENTION_MILLIS;
        if let Err(error) = store.prune_idempotency_keys(before).await {
            tracing::warn!(%error, "pruning idempotency keys failed");
        }
        let now_seconds = self.app.clock().now_seconds();
        if let Err(error) = store
            .prune_events(now_seconds - EVENT_RETENTION_SECONDS)
            .await
        {
            tracing::warn!(%error, "pruning events failed");
        }
        let retention = self.app.retention();
        let uploads_before = now_seconds - retention.unsubmitted_uploads.as_secs() as i64;
        match store.erase_unsubmitted_uploads(uploads_before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(uploads = n, "erased uploads no submission used"),
            Err(error) => tracing::warn!(%error, "erasing unused uploads failed"),
        }
        if let Some(keep) = retention.sessions {
            if let Err(error) = self
                .redact_sessions_past(now_seconds - keep.as_secs() as i64)
                .await
            {
                tracing::warn!(%error, "redacting sessions past their retention failed");
            }
        }
    }

    /// Begins the redaction of up to a batch of sessions created before `created_before`.
    async fn redact_sessions_past(&self, created_before: i64) -> Result<(), JobError> {
        let due = self
            .app
            .store()
            .sessions_past_retention(created_before, 500)
            .await?;
        for (livemode, id) in &due {
            let mut tx = self.app.store().begin().await?;
            let Some(mut session) = tx.session(*livemode, id).await? else {
                continue;
            };
            let Ok(canceled) = session.begin_retention_redaction() else {
                continue; // processing again, or redacted meanwhile
            };
            tx.update_session(&session).await?;
            if canceled {
                record(
                    &self.app,
                    &mut tx,
                    &session,
                    EventType::Canceled,
                    &EventCause::none(),
                )
                .await?;
            }
            let now = self.app.clock().now_millis();
            Work::finish_redaction(*livemode, id)
                .enqueue(&mut tx, now, now)
                .await?;
            tx.commit().await?;
        }
        if !due.is_empty() {
            tracing::info!(
                sessions = due.len(),
                "redaction begun for sessions past retention"
            );
        }
        Ok(())
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
                self.sweep().await;
            }
            let wake = self.wake.notified();
            // Each job runs in its own task, so that a bug that panics ends that attempt
            // (the lease expires and the job is tried again, a bounded number of times)
            // and never this worker.
            let attempt = Worker::new(self.app.clone(), self.wake.clone());
            let outcome = match tokio::spawn(async move { attempt.run_once().await }).await {
                Ok(outcome) => outcome,
                Err(error) => {
                    tracing::error!(
                        panicked = error.is_panic(),
                        "a job failed unexpectedly; it will be retried when its lease expires"
                    );
                    Ok(true)
                }
            };
            match outcome {
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

fn still_processing(session: &VerificationSession) -> bool {
    session.status == SessionStatus::Processing && !session.is_redacted()
}
