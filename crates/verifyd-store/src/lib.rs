//! verifyd-store: all persistence. One [`Store`] over the database — SQLite (embedded, the
//! default) or PostgreSQL (several verifyd processes on one database) — the embedded
//! migrations of each, kept in lockstep, and the durable job queue. Every SQL statement of
//! verifyd lives in this crate.
//!
//! Writes go through a [`Tx`] that the caller opens and commits, so one request's state
//! change, jobs and saved idempotent response commit together.
//! - SQLite runs in WAL mode with `synchronous=FULL`: a committed transaction is on disk.
//!   Writes are serialized on one connection and group-committed (concurrent transactions
//!   share one fsync; none returns before its commit is durable); reads use a separate pool
//!   and never block writers.
//! - PostgreSQL: each `Tx` is a READ COMMITTED transaction on a pooled connection; rows read
//!   for update are locked (`FOR UPDATE`), job and delivery claims skip rows other
//!   processes hold (`SKIP LOCKED`), and store-owned transactions that fail with a
//!   serialization failure or deadlock are retried.

mod data_keys;
mod db;
mod events;
mod files;
mod idempotency;
mod jobs;
mod keys;
mod legacy;
mod list;
mod reports;
mod sealing;
mod sessions;
mod tx;
mod writer;

pub use data_keys::{MasterKeyUse, ACCOUNT_SCOPE};
pub use db::Backend;
pub use events::{
    AttemptRecord, ClaimedDelivery, DeliveryOutcome, DeliveryState, EventQuery, StoredEvent,
};
pub use files::FileRecord;
pub use idempotency::{IdempotencyClaim, IdempotencyRecord};
pub use jobs::Job;
pub use keys::{hash_key, AuditEntry, StoredKey, KEY_CACHE_TTL};
pub use list::{CreatedRange, Cursor, Page, ReportQuery, SessionQuery};
pub use sealing::{generate_master_key, load_keyring, Keyring, MasterKeySource};
pub use tx::Tx;

use db::{sql, Target};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Errors of the storage layer. None of them is the caller's fault: the server reports
/// them as `api_error` (or, for [`StoreError::is_contention`], as a retryable
/// `lock_timeout`) and logs the cause.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored object could not be decoded: {0}")]
    Corrupt(String),
    /// The idempotency key's claim passed to another request (this one outlived its lock):
    /// the caller must roll back, so the key's request is done once.
    #[error("the idempotency key's claim was taken over by another request")]
    ClaimLost,
    #[error("master keys: {0}")]
    Keys(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// The transaction lost a race with another one (PostgreSQL serialization failure,
    /// deadlock, lock or statement timeout) and may succeed if run again.
    pub fn is_contention(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => matches!(
                e.code().as_deref(),
                Some("40001") | Some("40P01") | Some("55P03") | Some("57014")
            ),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to open the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// Apply pending migrations on connect.
    pub migrate: bool,
    /// SQLite: connections for reads (writes always use one connection).
    pub read_connections: u32,
    /// PostgreSQL: connections in each of the two pools (transactions; reads).
    pub pool_size: u32,
    /// PostgreSQL: a statement running longer than this is cancelled (`statement_timeout`).
    pub statement_timeout: Duration,
    /// Times a store-owned transaction is run again after a serialization failure or
    /// deadlock before the error is returned.
    pub contention_retries: u32,
    /// Where the master keys that seal personal data come from.
    pub master_key: MasterKeySource,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            migrate: true,
            read_connections: 4,
            pool_size: 10,
            statement_timeout: Duration::from_secs(30),
            contention_retries: 3,
            master_key: MasterKeySource::Default,
        }
    }

    /// The backend the URL names, or an error for any other scheme.
    pub fn backend(&self) -> Result<Backend> {
        backend_of(&self.url)
    }
}

fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

