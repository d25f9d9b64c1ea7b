-- verifyd schema, version 3 (SQLite): events, webhook endpoints, and the delivery outbox.
-- A delivery row per (event, endpoint) is written in the event's transaction; workers claim
-- due rows with a lease; each attempt is recorded.

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created INTEGER NOT NULL,
    type TEXT NOT NULL,
    pending_webhooks INTEGER NOT NULL,
    failed_webhooks INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX events_by_created ON events (livemode, created, seq);
CREATE INDEX events_by_type ON events (livemode, type, created, seq);

CREATE TABLE webhook_endpoints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_by_created ON webhook_endpoints (livemode, created, seq);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    livemode BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    created INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, state);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);
