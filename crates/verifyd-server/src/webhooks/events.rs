//! Recording events. Every status change of a session calls [`record`] inside the
//! transaction that makes the change: the event row and one delivery row per subscribed
//! endpoint commit together with it, or not at all.

use crate::app::AppState;
use crate::expand::Expand;
use crate::render;
use crate::request::DEFAULT_API_VERSION;
use serde_json::json;
use verifyd_core::event::EventType;
use verifyd_core::random_base62;
use verifyd_core::session::VerificationSession;
use verifyd_store::{StoreError, StoredEvent, Tx};

/// What caused an event: the API request (id and idempotency key), or nothing (the end
/// user or a worker), in which case `request.id` is null.
#[derive(Debug, Clone, Default)]
pub struct EventCause {
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

impl EventCause {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn api(request: &crate::request::ApiRequest) -> Self {
        Self {
            request_id: Some(request.request_id.clone()),
            idempotency_key: request
                .header("idempotency-key")
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
        }
    }
}

/// Writes the event `event_type` about `session` (rendered as the API renders it, without
/// expansions) and its outbox rows.
pub async fn record(
    app: &AppState,
    tx: &mut Tx,
    session: &VerificationSession,
    event_type: EventType,
    cause: &EventCause,
) -> Result<(), StoreError> {
    let now = app.clock().now_millis();
    let object = render::session(session, Expand::none(), None, app.render_context());
    let id = format!("evt_{}", random_base62(24));
    let created = now.div_euclid(1000);
    let body = json!({
        "id": id,
        "object": "event",
        "api_version": DEFAULT_API_VERSION,
        "created": created,
        "data": { "object": object },
        "livemode": session.livemode,
        "pending_webhooks": 0,
        "request": { "id": cause.request_id, "idempotency_key": cause.idempotency_key },
        "type": event_type.as_str(),
    });
    let endpoints: Vec<String> = tx
        .webhook_endpoints(session.livemode)
        .await?
        .into_iter()
        .filter(|e| e.receives(event_type))
        .map(|e| e.id)
        .collect();
    let event = StoredEvent {
        id,
        livemode: session.livemode,
        created,
        event_type: event_type.as_str().to_owned(),
        pending_webhooks: endpoints.len() as i64,
        failed_webhooks: 0,
        body: body.to_string(),
    };
    tx.insert_event(&event, session.id.as_str(), &endpoints, now)
        .await
}

/// Replaces the copy of `session` that each of its events carries with `session` as it is
/// now (redaction: the events then hold the redacted session, and deliveries still pending
/// send that).
pub async fn rewrite_session_in_events(
    app: &AppState,
    tx: &mut Tx,
    session: &VerificationSession,
) -> Result<(), StoreError> {
    let object = render::session(session, Expand::none(), None, app.render_context());
    for event in tx
        .events_of_session(session.livemode, session.id.as_str())
        .await?
    {
        let mut body: serde_json::Value = serde_json::from_str(&event.body)
            .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", event.id)))?;
        body["data"]["object"] = object.clone();
        // The request that caused the event is part of Stripe's redacted request logs: its
        // idempotency key (chosen by the integrator, sometimes from the user's data) goes.
        if !body["request"]["idempotency_key"].is_null() {
            body["request"]["idempotency_key"] = serde_json::Value::Null;
        }
        tx.replace_event_body(&event.id, session.id.as_str(), &body.to_string())
            .await?;
    }
    Ok(())
}

/// The event as the API shows it: the stored body with the live `pending_webhooks`.
pub fn render(event: &StoredEvent) -> serde_json::Value {
    let mut value: serde_json::Value =
        serde_json::from_str(&event.body).unwrap_or_else(|_| json!({}));
    value["pending_webhooks"] = json!(event.pending_webhooks.max(0));
    value
}
