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
}

enum Inner {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) fn sqlite(tx: SqliteTx, sealer: std::sync::Arc<crate::sealing::Sealer>) -> Self {
        Self {
            inner: Inner::Sqlite(tx),
            sealer,
            scope_keys: Default::default(),
        }
    }

    pub(crate) fn postgres(
        tx: sqlx::Transaction<'static, sqlx::Postgres>,
        sealer: std::sync::Arc<crate::sealing::Sealer>,
    ) -> Self {
        Self {
            inner: Inner::Postgres(tx),
            sealer,
            scope_keys: Default::default(),
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

    /// Tells every process's workers, when this transaction commits, that work was queued
    /// (PostgreSQL `NOTIFY`, delivered only on commit; nothing on SQLite, where the one
    /// process wakes its own workers).
    pub(crate) async fn signal_work(&mut self) -> Result<()> {
        if self.backend() == Backend::Postgres {
            crate::db::sql("SELECT pg_notify(?, '')")
                .bind(crate::WORK_CHANNEL)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Makes the writes durable: returns once they are committed to disk.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            Inner::Sqlite(tx) => crate::run_to_completion(tx.commit()).await,
            Inner::Postgres(tx) => Ok(tx.commit().await?),
        }
    }

    /// Undoes this transaction's writes (and only them).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            Inner::Sqlite(tx) => crate::run_to_completion(tx.rollback()).await,
            Inner::Postgres(tx) => Ok(tx.rollback().await?),
        }
    }
}
