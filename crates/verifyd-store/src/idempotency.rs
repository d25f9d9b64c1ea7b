//! Idempotency keys at rest. A key is first claimed (an `in_flight` row with a lock that
//! expires, so a crash mid-request cannot wedge the key), then completed with the response
//! in the same transaction as the request's state change, so a replayed response always
//! describes committed state. Rows older than the retention window count as absent.
//!
//! The key is stored as its blind index; the saved response sealed under the data key of
//! the session it is about (so redaction reaches it), or the account's.

use crate::data_keys::ACCOUNT_SCOPE;
use crate::db::sql;
use crate::sealing::Kind;
use crate::{Result, Store, StoreError, Tx};

/// The saved outcome of a completed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub status: u16,
    pub body: String,
    pub request_id: Option<String>,
    /// The object the response is (a session `vs_…` or a webhook endpoint `we_…`), if any:
    /// its data key seals the response, and redacting or deleting it rewrites the response.
    pub subject: Option<String>,
}

/// What to do with a request that carries an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use (or the earlier attempt died): run the request, as `owner`, the token that
    /// completes or releases the claim.
    Proceed { owner: String },
    /// Completed before with the same parameters: send this again.
    Replay(IdempotencyRecord),
    /// Used before with other parameters or on another endpoint.
    Mismatch,
    /// Another request with this key is running right now.
    InFlight,
}

impl Store {
    /// Claims `key` for a request whose method, path and parameters hash to `fingerprint`.
    ///
    /// Safe across processes: the claim first tries to insert the key's row (of two
    /// requests inserting at once, one wins; the other waits for it and inserts nothing),
    /// and only otherwise reads the row, locked, to decide.
    pub async fn claim_idempotency_key(
        &self,
        livemode: bool,
        key: &str,
        fingerprint: &str,
        now_millis: i64,
        lock_millis: i64,
        retention_millis: i64,
    ) -> Result<IdempotencyClaim> {
        let indexed = self.blind_index("idempotency_key", key);
        let key = indexed.as_str();
        // The request's fingerprint hashes its parameters (an email, metadata): stored as a
        // keyed hash too, so that guessing the parameters cannot confirm them.
        let fingerprint = self.blind_index("request_fingerprint", fingerprint);
        let fingerprint = fingerprint.as_str();
        let owner = verifyd_core::random_base62(24);
        let owner = owner.as_str();
        let lock = self.backend().for_update();
        let select = format!(
            "SELECT fingerprint, state, locked_until, response_status, response_body, request_id, \
             created, subject FROM idempotency_keys WHERE livemode = ? AND idempotency_key = ?{lock}"
        );
        let select = select.as_str();
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            // Insert, or else read the existing row; if that row vanished in between (a
            // concurrent release or prune), insert again.
            let mut existing = None;
            for _ in 0..3 {
                let inserted = sql(
                    "INSERT INTO idempotency_keys (livemode, idempotency_key, fingerprint, \
                     state, locked_until, created, sealed, owner) \
                     VALUES (?, ?, ?, 'in_flight', ?, ?, TRUE, ?) ON CONFLICT DO NOTHING",
                )
                .bind(livemode)
                .bind(key)
                .bind(fingerprint)
                .bind(now_millis + lock_millis)
                .bind(now_millis)
                .bind(owner)
                .execute(tx.conn())
                .await?;
                if inserted == 1 {
                    tx.commit().await?;
                    return Ok(IdempotencyClaim::Proceed {
                        owner: owner.to_owned(),
                    });
                }
                existing = sql(select)
                    .bind(livemode)
                    .bind(key)
                    .fetch_optional(tx.conn())
                    .await?;
                if existing.is_some() {
                    break;
                }
            }
            let Some(row) = existing else {
                // Claimed and released over and over meanwhile: someone is using the key.
                return Ok(IdempotencyClaim::InFlight);
            };
            let fresh = row.get::<i64>("created") > now_millis - retention_millis;
            let claim = if !fresh {
                // Expired: the key starts over as a first use.
                sql(
                    "UPDATE idempotency_keys SET fingerprint = ?, state = 'in_flight', \
                     locked_until = ?, response_status = NULL, response_body = NULL, \
                     request_id = NULL, subject = NULL, created = ?, owner = ? \
                     WHERE livemode = ? AND idempotency_key = ?",
                )
                .bind(fingerprint)
                .bind(now_millis + lock_millis)
                .bind(now_millis)
                .bind(owner)
                .bind(livemode)
                .bind(key)
                .execute(tx.conn())
                .await?;
                IdempotencyClaim::Proceed {
                    owner: owner.to_owned(),
                }
            } else if row.get::<&str>("fingerprint") != fingerprint {
                IdempotencyClaim::Mismatch
            } else if row.get::<&str>("state") == "done" {
                let body = match row.get::<Option<Vec<u8>>>("response_body") {
                    Some(sealed) => tx.open(Kind::Response, &sealed).await?,
                    None => Vec::new(),
                };
                IdempotencyClaim::Replay(IdempotencyRecord {
                    status: row.get::<Option<i64>>("response_status").unwrap_or(500) as u16,
                    body: String::from_utf8(body)
                        .map_err(|_| StoreError::Corrupt("saved response is not UTF-8".into()))?,
                    request_id: row.get("request_id"),
                    subject: row.get("subject"),
                })
            } else if row.get::<i64>("locked_until") > now_millis {
                IdempotencyClaim::InFlight
            } else {
                // The earlier attempt died mid-request (or is still running past its lock):
                // take the key over. Only the new owner may complete it now.
                sql("UPDATE idempotency_keys SET locked_until = ?, owner = ? \
                     WHERE livemode = ? AND idempotency_key = ?")
                .bind(now_millis + lock_millis)
                .bind(owner)
                .bind(livemode)
                .bind(key)
                .execute(tx.conn())
                .await?;
                IdempotencyClaim::Proceed {
                    owner: owner.to_owned(),
                }
            };
            tx.commit().await?;
            Ok(claim)
        })
        .await
    }

    /// Forgets an in-flight claim whose request was refused before it began (parameter
    /// validation), so the same key may be used again with corrected parameters.
    pub async fn release_idempotency_key(
        &self,
        livemode: bool,
        key: &str,
        owner: &str,
    ) -> Result<()> {
        let indexed = self.blind_index("idempotency_key", key);
        let key = indexed.as_str();
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            sql(
                "DELETE FROM idempotency_keys WHERE livemode = ? AND idempotency_key = ? \
                 AND state = 'in_flight' AND owner = ?",
            )
            .bind(livemode)
            .bind(key)
            .bind(owner)
            .execute(tx.conn())
            .await?;
            tx.commit().await
        })
        .await
    }

    /// Frees every in-flight claim at once (their requests cannot be running: called when
    /// the only process of a SQLite database starts, after a crash). A retry of such a
    /// request then runs at once instead of answering 409 until the claim's lock expires;
    /// were the old request somehow still running, its owner token would keep it from
    /// committing. Returns how many were freed.
    pub async fn release_in_flight_claims(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        let done = sql(
            "UPDATE idempotency_keys SET locked_until = 0 WHERE state = 'in_flight' \
             AND locked_until > 0",
        )
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Deletes keys created before `before_millis`.
    pub async fn prune_idempotency_keys(&self, before_millis: i64) -> Result<u64> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            let done = sql("DELETE FROM idempotency_keys WHERE created < ?")
                .bind(before_millis)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
            Ok(done)
        })
        .await
    }
}

