//! Idempotency keys at rest. A key is first claimed (an `in_flight` row with a lock that
//! expires, so a crash mid-request cannot wedge the key), then completed with the response
//! in the same transaction as the request's state change, so a replayed response always
//! describes committed state. Rows older than the retention window count as absent.

use crate::db::sql;
use crate::{Result, Store, Tx};

/// The saved outcome of a completed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub status: u16,
    pub body: String,
    pub request_id: Option<String>,
}

/// What to do with a request that carries an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use (or the earlier attempt died): run the request.
    Proceed,
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
        let lock = self.backend().for_update();
        let select = format!(
            "SELECT fingerprint, state, locked_until, response_status, response_body, request_id, \
             created FROM idempotency_keys WHERE livemode = ? AND idempotency_key = ?{lock}"
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
                     state, locked_until, created) VALUES (?, ?, ?, 'in_flight', ?, ?) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(livemode)
                .bind(key)
                .bind(fingerprint)
                .bind(now_millis + lock_millis)
                .bind(now_millis)
                .execute(tx.conn())
                .await?;
                if inserted == 1 {
                    tx.commit().await?;
                    return Ok(IdempotencyClaim::Proceed);
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
                     request_id = NULL, created = ? WHERE livemode = ? AND idempotency_key = ?",
                )
                .bind(fingerprint)
                .bind(now_millis + lock_millis)
                .bind(now_millis)
                .bind(livemode)
                .bind(key)
                .execute(tx.conn())
                .await?;
                IdempotencyClaim::Proceed
            } else if row.get::<&str>("fingerprint") != fingerprint {
                IdempotencyClaim::Mismatch
            } else if row.get::<&str>("state") == "done" {
                IdempotencyClaim::Replay(IdempotencyRecord {
                    status: row.get::<Option<i64>>("response_status").unwrap_or(500) as u16,
                    body: row
                        .get::<Option<String>>("response_body")
                        .unwrap_or_default(),
                    request_id: row.get("request_id"),
                })
            } else if row.get::<i64>("locked_until") > now_millis {
                IdempotencyClaim::InFlight
            } else {
                // The earlier attempt died mid-request: take the key over.
                sql("UPDATE idempotency_keys SET locked_until = ? \
                     WHERE livemode = ? AND idempotency_key = ?")
                .bind(now_millis + lock_millis)
                .bind(livemode)
                .bind(key)
                .execute(tx.conn())
                .await?;
                IdempotencyClaim::Proceed
            };
            tx.commit().await?;
            Ok(claim)
        })
        .await
    }

    /// Forgets an in-flight claim whose request was refused before it began (parameter
    /// validation), so the same key may be used again with corrected parameters.
    pub async fn release_idempotency_key(&self, livemode: bool, key: &str) -> Result<()> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            sql(
                "DELETE FROM idempotency_keys WHERE livemode = ? AND idempotency_key = ? \
                 AND state = 'in_flight'",
            )
            .bind(livemode)
            .bind(key)
            .execute(tx.conn())
            .await?;
            tx.commit().await
        })
        .await
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
    pub async fn complete_idempotency_key(
        &mut self,
        livemode: bool,
        key: &str,
        record: &IdempotencyRecord,
    ) -> Result<()> {
        sql(
            "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ?, \
             request_id = ? WHERE livemode = ? AND idempotency_key = ?",
        )
        .bind(i64::from(record.status))
        .bind(&record.body)
        .bind(&record.request_id)
        .bind(livemode)
        .bind(key)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
