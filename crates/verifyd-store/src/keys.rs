//! API keys at rest: only a SHA-256 hash of each key is stored, with its mode, kind,
//! permissions and a masked form for messages.

use crate::{Result, Store, Tx};
use sha2::{Digest, Sha256};
use sqlx::Row;

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
    pub async fn find_key_by_hash(&self, secret_hash: &str) -> Result<Option<StoredKey>> {
        let row = sqlx::query(
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
        sqlx::query(
            "INSERT INTO api_keys (id, secret_hash, livemode, kind, permissions, masked, created) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.id)
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