impl Tx {
    /// Saves the response of a claimed key; commits with the rest of the transaction.
    /// [`StoreError::ClaimLost`] if `owner` no longer holds the claim (the request outlived
    /// its lock and another took the key over): the caller must then roll back.
    pub async fn complete_idempotency_key(
        &mut self,
        livemode: bool,
        key: &str,
        owner: &str,
        record: &IdempotencyRecord,
    ) -> Result<()> {
        let scope = record.subject.as_deref().unwrap_or(ACCOUNT_SCOPE);
        let sealed = self
            .seal(scope, Kind::Response, record.body.as_bytes())
            .await?;
        let key = self.blind_index("idempotency_key", key);
        let lock = self.backend().for_update();
        // Lock the key's row first: a takeover commits before or after this transaction,
        // never in between.
        let held = sql(format!(
            "SELECT owner FROM idempotency_keys WHERE livemode = ? AND idempotency_key = ? \
             AND state = 'in_flight'{lock}"
        ))
        .bind(livemode)
        .bind(key.as_str())
        .fetch_optional(self.conn())
        .await?
        .and_then(|row| row.get::<Option<String>>("owner"));
        if held.as_deref() != Some(owner) {
            return Err(StoreError::ClaimLost);
        }
        sql(
            "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ?, \
             request_id = ?, subject = ? WHERE livemode = ? AND idempotency_key = ?",
        )
        .bind(i64::from(record.status))
        .bind(sealed.as_slice())
        .bind(&record.request_id)
        .bind(record.subject.as_deref())
        .bind(livemode)
        .bind(key.as_str())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces the saved responses that are `subject` (a session being redacted, an
    /// endpoint being deleted): successful ones replay `replacement` from now on, sealed
    /// under `seal_under`'s data key; the others are sealed there again as they are. Call
    /// before the subject's old data keys are destroyed.
    pub async fn replace_saved_responses(
        &mut self,
        subject: &str,
        replacement: &str,
        seal_under: &str,
    ) -> Result<u64> {
        let rows = sql(
            "SELECT livemode, idempotency_key, response_status, response_body FROM \
             idempotency_keys WHERE subject = ? AND state = 'done'",
        )
        .bind(subject)
        .fetch_all(self.conn())
        .await?;
        let mut done = 0;
        for row in &rows {
            let body = match row.get::<Option<i64>>("response_status") {
                Some(200) => replacement.as_bytes().to_vec(),
                _ => match row.get::<Option<Vec<u8>>>("response_body") {
                    Some(sealed) => self.open(Kind::Response, &sealed).await?,
                    None => Vec::new(),
                },
            };
            let sealed = self.seal(seal_under, Kind::Response, &body).await?;
            done += sql("UPDATE idempotency_keys SET response_body = ? \
                 WHERE livemode = ? AND idempotency_key = ?")
            .bind(sealed.as_slice())
            .bind(row.get::<bool>("livemode"))
            .bind(row.get::<String>("idempotency_key"))
            .execute(self.conn())
            .await?;
        }
        Ok(done)
    }
}
