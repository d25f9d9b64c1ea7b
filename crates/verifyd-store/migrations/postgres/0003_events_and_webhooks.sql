-- verifyd schema, version 3 (PostgreSQL): events, webhook endpoints, and the delivery
-- outbox. A delivery row per (event, endpoint) is written in the event's transaction;
-- workers claim due rows with a lease (SKIP LOCKED); each attempt is recorded.

CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    type TEXT NOT NULL,
    pending_webhooks BIGINT NOT NULL,
    failed_webhooks BIGINT NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX events_by_created ON events (livemode, created, seq);
CREATE INDEX events_by_type ON events (livemode, type, created, seq);

CREATE TABLE webhook_endpoints (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_by_created ON webhook_endpoints (livemode, created, seq);

CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    livemode BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    created BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, state);

CREATE TABLE webhook_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);