/// The SQLite file `serve` uses when no database is named: `verifyd.db` in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://verifyd.db";

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
enum Db {
    Sqlite {
        write: SqlitePool,
        writer: std::sync::Arc<writer::Writer>,
        read: SqlitePool,
    },
    Postgres {
        /// Connections for transactions.
        pool: PgPool,
        /// Connections for reads outside transactions. Separate, so a transaction that
        /// reads on the side (rendering an expanded object) never waits for a connection
        /// that other transactions hold while they wait for the same thing.
        read: PgPool,
        /// How to connect, for the LISTEN connection of [`Store::work_listener`].
        connect: Box<PgConnectOptions>,
    },
}

/// The PostgreSQL channel on which a commit that queued work tells every process.
const WORK_CHANNEL: &str = "verifyd_work";

/// Signals "work was queued" from commits of any process on the database (PostgreSQL
/// `LISTEN`). Signals are hints: a worker still polls, so a signal lost while the listener
/// reconnects only delays work.
pub struct WorkListener {
    listener: sqlx::postgres::PgListener,
    _pool: PgPool,
}

impl WorkListener {
    /// Waits for the next signal (reconnecting if the connection was lost).
    pub async fn next(&mut self) -> Result<()> {
        self.listener.recv().await?;
        Ok(())
    }
}

/// Keys found by hash, with when they were read.
type KeyCacheMap =
    std::sync::RwLock<std::collections::HashMap<String, (StoredKey, std::time::Instant)>>;
type KeyCache = std::sync::Arc<KeyCacheMap>;

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
    account_id: String,
    contention_retries: u32,
    keys: KeyCache,
    sealer: std::sync::Arc<sealing::Sealer>,
    url: String,
    /// Woken when a transaction that queued work (a job, a webhook delivery) commits, so the
    /// workers of this process start at once rather than at their next poll.
    work_committed: std::sync::Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .field("account_id", &self.account_id)
            .finish()
    }
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // LIKE matches case-sensitively, as PostgreSQL's does (the events `type` filter).
        .pragma("case_sensitive_like", "ON")
        // Deleted and overwritten content (redacted files and documents) is zeroed on disk
        // rather than left in free pages.
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(10)))
}

fn postgres_options(options: &StoreOptions) -> Result<PgConnectOptions> {
    let timeout_ms = options.statement_timeout.as_millis().max(1).to_string();
    Ok(PgConnectOptions::from_str(&options.url)?
        .application_name("verifyd")
        .options([("statement_timeout", timeout_ms.as_str())]))
}

impl Store {
    /// Opens (creating if needed, for SQLite) the database at `options.url` and, unless told
    /// not to, applies pending migrations.
    pub async fn connect(options: &StoreOptions) -> Result<Self> {
        let sealer = std::sync::Arc::new(sealing::Sealer::new(
            options.master_key.clone(),
            &options.url,
        )?);
        let db = match options.backend()? {
            Backend::Sqlite => Self::connect_sqlite(options).await?,
            Backend::Postgres => Self::connect_postgres(options).await?,
        };
        let mut store = Self {
            db,
            account_id: String::new(),
            contention_retries: options.contention_retries,
            keys: Default::default(),
            sealer,
            url: options.url.clone(),
            work_committed: Default::default(),
        };
        store.account_id = store.ensure_account().await?;
        store.load_index_key().await?;
        store.seal_legacy_rows().await?;
        Ok(store)
    }

