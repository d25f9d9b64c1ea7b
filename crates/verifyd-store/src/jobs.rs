//! The durable job queue. A job is a row; a worker claims the oldest due one by setting a
//! lease (`UPDATE … RETURNING`), does the work, and deletes the row in the transaction that
//! commits the work, but only while its lease is still the one on the row. A worker that
//! dies leaves a lease that expires, and the job runs again: at-least-once, never twice at
//! the same time. On PostgreSQL, claimers running at once in several processes pass over
//! each other's rows (`SKIP LOCKED`) instead of queueing behind them.

use crate::db::sql;
use crate::{Result, Store, Tx};

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub attempts: i64,
    pub lease_until: i64,
}

impl Store {
    /// Claims the oldest job due at `now_millis`, leasing it for `lease_millis`.
    pub async fn claim_job(&self, now_millis: i64, lease_millis: i64) -> Result<Option<Job>> {
        let lease_until = now_millis + lease_millis;
        let skip_locked = self.backend().skip_locked();
        let claim = format!(
            "UPDATE jobs SET lease_until = ?, attempts = attempts + 1 WHERE id = (\
               SELECT id FROM jobs WHERE run_at <= ? AND (lease_until IS NULL OR lease_until <= ?) \
               ORDER BY run_at, id LIMIT 1{skip_locked}) \
             AND (lease_until IS NULL OR lease_until <= ?) \
             RETURNING id, kind, subject, attempts"
        );
        let claim = claim.as_str();
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            let row = sql(claim)
                .bind(lease_until)
                .bind(now_millis)
                .bind(now_millis)
                .bind(now_millis)
                .fetch_optional(tx.conn())
                .await?;
            tx.commit().await?;
            Ok(row.map(|r| Job {
                id: r.get("id"),
                kind: r.get("kind"),
                subject: r.get("subject"),
                attempts: r.get("attempts"),
                lease_until,
            }))
        })
        .await
    }

    /// Gives a failed job back to the queue, to run again at `run_at_millis`.
    pub async fn retry_job(&self, job: &Job, run_at_millis: i64, error: &str) -> Result<()> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            sql(
                "UPDATE jobs SET lease_until = NULL, run_at = ?, last_error = ? \
                 WHERE id = ? AND lease_until = ?",
            )
            .bind(run_at_millis)
            .bind(error)
            .bind(job.id)
            .bind(job.lease_until)
            .execute(tx.conn())
            .await?;
            tx.commit().await
        })
        .await
    }

    /// Jobs not yet finished (for tests and diagnostics).
    pub async fn pending_job_count(&self) -> Result<i64> {
        let row = sql("SELECT COUNT(*) AS n FROM jobs")
            .fetch_one(self.reader())
            .await?;
        Ok(row.get("n"))
    }
}

impl Tx {
    pub async fn enqueue_job(
        &mut self,
        kind: &str,
        subject: &str,
        run_at_millis: i64,
        now_millis: i64,
    ) -> Result<()> {
        sql("INSERT INTO jobs (kind, subject, run_at, created) VALUES (?, ?, ?, ?)")
            .bind(kind)
            .bind(subject)
            .bind(run_at_millis)
            .bind(now_millis)
            .execute(self.conn())
            .await?;
        self.signal_work().await
    }

    /// Whether `job` is still leased to its claimer, locking its row until the transaction
    /// ends (so that no other worker can take it over meanwhile). A worker that ran long
    /// work outside any transaction calls this first in the transaction that records it.
    pub async fn job_lease_held(&mut self, job: &Job) -> Result<bool> {
        let lock = self.backend().for_update();
        let row = sql(format!(
            "SELECT id FROM jobs WHERE id = ? AND lease_until = ?{lock}"
        ))
        .bind(job.id)
        .bind(job.lease_until)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    /// Deletes a finished job. False if the lease was lost (another worker took the job
    /// over after ours expired); the caller must then roll back its work.
    pub async fn finish_job(&mut self, job: &Job) -> Result<bool> {
        let done = sql("DELETE FROM jobs WHERE id = ? AND lease_until = ?")
            .bind(job.id)
            .bind(job.lease_until)
            .execute(self.conn())
            .await?;
        Ok(done == 1)
    }
}
