//! Events, webhook endpoints and the webhook delivery outbox. `pending_webhooks` counts the
//! deliveries not (yet) successful — as Stripe's does, including those that gave up;
//! `failed_webhooks` those that gave up; an event's `delivery_success` is "all succeeded"
//! (`pending_webhooks = 0`).
//!
//! Event bodies are sealed under their session's data key, endpoints (with their signing
//! secrets) under their own; attempt records keep status, timing and a sealed transport
//! error, never what a receiver answered.

use crate::data_keys::ACCOUNT_SCOPE;
use crate::db::{sql, DbRow};
use crate::list::{cursor_position, into_page, push_keyset, Cursor, Page};
use crate::sealing::Kind;
use crate::{Result, Store, Tx};
use verifyd_core::event::WebhookEndpoint;

/// An event as stored: its rendered JSON (without the live `pending_webhooks`) and counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: String,
    pub livemode: bool,
    pub created: i64,
    pub event_type: String,
    pub pending_webhooks: i64,
    pub failed_webhooks: i64,
    pub body: String,
}

/// Filters of `GET /v1/events`.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub livemode: bool,
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub created: crate::CreatedRange,
    /// One pattern; `*` matches any run of characters.
    pub type_pattern: Option<String>,
    /// Any of these exact types.
    pub types: Vec<String>,
    pub delivery_success: Option<bool>,
}

/// A claimed delivery with what is needed to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub livemode: bool,
    pub attempts: i64,
    pub lease_until: i64,
    /// The session the event is about (whose data key seals the attempt's record).
    pub verification_session: Option<String>,
    pub event: Option<StoredEvent>,
    pub endpoint: Option<WebhookEndpoint>,
}

/// What happened to one attempt.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempted_at: i64,
    pub duration_ms: i64,
    pub status_code: Option<i64>,
    /// What went wrong (a status or transport error; never the receiver's body).
    pub error: Option<String>,
}

/// How an attempt settles its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Succeeded,
    /// Try again at this time (ms).
    RetryAt(i64),
    /// No more attempts.
    GaveUp,
}

/// One recorded attempt (for tests and diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryState {
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

fn event_from_row(r: &DbRow, body: Vec<u8>) -> Result<StoredEvent> {
    Ok(StoredEvent {
        id: r.get("id"),
        livemode: r.get("livemode"),
        created: r.get("created"),
        event_type: r.get("type"),
        pending_webhooks: r.get("pending_webhooks"),
        failed_webhooks: r.get("failed_webhooks"),
        body: String::from_utf8(body)
            .map_err(|_| crate::StoreError::Corrupt("event body is not UTF-8".into()))?,
    })
}

const EVENT_COLUMNS: &str = "SELECT id, livemode, created, type, pending_webhooks, \
     failed_webhooks, body, verification_session FROM events";

impl Store {
    async fn event_of(&self, row: &DbRow) -> Result<StoredEvent> {
        let body = self.open(Kind::Event, &row.get::<Vec<u8>>("body")).await?;
        event_from_row(row, body)
    }

    async fn endpoint_of(&self, row: &DbRow) -> Result<WebhookEndpoint> {
        self.open_json(Kind::Endpoint, row, "body").await
    }
}

impl Tx {
    async fn event_of(&mut self, row: &DbRow) -> Result<StoredEvent> {
        let body = self.open(Kind::Event, &row.get::<Vec<u8>>("body")).await?;
        event_from_row(row, body)
    }

    async fn endpoint_of(&mut self, row: &DbRow) -> Result<WebhookEndpoint> {
        self.open_json(Kind::Endpoint, row, "body").await
    }
}

/// Changes to events' `pending_webhooks` / `failed_webhooks`, applied together in event-id
/// order (after the deliveries that caused them are locked).
#[derive(Default)]
struct EventCounters(std::collections::BTreeMap<String, (i64, i64)>);

impl EventCounters {
    /// A delivery of `event_id` settled with `outcome`.
    fn settle(&mut self, event_id: String, outcome: DeliveryOutcome) {
        let (pending, failed) = match outcome {
            DeliveryOutcome::Succeeded => (1, 0),
            // Never delivered: it stays counted in `pending_webhooks` ("endpoints not yet
            // successfully delivered to"), and is failed for `delivery_success`.
            DeliveryOutcome::GaveUp => (0, 1),
            DeliveryOutcome::RetryAt(_) => return,
        };
        let entry = self.0.entry(event_id).or_default();
        entry.0 += pending;
        entry.1 += failed;
    }