    async fn connect_sqlite(options: &StoreOptions) -> Result<Db> {
        let connect = sqlite_options(&options.url)?;
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.clone())
            .await?;
        if options.migrate {
            SQLITE_MIGRATOR.run(&write).await?;
        }
        let read = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.read_only(true))
            .await?;
        let writer = std::sync::Arc::new(writer::Writer::new(write.acquire().await?));
        Ok(Db::Sqlite {
            write,
            writer,
            read,
        })
    }

    async fn connect_postgres(options: &StoreOptions) -> Result<Db> {
        let connect = postgres_options(options)?;
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_size.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.clone())
            .await?;
        if options.migrate {
            // sqlx takes an advisory lock: processes starting together migrate one at a time.
            POSTGRES_MIGRATOR.run(&pool).await?;
        }
        let read = PgPoolOptions::new()
            .max_connections(options.pool_size.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.clone())
            .await?;
        Ok(Db::Postgres {
            pool,
            read,
            connect: Box::new(connect),
        })
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Applies pending migrations (what `verifyd migrate` runs).
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { writer, .. } => {
                writer
                    .with_connection(async |conn| {
                        SQLITE_MIGRATOR.run(conn).await?;
                        Ok(())
                    })
                    .await
            }
            Db::Postgres { pool, .. } => Ok(POSTGRES_MIGRATOR.run(pool).await?),
        }
    }

    /// The id of the single account this database serves (`acct_…`).
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Opens a write transaction. Dropping it without [`Tx::commit`] rolls it back.
    /// On SQLite, transactions of concurrent requests share one durable commit (see
    /// `writer`); on PostgreSQL each is its own.
    pub async fn begin(&self) -> Result<Tx> {
        match &self.db {
            Db::Sqlite { writer, .. } => {
                // On its own task: if the caller is cancelled (a client hung up), the
                // writer's bookkeeping still follows the statements sqlx has already sent.
                let writer = writer.clone();
                let tx = run_to_completion(async move { writer.begin().await }).await?;
                Ok(Tx::sqlite(
                    tx,
                    self.sealer.clone(),
                    self.work_committed.clone(),
                ))
            }
            Db::Postgres { pool, .. } => Ok(Tx::postgres(
                pool.begin().await?,
                self.sealer.clone(),
                self.work_committed.clone(),
            )),
        }
    }

    /// Runs a store-owned transaction, again (up to the configured number of times) when it
    /// fails only because it lost a race with another transaction.
    pub(crate) async fn retrying<T, F>(&self, work: impl Fn() -> F) -> Result<T>
    where
        F: std::future::Future<Output = Result<T>>,
    {
        let mut tries = 0;
        loop {
            match work().await {
                Err(e) if e.is_contention() && tries < self.contention_retries => {
                    tries += 1;
                    tracing::debug!(error = %e, tries, "transaction lost a race; running it again");
                    let jitter = u64::from(verifyd_core::random_base62(1).as_bytes()[0] % 16);
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(tries) + jitter)).await;
                }
                other => return other,
            }
        }
    }

    /// Notified each time a transaction of this process that queued work commits.
    pub fn work_committed(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.work_committed.clone()
    }

    /// A listener for "work was queued" signals from every process on this database;
    /// `None` on SQLite, where one process owns the database and wakes its own workers.
    pub async fn work_listener(&self) -> Result<Option<WorkListener>> {
        let Db::Postgres { connect, .. } = &self.db else {
            return Ok(None);
        };
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with((**connect).clone());
        let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
        listener.listen(WORK_CHANNEL).await?;
        Ok(Some(WorkListener {
            listener,
            _pool: pool,
        }))
    }

    /// Closes every connection, waiting for them to finish.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite {
                write,
                writer,
                read,
            } => {
                writer.close().await;
                write.close().await;
                read.close().await;
            }
            Db::Postgres { pool, read, .. } => {
                pool.close().await;
                read.close().await;
            }
        }
    }

    pub(crate) fn key_cache(&self) -> &KeyCacheMap {
        &self.keys
    }

    /// Where reads outside a transaction go.
    pub(crate) fn reader(&self) -> Target<'_> {
        match &self.db {
            Db::Sqlite { read, .. } => Target::SqlitePool(read),
            Db::Postgres { read, .. } => Target::PgPool(read),
        }
    }

    async fn ensure_account(&self) -> Result<String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let candidate = format!("acct_{}", verifyd_core::random_base62(16));
        let mut tx = self.begin().await?;
        sql("INSERT INTO account (singleton, id, created) VALUES (1, ?, ?) ON CONFLICT DO NOTHING")
            .bind(candidate.as_str())
            .bind(now)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        let row = sql("SELECT id FROM account WHERE singleton = 1")
            .fetch_one(self.reader())
            .await?;
        Ok(row.get("id"))
    }
}

