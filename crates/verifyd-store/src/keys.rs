//! API keys at rest: only a SHA-256 hash of each key is stored, with its mode, kind,
//! permissions and a masked form for messages.

use crate::db::sql;
use crate::{Result, Store, Tx};
use sha2::{Digest, Sha256};

/// A key as found by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub id: String,
    pub livemode: bool,
    pub kind: String,
    pub permissions: String,
    pub masked: String,
}

/// Hex SHA-256 of a key: what the database holds instead of the key. API keys carry at
/// least 95 bits of randomness, so a fast hash is enough (no password stretching needed).
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// The key with this hash. Found keys are remembered: a key never changes once created
    /// and verifyd has no key deletion, so the cache cannot serve a stale answer; unknown
    /// hashes always go to the database (a key made by another process is seen at once).
    pub async fn find_key_by_hash(&self, secret_hash: &str) -> Result<Option<StoredKey>> {
        if let Some(found) = self
            .key_cache()
            .read()
            .ok()
            .and_then(|c| c.get(secret_hash).cloned())
        {
            return Ok(Some(found));
        }
        let found = self.find_key_in_database(secret_hash).await?;
        if let Some(key) = &found {
            if let Ok(mut cache) = self.key_cache().write() {
                if cache.len() < 10_000 {
                    cache.insert(secret_hash.to_owned(), key.clone());
                }
            }
        }
        Ok(found)
    }

    async fn find_key_in_database(&self, secret_hash: &str) -> Result<Option<StoredKey>> {
        let row = sql(
            "SELECT id, livemode, kind, permissions, masked FROM api_keys WHERE secret_hash = ?",
        )
        .bind(secret_hash)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| StoredKey {
            id: r.get("id"),
            livemode: r.get("livemode"),
            kind: r.get("kind"),
            permissions: r.get("permissions"),
            masked: r.get("masked"),
        }))
    }
}

impl Tx {
    pub async fn insert_key(
        &mut self,
        key: &StoredKey,
        secret_hash: &str,
        created: i64,
    ) -> Result<()> {
        sql(
            "INSERT INTO api_keys (id, secret_hash, livemode, kind, permissions, masked, created) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.id.as_str())
        .bind(secret_hash)
        .bind(key.livemode)
        .bind(&key.kind)
        .bind(&key.permissions)
        .bind(&key.masked)
        .bind(created)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
