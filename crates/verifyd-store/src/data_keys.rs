//! Data keys at rest, and sealing and opening values with them (see `sealing` for the
//! cryptography). Each key row holds a data key wrapped by a master key, and the scope it
//! seals: a session id, a webhook endpoint id, [`ACCOUNT_SCOPE`] or the blind index's
//! [`INDEX_KEY_ID`]. A scope may hold several keys (made by concurrent first writers); a
//! value names the key that sealed it. Destroying a scope's keys is crypto-shredding.

use crate::db::{sql, DbRow, Target};
use crate::sealing::{sealed_key_id, DataKey, Kind, Sealer};
use crate::{Result, Store, StoreError, Tx};

/// Scope of values that belong to no session or endpoint (saved responses of such requests).
pub const ACCOUNT_SCOPE: &str = "account";
/// The one data key of the blind index (an HMAC key, never a cipher key).
pub(crate) const INDEX_KEY_ID: &str = "dk_index";

/// Data keys by the master key that wraps them (what a rotation still has to do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterKeyUse {
    pub master_key_id: String,
    pub data_keys: i64,
}

/// A value stored in clear: read as it is while the store seals such values (its first start
/// after the upgrade), refused afterwards — only someone writing to the database directly
/// could have put it there.
fn unsealed(sealer: &Sealer, value: &[u8]) -> Result<Vec<u8>> {
    if sealer.accepts_unsealed() {
        Ok(value.to_vec())
    } else {
        Err(StoreError::Corrupt(
            "a value is stored in clear where a sealed one belongs".into(),
        ))
    }
}

/// Loads the data key `id` through `target` (or the cache).
async fn load_data_key(target: Target<'_>, sealer: &Sealer, id: &str) -> Result<DataKey> {
    if let Some(key) = sealer.cached_key(id) {
        return Ok(key);
    }
    let row = sql("SELECT master_key_id, wrapped FROM data_keys WHERE id = ?")
        .bind(id)
        .fetch_optional(target)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt(format!("data key {id} no longer exists (destroyed)"))
        })?;
    sealer.unwrap(
        id,
        row.get::<&str>("master_key_id"),
        &row.get::<Vec<u8>>("wrapped"),
    )
}

impl Store {
    /// Opens a stored value of `kind` (a value stored before sealing comes back as it is).
    pub(crate) async fn open(&self, kind: Kind, value: &[u8]) -> Result<Vec<u8>> {
        match sealed_key_id(value)? {
            None => unsealed(&self.sealer, value),
            Some(id) => {
                let key = load_data_key(self.reader(), &self.sealer, id).await?;
                self.sealer.open(&key, kind, value)
            }
        }
    }