/// Runs `work` on a task of its own and waits for it: cancelling the caller does not cut
/// `work` short. The SQLite writer's state changes (BEGIN, COMMIT, savepoints) go through
/// this, because sqlx finishes a statement it was handed even if its caller is dropped.
pub(crate) async fn run_to_completion<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    tokio::spawn(work)
        .await
        .map_err(|e| StoreError::Corrupt(format!("writer task failed: {e}")))?
}

pub(crate) fn decode_bytes<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both trees hold the same versions with the same descriptions.
    #[test]
    fn migration_trees_are_in_lockstep() {
        let versions = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert!(SQLITE_MIGRATOR.iter().count() > 0);
        assert_eq!(versions(&SQLITE_MIGRATOR), versions(&POSTGRES_MIGRATOR));
    }

    #[test]
    fn urls_select_backends() {
        assert_eq!(backend_of("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgres://u@h/d").unwrap(), Backend::Postgres);
        assert_eq!(backend_of("postgresql://u@h/d").unwrap(), Backend::Postgres);
        assert!(matches!(
            backend_of("mysql://u@h/d"),
            Err(StoreError::UnsupportedUrl(_))
        ));
    }
}

/// Databases for tests and benchmarks: which backend a run uses, and a fresh PostgreSQL
/// database per test. Not part of verifyd's behaviour.
#[doc(hidden)]
pub mod testing {
    use sqlx::Connection;
    use std::path::Path;

    /// Prefix of every database the tests make (so a sweep can find leftovers).
    pub const TEST_DATABASE_PREFIX: &str = "verifyd_t_";

    /// The PostgreSQL server tests use: `VERIFYD_TEST_POSTGRES`, default the machine's.
    pub fn postgres_server() -> String {
        std::env::var("VERIFYD_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
    }

    /// Whether this run's tests use PostgreSQL (`VERIFYD_TEST_DATABASE=postgres`).
    pub fn use_postgres() -> bool {
        std::env::var("VERIFYD_TEST_DATABASE").is_ok_and(|v| v == "postgres")
    }

    /// The database URL of the test whose state lives in `dir`: `verifyd.db` there, or a
    /// PostgreSQL database made on first use and named in `dir/postgres-database`, so a
    /// restarted server finds the same one.
    pub async fn database_url(dir: &Path) -> String {
        if !use_postgres() {
            return format!("sqlite://{}", dir.join("verifyd.db").display());
        }
        let marker = dir.join("postgres-database");
        let name = match std::fs::read_to_string(&marker) {
            Ok(name) => name,
            Err(_) => {
                let name = create_database().await;
                std::fs::write(&marker, &name).expect("write database marker");
                name
            }
        };
        format!("{}/{name}", postgres_server())
    }

    /// Creates an empty database and returns its name.
    pub async fn create_database() -> String {
        let name = format!(
            "{TEST_DATABASE_PREFIX}{}",
            verifyd_core::random_base62(12).to_lowercase()
        );
        let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server()))
            .await
            .expect("connect to PostgreSQL (VERIFYD_TEST_POSTGRES)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        name
    }

    /// Drops one test database (closing whatever is still connected to it).
    pub async fn drop_database(name: &str) {
        assert!(name.starts_with(TEST_DATABASE_PREFIX));
        if let Ok(mut admin) =
            sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server())).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
        }
    }

    /// The master key source of the test whose state lives in `dir`: a key file there
    /// (made on first use, like a deployment's), so restarted servers read their data.
    pub fn master_key(dir: &Path) -> crate::MasterKeySource {
        crate::MasterKeySource::File(dir.join("master.key"))
    }

    /// Store options for the test database `url`, with a master key file in `dir`.
    pub fn store_options(url: impl Into<String>, dir: &Path) -> crate::StoreOptions {
        let mut options = crate::StoreOptions::new(url);
        options.master_key = master_key(dir);
        options
    }

    /// Drops the PostgreSQL database of the test in `dir`, if it made one.
    pub async fn drop_database_of(dir: &Path) {
        if let Ok(name) = std::fs::read_to_string(dir.join("postgres-database")) {
            drop_database(&name).await;
        }
    }
}