    async fn apply(self, tx: &mut Tx) -> Result<()> {
        for (event_id, (pending, failed)) in self.0 {
            sql(
                "UPDATE events SET pending_webhooks = pending_webhooks - ?, \
                 failed_webhooks = failed_webhooks + ? WHERE id = ?",
            )
            .bind(pending)
            .bind(failed)
            .bind(event_id.as_str())
            .execute(tx.conn())
            .await?;
        }
        Ok(())
    }
}

/// A `type` pattern as a LIKE pattern: `*` matches any run of characters, everything else
/// itself (escaped with `!`, which means the same on both backends whatever their string
/// settings). LIKE is case-sensitive on both (SQLite runs with `case_sensitive_like`).
fn like_escape(pattern: &str) -> String {
    let mut out = String::new();
    for c in pattern.chars() {
        match c {
            '!' | '%' | '_' => {
                out.push('!');
                out.push(c);
            }
            '*' => out.push('%'),
            other => out.push(other),
        }
    }
    out
}

impl Store {
    pub async fn event(&self, livemode: bool, id: &str) -> Result<Option<StoredEvent>> {
        let row = sql(format!("{EVENT_COLUMNS} WHERE id = ? AND livemode = ?"))
            .bind(id)
            .bind(livemode)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(row) => Ok(Some(self.event_of(&row).await?)),
            None => Ok(None),
        }
    }

    /// A page of events, newest first; `Ok(None)` when the cursor names no event.
    pub async fn list_events(&self, query: &EventQuery) -> Result<Option<Page<StoredEvent>>> {
        let Some(position) = cursor_position(
            self.reader(),
            "events",
            query.livemode,
            query.cursor.as_ref(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut qb = sql(format!("{EVENT_COLUMNS} WHERE livemode = "));
        qb.push_bind(query.livemode);
        if let Some(pattern) = &query.type_pattern {
            if pattern.contains('*') {
                qb.push(" AND type LIKE ")
                    .push_bind(like_escape(pattern))
                    .push(" ESCAPE '!'");
            } else {
                qb.push(" AND type = ").push_bind(pattern.as_str());
            }
        }
        if !query.types.is_empty() {
            qb.push(" AND type IN (");
            for (i, t) in query.types.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.push_bind(t.as_str());
            }
            qb.push(")");
        }
        match query.delivery_success {
            Some(true) => {
                qb.push(" AND pending_webhooks = 0 AND failed_webhooks = 0");
            }
            Some(false) => {
                qb.push(" AND (pending_webhooks > 0 OR failed_webhooks > 0)");
            }
            None => {}
        }
        query.created.push(&mut qb);
        let ascending = push_keyset(&mut qb, position, query.limit);
        let rows = qb.fetch_all(self.reader()).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.event_of(row).await?);
        }
        Ok(Some(into_page(items, query.limit, ascending)))
    }

    /// Deletes events created before `before_seconds` with their deliveries and attempts.
    pub async fn prune_events(&self, before_seconds: i64) -> Result<u64> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            sql(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT d.id FROM \
                 webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE e.created < ?)",
            )
            .bind(before_seconds)
            .execute(tx.conn())
            .await?;
            sql("DELETE FROM webhook_deliveries WHERE event_id IN \
                 (SELECT id FROM events WHERE created < ?)")
            .bind(before_seconds)
            .execute(tx.conn())
            .await?;
            let done = sql("DELETE FROM events WHERE created < ?")
                .bind(before_seconds)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
            Ok(done)
        })
        .await
    }

    pub async fn webhook_endpoint(
        &self,
        livemode: bool,
        id: &str,
    ) -> Result<Option<WebhookEndpoint>> {
        let row = sql("SELECT body FROM webhook_endpoints WHERE id = ? AND livemode = ?")
            .bind(id)
            .bind(livemode)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(row) => Ok(Some(self.endpoint_of(&row).await?)),
            None => Ok(None),
        }
    }

    /// A page of endpoints, newest first; `Ok(None)` when the cursor names no endpoint.
    pub async fn list_webhook_endpoints(
        &self,
        livemode: bool,
        limit: u32,
        cursor: Option<&Cursor>,
    ) -> Result<Option<Page<WebhookEndpoint>>> {
        let Some(position) =
            cursor_position(self.reader(), "webhook_endpoints", livemode, cursor).await?
        else {
            return Ok(None);
        };
        let mut qb = sql("SELECT body FROM webhook_endpoints WHERE livemode = ");
        qb.push_bind(livemode);
        let ascending = push_keyset(&mut qb, position, limit);
        let rows = qb.fetch_all(self.reader()).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.endpoint_of(row).await?);
        }
        Ok(Some(into_page(items, limit, ascending)))
    }

    /// Claims up to `max` of the oldest due pending deliveries under one lease.
    pub async fn claim_deliveries(
        &self,
        now_millis: i64,
        lease_millis: i64,
        max: u32,
    ) -> Result<Vec<ClaimedDelivery>> {
        let lease_until = now_millis + lease_millis;
        let skip_locked = self.backend().skip_locked();
        let claim = format!(
            "UPDATE webhook_deliveries SET lease_until = ?, attempts = attempts + 1 WHERE id IN (\
               SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? \
               AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id \
               LIMIT ?{skip_locked}) \
             AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ?) \
             RETURNING id, livemode, attempts, event_id, endpoint_id"
        );
        let claim = claim.as_str();
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            let rows = sql(claim)
                .bind(lease_until)
                .bind(now_millis)
                .bind(now_millis)
                .bind(i64::from(max))
                .bind(now_millis)
                .fetch_all(tx.conn())
                .await?;
            let mut endpoints: std::collections::HashMap<String, Option<WebhookEndpoint>> =
                std::collections::HashMap::new();
            let mut claimed = Vec::with_capacity(rows.len());
            for row in rows {
                let event_id: String = row.get("event_id");
                let endpoint_id: String = row.get("endpoint_id");
                let event_row = sql(format!("{EVENT_COLUMNS} WHERE id = ?"))
                    .bind(event_id.as_str())
                    .fetch_optional(tx.conn())
                    .await?;
                let (event, verification_session) = match event_row {
                    Some(r) => (
                        Some(tx.event_of(&r).await?),
                        r.get::<Option<String>>("verification_session"),
                    ),
                    None => (None, None),
                };
                if !endpoints.contains_key(&endpoint_id) {
                    let endpoint_row = sql("SELECT body FROM webhook_endpoints WHERE id = ?")
                        .bind(endpoint_id.as_str())
                        .fetch_optional(tx.conn())
                        .await?;
                    let endpoint = match endpoint_row {
                        Some(r) => Some(tx.endpoint_of(&r).await?),
                        None => None,
                    };
                    endpoints.insert(endpoint_id.clone(), endpoint);
                }
                claimed.push(ClaimedDelivery {
                    id: row.get("id"),
                    livemode: row.get("livemode"),
                    attempts: row.get("attempts"),
                    lease_until,
                    verification_session,
                    event,
                    endpoint: endpoints.get(&endpoint_id).cloned().flatten(),
                });
            }
            tx.commit().await?;
            claimed.sort_by_key(|d| d.id);
            Ok(claimed)
        })
        .await
    }

    /// Records attempts and settles their deliveries in one transaction, each only if our
    /// lease on it still holds. Returns how many were settled (the rest had lost their
    /// lease to another worker).
    pub async fn settle_deliveries(
        &self,
        settled: &[(ClaimedDelivery, AttemptRecord, DeliveryOutcome)],
    ) -> Result<usize> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            let mut count = 0;
            let mut counters = EventCounters::default();
            // Deliveries in id order, then events in id order: the lock order every writer
            // of these rows follows.
            let mut ordered: Vec<_> = settled.iter().collect();
            ordered.sort_by_key(|(delivery, _, _)| delivery.id);
            for (delivery, attempt, outcome) in ordered {
                let (state, next) = match outcome {
                    DeliveryOutcome::Succeeded => ("succeeded", None),
                    DeliveryOutcome::RetryAt(at) => ("pending", Some(*at)),
                    DeliveryOutcome::GaveUp => ("failed", None),
                };
                let done = sql("UPDATE webhook_deliveries SET state = ?, lease_until = NULL, \
                     next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ? AND lease_until = ?")
                .bind(state)
                .bind(next)
                .bind(delivery.id)
                .bind(delivery.lease_until)
                .execute(tx.conn())
                .await?;
                if done != 1 {
                    continue;
                }
                count += 1;
                // What went wrong on the way (a transport error naming the endpoint's URL),
                // sealed. What the receiver answered is not kept: it may echo the event, and
                // nothing in verifyd reads it.
                let error = match &attempt.error {
                    Some(e) => Some(tx.seal(ACCOUNT_SCOPE, Kind::Attempt, e.as_bytes()).await?),
                    None => None,
                };
                sql("INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, \
                     status_code, error) VALUES (?, ?, ?, ?, ?)")
                .bind(delivery.id)
                .bind(attempt.attempted_at)
                .bind(attempt.duration_ms)
                .bind(attempt.status_code)
                .bind(error.as_deref())
                .execute(tx.conn())
                .await?;
                if let Some(event) = &delivery.event {
                    counters.settle(event.id.clone(), *outcome);
                }
            }
            counters.apply(&mut tx).await?;
            tx.commit().await?;
            Ok(count)
        })
        .await
    }

    /// State of every delivery of an event (oldest first), for tests and diagnostics.
    pub async fn deliveries_of_event(&self, event_id: &str) -> Result<Vec<DeliveryState>> {
        let rows = sql(
            "SELECT state, attempts, next_attempt_at FROM webhook_deliveries WHERE event_id = ? ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| DeliveryState {
                state: r.get("state"),
                attempts: r.get("attempts"),
                next_attempt_at: r.get("next_attempt_at"),
            })
            .collect())
    }

    /// Number of recorded attempts of a delivery row's event/endpoint pair.
    pub async fn attempt_count(&self, event_id: &str) -> Result<i64> {
        let row = sql(
            "SELECT COUNT(*) AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
             WHERE d.event_id = ?",
        )
        .bind(event_id)
        .fetch_one(self.reader())
        .await?;
        Ok(row.get("n"))
    }
}

