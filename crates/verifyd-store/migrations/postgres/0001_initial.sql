-- verifyd schema, version 1 (PostgreSQL). Kept in lockstep with migrations/sqlite: the same
-- versions, tables, columns and indexes. Integers are BIGINT (verifyd reads them as i64),
-- flags BOOLEAN, JSON documents TEXT (stored and returned verbatim).

CREATE TABLE account (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    permissions TEXT NOT NULL,
    masked TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE verification_sessions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    status TEXT NOT NULL,
    client_reference_id TEXT,
    related_customer TEXT,
    related_customer_account TEXT,
    body TEXT NOT NULL
);
CREATE INDEX verification_sessions_by_created
    ON verification_sessions (livemode, created, seq);
CREATE INDEX verification_sessions_by_status
    ON verification_sessions (livemode, status, created, seq);
CREATE INDEX verification_sessions_by_client_reference_id
    ON verification_sessions (livemode, client_reference_id, created, seq);
CREATE INDEX verification_sessions_by_related_customer
    ON verification_sessions (livemode, related_customer, created, seq);
CREATE INDEX verification_sessions_by_related_customer_account
    ON verification_sessions (livemode, related_customer_account, created, seq);

CREATE TABLE verification_reports (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    type TEXT NOT NULL,
    verification_session TEXT,
    client_reference_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX verification_reports_by_created
    ON verification_reports (livemode, created, seq);
CREATE INDEX verification_reports_by_type
    ON verification_reports (livemode, type, created, seq);
CREATE INDEX verification_reports_by_session
    ON verification_reports (livemode, verification_session, created, seq);
CREATE INDEX verification_reports_by_client_reference_id
    ON verification_reports (livemode, client_reference_id, created, seq);

CREATE TABLE idempotency_keys (
    livemode BOOLEAN NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    locked_until BIGINT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    request_id TEXT,
    created BIGINT NOT NULL,
    PRIMARY KEY (livemode, idempotency_key)
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created);

CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    lease_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX jobs_by_run_at ON jobs (run_at, id);
