//! Group commit on the single SQLite writer connection.
//!
//! Every transaction is a SAVEPOINT inside a shared physical transaction. `commit()` releases
//! the savepoint, lets writers queued behind it add theirs, then one of the waiting
//! committers (the first to get the connection back) issues the physical `COMMIT` — one
//! fsync for the whole batch — and tells everyone in it. Nobody's `commit()` returns before
//! the commit that contains its writes has succeeded, so an acknowledged write is on disk;
//! if that commit fails, every member of the batch gets the error. A `Tx` rolled back or
//! dropped undoes only its own savepoint. (PostgreSQL needs none of this: each `Tx` is a
//! transaction of its own on a pooled connection.)

use crate::{Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::{Executor, Sqlite};
use std::sync::Arc;
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

/// Savepoints per physical transaction before it is committed regardless.
const MAX_BATCH: usize = 256;
const SAVEPOINT: &str = "SAVEPOINT verifyd_tx";
const RELEASE: &str = "RELEASE verifyd_tx";
const UNDO: &str = "ROLLBACK TO verifyd_tx; RELEASE verifyd_tx";

/// Outcome of the physical commit of one batch.
#[derive(Debug, Clone, Default)]
struct Committed {
    /// The latest batch whose commit finished.
    batch: u64,
    /// Recent batches whose commit failed, with the error (a member may look only after
    /// later batches have committed).
    failed: std::collections::VecDeque<(u64, String)>,
}

pub(crate) struct Connection {
    conn: Option<PoolConnection<Sqlite>>,
    /// A physical transaction is open.
    open: bool,
    /// Number of the open (or next) batch.
    batch: u64,
    /// Savepoints released into the open batch and waiting for its commit.
    members: usize,
    /// A Tx was dropped without commit or rollback: its savepoint must be undone.
    dirty: bool,
}

impl Connection {
    fn conn(&mut self) -> Result<&mut sqlx::SqliteConnection> {
        self.conn
            .as_deref_mut()
            .ok_or_else(|| StoreError::Corrupt("the store is closed".into()))
    }

    async fn run(&mut self, sql: &str) -> Result<()> {
        self.conn()?.execute(sql).await?;
        Ok(())
    }

    async fn clean(&mut self) -> Result<()> {
        if self.dirty {
            self.dirty = false;
            self.run(UNDO).await?;
        }
        Ok(())
    }
}

pub(crate) struct Writer {
    connection: Arc<Mutex<Connection>>,
    committed: watch::Sender<Committed>,
}

impl Writer {
    pub(crate) fn new(conn: PoolConnection<Sqlite>) -> Self {
        Self {
            connection: Arc::new(Mutex::new(Connection {
                conn: Some(conn),
                open: false,
                batch: 0,
                members: 0,
                dirty: false,
            })),
            committed: watch::channel(Committed::default()).0,
        }
    }

    /// Commits the open batch (the caller holds the connection).
    async fn commit_batch(&self, c: &mut Connection) -> Result<()> {
        c.clean().await?;
        let batch = c.batch;
        let outcome = c.run("COMMIT").await;
        if outcome.is_err() {
            let _ = c.run("ROLLBACK").await;
        }
        c.open = false;
        c.members = 0;
        self.committed.send_modify(|done| {
            done.batch = batch;
            if let Err(e) = &outcome {
                done.failed.push_back((batch, e.to_string()));
                if done.failed.len() > 1024 {
                    done.failed.pop_front();
                }
            }
        });
        outcome
    }

    pub(crate) async fn begin(self: &Arc<Self>) -> Result<SqliteTx> {
        let mut guard = self.connection.clone().lock_owned().await;
        guard.clean().await?;
        if guard.open && guard.members >= MAX_BATCH {
            self.commit_batch(&mut guard).await?;
        }
        if !guard.open {
            guard.run("BEGIN IMMEDIATE").await?;
            guard.open = true;
            guard.batch += 1;
        }
        guard.run(SAVEPOINT).await?;
        Ok(SqliteTx {
            guard: Some(guard),
            writer: self.clone(),
        })
    }

    /// Takes the connection away for good (closing the store).
    pub(crate) async fn close(&self) {
        let mut c = self.connection.lock().await;
        if c.open {
            let _ = self.commit_batch(&mut c).await;
        }
        c.conn = None;
    }

    /// Runs `f` on the writer connection outside any batch (migrations).
    pub(crate) async fn with_connection<T>(
        &self,
        f: impl AsyncFnOnce(&mut sqlx::SqliteConnection) -> Result<T>,
    ) -> Result<T> {
        let mut c = self.connection.lock().await;
        c.clean().await?;
        if c.open {
            self.commit_batch(&mut c).await?;
        }
        f(c.conn()?).await
    }
}

/// A write transaction on SQLite: a savepoint in the current batch. Dropping it without
/// [`SqliteTx::commit`] rolls it back.
pub(crate) struct SqliteTx {
    guard: Option<OwnedMutexGuard<Connection>>,
    writer: Arc<Writer>,
}

impl SqliteTx {
    pub(crate) fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        self.guard
            .as_mut()
            .and_then(|g| g.conn.as_deref_mut())
            .expect("a live Tx holds the open writer connection")
    }

    /// Makes the writes durable. Returns once the batch holding them is committed to disk.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let mut guard = self.guard.take().expect("commit once");
        if let Err(e) = guard.run(RELEASE).await {
            let _ = guard.run(UNDO).await;
            return Err(e);
        }
        guard.members += 1;
        let my_batch = guard.batch;
        drop(guard);
        // Let writers queued behind us join this batch before it is committed.
        tokio::task::yield_now().await;
        let mut watcher = self.writer.committed.subscribe();
        loop {
            {
                let done = watcher.borrow_and_update();
                if done.batch >= my_batch {
                    return match done.failed.iter().find(|(b, _)| *b == my_batch) {
                        Some((_, e)) => {
                            Err(StoreError::Corrupt(format!("group commit failed: {e}")))
                        }
                        None => Ok(()),
                    };
                }
            }
            let mut c = self.writer.connection.clone().lock_owned().await;
            if self.writer.committed.borrow().batch >= my_batch {
                continue;
            }
            // Still open and still ours: commit everyone in it.
            return self.writer.commit_batch(&mut c).await;
        }
    }

    /// Undoes this transaction's writes (and only them).
    pub(crate) async fn rollback(mut self) -> Result<()> {
        let mut guard = self.guard.take().expect("rollback once");
        guard.run(UNDO).await?;
        if guard.members == 0 && guard.open {
            guard.run("ROLLBACK").await?;
            guard.open = false;
        }
        Ok(())
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            // Not committed: the savepoint is undone by the next user of the connection.
            guard.dirty = true;
            let writer = self.writer.clone();
            drop(guard);
            // If no one else comes along, close the batch so the write lock is released.
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let mut c = writer.connection.lock().await;
                    if c.dirty {
                        let _ = c.clean().await;
                    }
                    if c.open && c.members == 0 {
                        let _ = c.run("ROLLBACK").await;
                        c.open = false;
                    }
                });
            }
        }
    }
}