impl Tx {
    /// Enabled and disabled endpoints of a mode (the caller filters by subscription).
    pub async fn webhook_endpoints(&mut self, livemode: bool) -> Result<Vec<WebhookEndpoint>> {
        let rows = sql("SELECT body FROM webhook_endpoints WHERE livemode = ? ORDER BY seq")
            .bind(livemode)
            .fetch_all(self.conn())
            .await?;
        let mut endpoints = Vec::with_capacity(rows.len());
        for row in &rows {
            endpoints.push(self.endpoint_of(row).await?);
        }
        Ok(endpoints)
    }

    pub async fn webhook_endpoint(
        &mut self,
        livemode: bool,
        id: &str,
    ) -> Result<Option<WebhookEndpoint>> {
        let lock = self.backend().for_update();
        let row = sql(format!(
            "SELECT body FROM webhook_endpoints WHERE id = ? AND livemode = ?{lock}"
        ))
        .bind(id)
        .bind(livemode)
        .fetch_optional(self.conn())
        .await?;
        match row {
            Some(row) => Ok(Some(self.endpoint_of(&row).await?)),
            None => Ok(None),
        }
    }

    pub async fn count_webhook_endpoints(&mut self, livemode: bool) -> Result<i64> {
        let row = sql("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE livemode = ?")
            .bind(livemode)
            .fetch_one(self.conn())
            .await?;
        Ok(row.get("n"))
    }

