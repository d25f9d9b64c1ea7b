//! API keys at rest: only a SHA-256 hash of each key is stored, with its mode, kind,
//! permissions, a masked form for messages, and its lifecycle (expiry, revocation, last
//! use). Also the audit log: key changes and reads of sensitive verification results.

use crate::db::{sql, DbRow};
use crate::{Result, Store, Tx};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// How long a process trusts what it read of a key: a key revoked, rolled or expired by
/// another process (or `verifyd keys`) stops working everywhere within this time.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// A key as found by its hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredKey {
    pub id: String,
    pub livemode: bool,
    pub kind: String,
    pub permissions: String,
    pub masked: String,
    /// Unix seconds.
    pub created: i64,
    /// From this time (Unix seconds) on the key no longer works (a rolled key's grace end).
    pub expires_at: Option<i64>,
    /// When the key was revoked: it no longer works at all.
    pub revoked_at: Option<i64>,
    /// When the key was last used, to the minute.
    pub last_used_at: Option<i64>,
}

impl StoredKey {
    /// Whether the key authenticates at `now` (seconds): not revoked and not expired.
    pub fn is_usable(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who: a masked API key (`rk_live_…abcd`) or `cli`.
    pub actor: String,
    /// What: `key.created`, `key.rolled`, `key.revoked`, `sensitive_results.read`.
    pub action: String,
    /// On what: a key id, a session or report id.
    pub subject: Option<String>,
    /// More, without personal data (field paths, the new key's id, an expiry).
    pub detail: Option<String>,
}

/// Hex SHA-256 of a key: what the database holds instead of the key. API keys carry at
/// least 95 bits of randomness, so a fast hash is enough (no password stretching needed).
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

const KEY_COLUMNS: &str = "SELECT id, livemode, kind, permissions, masked, created, expires_at, \
     revoked_at, last_used_at FROM api_keys";

fn key_of(r: &DbRow) -> StoredKey {
    StoredKey {
        id: r.get("id"),
        livemode: r.get("livemode"),
        kind: r.get("kind"),
        permissions: r.get("permissions"),
        masked: r.get("masked"),
        created: r.get("created"),
        expires_at: r.get("expires_at"),
        revoked_at: r.get("revoked_at"),
        last_used_at: r.get("last_used_at"),
    }
}

impl Store {
    /// The key with this hash. Found keys are remembered for [`KEY_CACHE_TTL`]; unknown
    /// hashes always go to the database (a key made by another process is seen at once).
    pub async fn find_key_by_hash(&self, secret_hash: &str) -> Result<Option<StoredKey>> {
        if let Some((found, read_at)) = self
            .key_cache()
            .read()
            .ok()
            .and_then(|c| c.get(secret_hash).cloned())
        {
            if read_at.elapsed() < KEY_CACHE_TTL {
                return Ok(Some(found));
            }
        }
        let found = sql(format!("{KEY_COLUMNS} WHERE secret_hash = ?"))
            .bind(secret_hash)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(key_of);
        if let Ok(mut cache) = self.key_cache().write() {
            match &found {
                Some(key) => {
                    if cache.len() >= 10_000 {
                        cache.clear();
                    }
                    cache.insert(secret_hash.to_owned(), (key.clone(), Instant::now()));
                }
                None => {
                    cache.remove(secret_hash);
                }
            }
        }
        Ok(found)
    }

    /// Every key, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<StoredKey>> {
        let rows = sql(format!("{KEY_COLUMNS} ORDER BY created, id"))
            .fetch_all(self.reader())
            .await?;
        Ok(rows.iter().map(key_of).collect())
    }

    /// The key with this id.
    pub async fn key_by_id(&self, id: &str) -> Result<Option<StoredKey>> {
        Ok(sql(format!("{KEY_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .as_ref()
            .map(key_of))
    }

    /// Records that key `id` was used at `now` (seconds), if its record is a minute old or
    /// more (callers also throttle, so this is rarely a write).
    pub async fn touch_key(&self, id: &str, now: i64) -> Result<()> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            sql("UPDATE api_keys SET last_used_at = ? WHERE id = ? \
                 AND (last_used_at IS NULL OR last_used_at < ?)")
            .bind(now)
            .bind(id)
            .bind(now - 60)
            .execute(tx.conn())
            .await?;
            tx.commit().await
        })
        .await
    }

    /// Appends to the audit log in a transaction of its own.
    pub async fn record_audit(
        &self,
        at: i64,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.record_audit(at, actor, action, subject, detail).await?;
        tx.commit().await
    }

    /// The latest `limit` audit entries, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sql(
            "SELECT id, at, actor, action, subject, detail FROM audit_log \
             ORDER BY at DESC, id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                id: r.get("id"),
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                subject: r.get("subject"),
                detail: r.get("detail"),
            })
            .collect())
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
            "INSERT INTO api_keys (id, secret_hash, livemode, kind, permissions, masked, created, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.id.as_str())
        .bind(secret_hash)
        .bind(key.livemode)
        .bind(&key.kind)
        .bind(&key.permissions)
        .bind(&key.masked)
        .bind(created)
        .bind(key.expires_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Makes key `id` stop working at `at` (seconds; now or later), unless it stops sooner
    /// already. Returns whether the key exists and is not revoked.
    pub async fn expire_key(&mut self, id: &str, at: i64) -> Result<bool> {
        let done = sql(
            "UPDATE api_keys SET expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < ? \
             THEN expires_at ELSE ? END WHERE id = ? AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(at)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done == 1)
    }

    /// Revokes key `id` at `now`. Returns whether it existed and was not revoked yet.
    pub async fn revoke_key(&mut self, id: &str, now: i64) -> Result<bool> {
        let done = sql("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(done == 1)
    }

    /// Appends to the audit log, committing with the change it records.
    pub async fn record_audit(
        &mut self,
        at: i64,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        sql("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)")
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
