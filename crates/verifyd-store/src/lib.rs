//! verifyd-store: all persistence. One [`Store`] over the database (SQLite today, embedded
//! and the default; PostgreSQL drops in behind the same API), the embedded migrations, and
//! the durable job queue. Every SQL statement of verifyd lives in this crate.
//!
//! Writes go through a [`Tx`] that the caller opens and commits, so one request's state
//! change, jobs and saved idempotent response commit together. SQLite runs in WAL mode with
//! `synchronous=FULL`: a committed transaction is on disk. Writes are serialized on one
//! connection and group-committed (concurrent transactions share one fsync; none returns
//! before its commit is durable); reads use a separate pool and never block writers.

mod events;
mod files;
mod idempotency;
mod jobs;
mod keys;
mod list;
mod reports;
mod sessions;
mod writer;

pub use events::{
    AttemptRecord, ClaimedDelivery, DeliveryOutcome, DeliveryState, EventQuery, StoredEvent,
};
pub use files::FileRecord;
pub use idempotency::{IdempotencyClaim, IdempotencyRecord};
pub use jobs::Job;
pub use keys::{hash_key, StoredKey};
pub use list::{CreatedRange, Cursor, Page, ReportQuery, SessionQuery};
pub use writer::Tx;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Errors of the storage layer. None of them is the caller's fault: the server reports
/// them as `api_error` and logs the cause.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored object could not be decoded: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH")]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to open the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// Apply pending migrations on connect.
    pub migrate: bool,
    /// Connections for reads.
    pub read_connections: u32,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            migrate: true,
            read_connections: 4,
        }
    }
}

/// The SQLite file `serve` uses when no database is named: `verifyd.db` in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://verifyd.db";

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    write: SqlitePool,
    writer: std::sync::Arc<writer::Writer>,
    read: SqlitePool,
    account_id: String,
    keys: std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, StoredKey>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("account_id", &self.account_id)
            .finish()
    }
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    if !(url.starts_with("sqlite:")) {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10)))
}

impl Store {
    /// Opens (creating if needed) the database at `options.url` and, unless told not to,
    /// applies pending migrations.
    pub async fn connect(options: &StoreOptions) -> Result<Self> {
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
        let account_id = ensure_account(&write).await?;
        let writer = std::sync::Arc::new(writer::Writer::new(write.acquire().await?));
        Ok(Self {
            write,
            writer,
            read,
            account_id,
            keys: Default::default(),
        })
    }

    /// Applies pending migrations (what `verifyd migrate` runs).
    pub async fn migrate(&self) -> Result<()> {
        self.writer
            .with_connection(async |conn| {
                SQLITE_MIGRATOR.run(conn).await?;
                Ok(())
            })
            .await
    }

    /// The id of the single account this database serves (`acct_…`).
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Opens a write transaction. Dropping it without [`Tx::commit`] rolls it back.
    /// Transactions of concurrent requests share one durable commit (see `writer`).
    pub async fn begin(&self) -> Result<Tx> {
        self.writer.begin().await
    }

    /// Closes every connection, waiting for them to finish.
    pub async fn close(&self) {
        self.writer.close().await;
        self.write.close().await;
        self.read.close().await;
    }

    pub(crate) fn key_cache(
        &self,
    ) -> &std::sync::RwLock<std::collections::HashMap<String, StoredKey>> {
        &self.keys
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.read
    }
}

async fn ensure_account(pool: &SqlitePool) -> Result<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let candidate = format!("acct_{}", verifyd_core::random_base62(16));
    sqlx::query(
        "INSERT INTO account (singleton, id, created) VALUES (1, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(&candidate)
    .bind(now)
    .execute(pool)
    .await?;
    let id: (String,) = sqlx::query_as("SELECT id FROM account WHERE singleton = 1")
        .fetch_one(pool)
        .await?;
    Ok(id.0)
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}