    pub async fn insert_webhook_endpoint(&mut self, endpoint: &WebhookEndpoint) -> Result<()> {
        let body = self
            .seal_json(endpoint.id.as_str(), Kind::Endpoint, endpoint)
            .await?;
        sql("INSERT INTO webhook_endpoints (id, livemode, created, body) VALUES (?, ?, ?, ?)")
            .bind(endpoint.id.as_str())
            .bind(endpoint.livemode)
            .bind(endpoint.created)
            .bind(body.as_slice())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn update_webhook_endpoint(&mut self, endpoint: &WebhookEndpoint) -> Result<()> {
        let body = self
            .seal_json(endpoint.id.as_str(), Kind::Endpoint, endpoint)
            .await?;
        sql("UPDATE webhook_endpoints SET body = ? WHERE id = ? AND livemode = ?")
            .bind(body.as_slice())
            .bind(endpoint.id.as_str())
            .bind(endpoint.livemode)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Deletes an endpoint; its pending deliveries stop (settled as failed).
    pub async fn delete_webhook_endpoint(&mut self, livemode: bool, id: &str) -> Result<bool> {
        let done = sql("DELETE FROM webhook_endpoints WHERE id = ? AND livemode = ?")
            .bind(id)
            .bind(livemode)
            .execute(self.conn())
            .await?;
        if done == 0 {
            return Ok(false);
        }
        // Its signing secret and URL are gone for good, from every copy.
        self.destroy_scope(id).await?;
        self.cancel_pending_deliveries(id).await?;
        Ok(true)
    }

    /// Every event about a session (for redaction), locked for update.
    pub async fn events_of_session(
        &mut self,
        livemode: bool,
        session_id: &str,
    ) -> Result<Vec<StoredEvent>> {
        let lock = self.backend().for_update();
        let rows = sql(format!(
            "{EVENT_COLUMNS} WHERE livemode = ? AND verification_session = ? ORDER BY seq{lock}"
        ))
        .bind(livemode)
        .bind(session_id)
        .fetch_all(self.conn())
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.push(self.event_of(row).await?);
        }
        Ok(events)
    }

    /// Replaces the stored body of an event about `session_id` (redaction). Deliveries not
    /// yet sent send the new one.
    pub async fn replace_event_body(
        &mut self,
        id: &str,
        session_id: &str,
        body: &str,
    ) -> Result<()> {
        let sealed = self.seal(session_id, Kind::Event, body.as_bytes()).await?;
        sql("UPDATE events SET body = ? WHERE id = ?")
            .bind(sealed.as_slice())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Erases what receivers answered to deliveries of a session's events (redaction).
    pub async fn erase_attempt_records_of_session(&mut self, session_id: &str) -> Result<u64> {
        sql(
            "UPDATE webhook_attempts SET error = NULL, response_excerpt = NULL WHERE delivery_id \
             IN (SELECT d.id FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             WHERE e.verification_session = ?) \
             AND (error IS NOT NULL OR response_excerpt IS NOT NULL)",
        )
        .bind(session_id)
        .execute(self.conn())
        .await
    }

    /// Stops every pending delivery to an endpoint (disabled or deleted): they settle as
    /// failed, so their events no longer count them as pending. Locks deliveries first and
    /// events after, in id order, as [`Store::settle_deliveries`] does, so the two never
    /// deadlock nor count a delivery twice.
    pub async fn cancel_pending_deliveries(&mut self, endpoint_id: &str) -> Result<u64> {
        let rows = sql(
            "UPDATE webhook_deliveries SET state = 'canceled', lease_until = NULL \
             WHERE endpoint_id = ? AND state = 'pending' RETURNING event_id",
        )
        .bind(endpoint_id)
        .fetch_all(self.conn())
        .await?;
        let mut counters = EventCounters::default();
        for row in &rows {
            counters.settle(row.get("event_id"), DeliveryOutcome::GaveUp);
        }
        counters.apply(self).await?;
        Ok(rows.len() as u64)
    }

    /// Writes an event about the session `session_id` and one pending delivery per
    /// receiving endpoint.
    pub async fn insert_event(
        &mut self,
        event: &StoredEvent,
        session_id: &str,
        endpoint_ids: &[String],
        now_millis: i64,
    ) -> Result<()> {
        let body = self
            .seal(session_id, Kind::Event, event.body.as_bytes())
            .await?;
        sql(
            "INSERT INTO events (id, livemode, created, type, pending_webhooks, failed_webhooks, \
             body, verification_session) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(event.id.as_str())
        .bind(event.livemode)
        .bind(event.created)
        .bind(event.event_type.as_str())
        .bind(endpoint_ids.len() as i64)
        .bind(body.as_slice())
        .bind(session_id)
        .execute(self.conn())
        .await?;
        for endpoint_id in endpoint_ids {
            sql(
                "INSERT INTO webhook_deliveries (event_id, endpoint_id, livemode, state, \
                 next_attempt_at, created) VALUES (?, ?, ?, 'pending', ?, ?)",
            )
            .bind(event.id.as_str())
            .bind(endpoint_id)
            .bind(event.livemode)
            .bind(now_millis)
            .bind(now_millis)
            .execute(self.conn())
            .await?;
        }
        if !endpoint_ids.is_empty() {
            self.signal_work().await?;
        }
        Ok(())
    }
}