    /// Opens and decodes a stored JSON document.
    pub(crate) async fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        kind: Kind,
        row: &DbRow,
        column: &str,
    ) -> Result<T> {
        let plain = self.open(kind, &row.get::<Vec<u8>>(column)).await?;
        crate::decode_bytes(&plain)
    }

    /// Makes sure the blind index key exists and loads it (at connect).
    pub(crate) async fn load_index_key(&self) -> Result<()> {
        let (master_key_id, wrapped) = self.sealer.new_wrapped_raw(INDEX_KEY_ID);
        let mut tx = self.begin().await?;
        sql(
            "INSERT INTO data_keys (id, scope, master_key_id, wrapped, created) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(INDEX_KEY_ID)
        .bind("index")
        .bind(master_key_id.as_str())
        .bind(wrapped.as_slice())
        .bind(now_seconds())
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        let row = sql("SELECT master_key_id, wrapped FROM data_keys WHERE id = ?")
            .bind(INDEX_KEY_ID)
            .fetch_one(self.reader())
            .await?;
        let raw = self.sealer.unwrap_raw(
            INDEX_KEY_ID,
            row.get::<&str>("master_key_id"),
            &row.get::<Vec<u8>>("wrapped"),
        )?;
        self.sealer.set_index_key(&raw)
    }

    /// How many data keys each master key wraps.
    pub async fn master_key_use(&self) -> Result<Vec<MasterKeyUse>> {
        let rows = sql(
            "SELECT master_key_id, COUNT(*) AS n FROM data_keys GROUP BY master_key_id \
             ORDER BY master_key_id",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| MasterKeyUse {
                master_key_id: r.get("master_key_id"),
                data_keys: r.get("n"),
            })
            .collect())
    }

    /// Ids of the configured master keys, current first.
    pub fn master_key_ids(&self) -> Vec<String> {
        self.sealer.keyring().ids()
    }

    /// Wraps up to `batch` data keys that another master key wraps under the current one, in
    /// one transaction; returns how many. Running servers keep working throughout: every
    /// data key is readable under either key while both are configured.
    pub async fn rewrap_data_keys(&self, batch: u32) -> Result<u64> {
        let keyring = self.sealer.keyring();
        let older = keyring.ids()[1..].to_vec();
        if older.is_empty() {
            return Ok(0);
        }
        let skip_locked = self.backend().skip_locked();
        // Only keys under a configured older master key: one wrapped by a key nobody has
        // cannot be re-wrapped (`master-key status` lists those).
        let placeholders = vec!["?"; older.len()].join(", ");
        let select = format!(
            "SELECT id, master_key_id, wrapped FROM data_keys WHERE master_key_id IN \
             ({placeholders}) ORDER BY id LIMIT ?{skip_locked}"
        );
        let select = select.as_str();
        let older = &older;
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            let mut query = sql(select);
            for id in older {
                query = query.bind(id.as_str());
            }
            let rows = query.bind(i64::from(batch)).fetch_all(tx.conn()).await?;
            let mut done = 0;
            for row in &rows {
                let id: String = row.get("id");
                let (master_key_id, wrapped) = self.sealer.rewrap(
                    &id,
                    row.get::<&str>("master_key_id"),
                    &row.get::<Vec<u8>>("wrapped"),
                )?;
                done += sql("UPDATE data_keys SET master_key_id = ?, wrapped = ? WHERE id = ?")
                    .bind(master_key_id.as_str())
                    .bind(wrapped.as_slice())
                    .bind(id.as_str())
                    .execute(tx.conn())
                    .await?;
            }
            tx.commit().await?;
            Ok(done)
        })
        .await
    }

    /// Whether the data key `id` still exists (tests of crypto-shredding).
    #[doc(hidden)]
    pub async fn data_key_exists(&self, id: &str) -> Result<bool> {
        Ok(sql("SELECT id FROM data_keys WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .is_some())
    }

    /// The blind index of `value` in `field` (what filter columns hold).
    pub(crate) fn blind_index(&self, field: &str, value: &str) -> String {
        self.sealer.blind_index(field, value)
    }

    /// Ids of the data keys of `scope` (tests of crypto-shredding).
    #[doc(hidden)]
    pub async fn data_key_ids(&self, scope: &str) -> Result<Vec<String>> {
        let rows = sql("SELECT id FROM data_keys WHERE scope = ? ORDER BY id")
            .bind(scope)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(|r| r.get("id")).collect())
    }

    /// Checkpoints the database (SQLite: a normal, passive WAL checkpoint; PostgreSQL:
    /// `CHECKPOINT`) and returns the files and folders that hold its bytes on this machine:
    /// the SQLite file, its WAL and shared memory; PostgreSQL's folder of this database and
    /// its WAL folder. For tests that look for personal data in every byte at rest.
    #[doc(hidden)]
    pub async fn checkpoint_and_locate_files(&self) -> Result<Vec<std::path::PathBuf>> {
        match self.backend() {
            crate::Backend::Sqlite => {
                let Some(key_file) = crate::sealing::default_key_file(&self.url) else {
                    return Ok(Vec::new());
                };
                let database = key_file
                    .to_string_lossy()
                    .trim_end_matches(".master-key")
                    .to_owned();
                if let crate::Db::Sqlite { writer, .. } = &self.db {
                    writer
                        .with_connection(async |conn| {
                            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                        .await?;
                }
                Ok(["", "-wal", "-shm"]
                    .iter()
                    .map(|suffix| std::path::PathBuf::from(format!("{database}{suffix}")))
                    .collect())
            }
            crate::Backend::Postgres => {
                let mut tx = self.begin().await?;
                sql("CHECKPOINT").execute(tx.conn()).await?;
                tx.commit().await?;
                let dir: String = sql("SELECT current_setting('data_directory') AS d")
                    .fetch_one(self.reader())
                    .await?
                    .get("d");
                let oid: String = sql(
                    "SELECT oid::text AS oid FROM pg_database WHERE datname = current_database()",
                )
                .fetch_one(self.reader())
                .await?
                .get("oid");
                let dir = std::path::PathBuf::from(dir);
                Ok(vec![dir.join("base").join(oid), dir.join("pg_wal")])
            }
        }
    }
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Tx {
    /// The data key that seals new values of `scope` in this transaction (made if the scope
    /// has none).
    async fn data_key(&mut self, scope: &str) -> Result<DataKey> {
        if let Some(key) = self.scope_keys.get(scope) {
            return Ok(key.clone());
        }
        let row = sql(
            "SELECT id, master_key_id, wrapped FROM data_keys WHERE scope = ? \
             ORDER BY created DESC, id LIMIT 1",
        )
        .bind(scope)
        .fetch_optional(self.conn())
        .await?;
        let key = match row {
            Some(row) => self.sealer.unwrap(
                row.get::<&str>("id"),
                row.get::<&str>("master_key_id"),
                &row.get::<Vec<u8>>("wrapped"),
            )?,
            None => self.make_data_key(scope).await?,
        };
        self.scope_keys.insert(scope.to_owned(), key.clone());
        Ok(key)
    }

    async fn make_data_key(&mut self, scope: &str) -> Result<DataKey> {
        let made = self.sealer.new_data_key();
        sql(
            "INSERT INTO data_keys (id, scope, master_key_id, wrapped, created) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(made.key.id.as_str())
        .bind(scope)
        .bind(made.master_key_id.as_str())
        .bind(made.wrapped.as_slice())
        .bind(now_seconds())
        .execute(self.conn())
        .await?;
        Ok(made.key)
    }

    /// Seals `plain` as a value of `kind` under `scope`'s data key.
    pub(crate) async fn seal(&mut self, scope: &str, kind: Kind, plain: &[u8]) -> Result<Vec<u8>> {
        let key = self.data_key(scope).await?;
        Ok(self.sealer.seal(&key, kind, plain))
    }

    /// Seals a JSON document.
    pub(crate) async fn seal_json<T: serde::Serialize>(
        &mut self,
        scope: &str,
        kind: Kind,
        value: &T,
    ) -> Result<Vec<u8>> {
        let plain = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.seal(scope, kind, &plain).await
    }

    /// Opens a stored value of `kind` as this transaction sees the keys.
    pub(crate) async fn open(&mut self, kind: Kind, value: &[u8]) -> Result<Vec<u8>> {
        match sealed_key_id(value)? {
            None => unsealed(&self.sealer, value),
            Some(id) => {
                let sealer = self.sealer.clone();
                let key = load_data_key(self.conn(), &sealer, id).await?;
                sealer.open(&key, kind, value)
            }
        }
    }

    pub(crate) async fn open_json<T: serde::de::DeserializeOwned>(
        &mut self,
        kind: Kind,
        row: &DbRow,
        column: &str,
    ) -> Result<T> {
        let plain = self.open(kind, &row.get::<Vec<u8>>(column)).await?;
        crate::decode_bytes(&plain)
    }

    /// Starts crypto-shredding `scope`: values written from now on in this transaction are
    /// sealed under a new data key, while the old keys still open what is read. Returns the
    /// old keys, for [`Tx::destroy_data_keys`] once every value still needed is rewritten.
    pub async fn renew_data_key(&mut self, scope: &str) -> Result<Vec<String>> {
        let rows = sql("SELECT id FROM data_keys WHERE scope = ?")
            .bind(scope)
            .fetch_all(self.conn())
            .await?;
        let old = rows.iter().map(|r| r.get::<String>("id")).collect();
        let key = self.make_data_key(scope).await?;
        self.scope_keys.insert(scope.to_owned(), key);
        Ok(old)
    }

    /// Destroys data keys: every value they sealed, wherever a copy of it lies, can no
    /// longer be read by anyone.
    pub async fn destroy_data_keys(&mut self, ids: &[String]) -> Result<()> {
        for id in ids {
            sql("DELETE FROM data_keys WHERE id = ?")
                .bind(id.as_str())
                .execute(self.conn())
                .await?;
        }
        self.sealer.forget(ids);
        Ok(())
    }

    /// Destroys every data key of `scope`.
    pub(crate) async fn destroy_scope(&mut self, scope: &str) -> Result<()> {
        let rows = sql("DELETE FROM data_keys WHERE scope = ? RETURNING id")
            .bind(scope)
            .fetch_all(self.conn())
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
        self.sealer.forget(&ids);
        self.scope_keys.remove(scope);
        Ok(())
    }

    /// The blind index of `value` in `field`.
    pub(crate) fn blind_index(&self, field: &str, value: &str) -> String {
        self.sealer.blind_index(field, value)
    }
}
