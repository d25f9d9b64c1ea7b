-- verifyd schema, version 1 (SQLite). Kept in lockstep with migrations/postgres.
-- Objects are stored as JSON documents in `body`; the columns beside it are the ones
-- queries filter and sort on, each list served by an index on (filter..., created, seq).

CREATE TABLE account (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    permissions TEXT NOT NULL,
    masked TEXT NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE verification_sessions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created INTEGER NOT NULL,
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
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    livemode BOOLEAN NOT NULL,
    created INTEGER NOT NULL,
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
    locked_until INTEGER NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    request_id TEXT,
    created INTEGER NOT NULL,
    PRIMARY KEY (livemode, idempotency_key)
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    run_at INTEGER NOT NULL,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created INTEGER NOT NULL
);
CREATE INDEX jobs_by_run_at ON jobs (run_at, id);
