//! [`Tx`]: one write transaction, whichever backend holds it — a savepoint in the SQLite
//! writer's group commit, or a PostgreSQL transaction on a pooled connection.

use crate::db::{Backend, Target};
use crate::writer::SqliteTx;
use crate::Result;

/// A write transaction. Dropping it without [`Tx::commit`] rolls it back.
pub struct Tx {
    inner: Inner,
    pub(crate) sealer: std::sync::Arc<crate::sealing::Sealer>,
    /// The data key that seals new values of each scope this transaction wrote.
    pub(crate) scope_keys: std::collections::HashMap<String, crate::sealing::DataKey>,
    /// Whether this transaction queued work, and whom to wake when it commits.
    queued_work: bool,
    work_committed: std::sync::Arc<tokio::sync::Notify>,
}

enum Inner {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) fn sqlite(
        tx: SqliteTx,
        sealer: std::sync::Arc<crate::sealing::Sealer>,
        work_committed: std::sync::Arc<tokio::sync::Notify>,
    ) -> Self {
        Self {
            inner: Inner::Sqlite(tx),
            sealer,
            scope_keys: Default::default(),
            queued_work: false,
            work_committed,
        }
    }

    pub(crate) fn postgres(
        tx: sqlx::Transaction<'static, sqlx::Postgres>,
        sealer: std::sync::Arc<crate::sealing::Sealer>,
        work_committed: std::sync::Arc<tokio::sync::Notify>,
    ) -> Self {
        Self {
            inner: Inner::Postgres(tx),
            sealer,
            scope_keys: Default::default(),
            queued_work: false,
            work_committed,
        }
    }

    /// The connection statements of this transaction run on.
    pub(crate) fn conn(&mut self) -> Target<'_> {
        match &mut self.inner {
            Inner::Sqlite(tx) => Target::SqliteConn(tx.conn()),
            Inner::Postgres(tx) => Target::PgConn(tx),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Tells the workers, when this transaction commits, that work was queued: this
    /// process's at once (see [`crate::Store::work_committed`]), every other process's through
    /// PostgreSQL `NOTIFY` (delivered only on commit).
    pub(crate) async fn signal_work(&mut self) -> Result<()> {
        self.queued_work = true;
        if self.backend() == Backend::Postgres {
            crate::db::sql("SELECT pg_notify(?, '')")
                .bind(crate::WORK_CHANNEL)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Makes the writes durable: returns once they are committed to disk, after waking this
    /// process's workers if the transaction queued work.
    pub async fn commit(self) -> Result<()> {
        let (queued_work, work_committed) = (self.queued_work, self.work_committed);
        match self.inner {
            Inner::Sqlite(tx) => crate::run_to_completion(tx.commit()).await?,
            Inner::Postgres(tx) => tx.commit().await?,
        }
        if queued_work {
            work_committed.notify_waiters();
        }
        Ok(())
    }

    /// Undoes this transaction's writes (and only them).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            Inner::Sqlite(tx) => crate::run_to_completion(tx.rollback()).await,
            Inner::Postgres(tx) => Ok(tx.rollback().await?),
        }
    }
}
