-- verifyd schema, version 5 (PostgreSQL): everything personal or secret is sealed (AES-256-GCM
-- envelope encryption, see src/sealing.rs); documents become BYTEA. Filter columns that held
-- personal values (client_reference_id, related_customer, related_customer_account,
-- idempotency keys) hold their blind index (HMAC) instead, and url_token / client_secret
-- their SHA-256; rows written before this version are converted by the store on its next
-- start (the `pending_sealing` row tells it to).

CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    wrapped BYTEA NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX data_keys_by_scope ON data_keys (scope, created);
CREATE INDEX data_keys_by_master_key ON data_keys (master_key_id);

ALTER TABLE verification_sessions ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
ALTER TABLE verification_reports ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
ALTER TABLE events ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
ALTER TABLE webhook_endpoints ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
ALTER TABLE idempotency_keys
    ALTER COLUMN response_body TYPE BYTEA USING convert_to(response_body, 'UTF8');

-- The object a saved response is (a session or a webhook endpoint): its data key seals the
-- response, and redacting or deleting the object rewrites the response.
ALTER TABLE idempotency_keys ADD COLUMN subject TEXT;
ALTER TABLE idempotency_keys ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;
-- The request that holds an in-flight key: only it may complete or release the key, so a
-- request that outlived its lock (and was taken over) cannot commit a second result.
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT;
CREATE INDEX idempotency_keys_by_subject ON idempotency_keys (subject);

-- Retention: uploads never submitted are erased after a while (files written before this
-- version are treated as submitted: kept until redaction, as before), and sessions may be
-- redacted automatically once old enough (`redacted` mirrors the document's `redaction`).
ALTER TABLE files ADD COLUMN submitted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE files SET submitted = TRUE;
CREATE INDEX files_unsubmitted ON files (created) WHERE submitted = FALSE;
ALTER TABLE verification_sessions ADD COLUMN redacted BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX verification_sessions_unredacted ON verification_sessions (created)
    WHERE redacted = FALSE;

-- Keys have a lifecycle: an expiry (set when a key is rolled, or at creation), a revocation,
-- and the time they were last used (kept to the minute).
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;

-- Who did what to keys, and who read sensitive verification results (ids and field paths
-- only, never the values).
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    detail TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at, id);

-- Receivers' answers are diagnostics only; those stored in clear are dropped.
ALTER TABLE webhook_attempts ALTER COLUMN error TYPE BYTEA USING NULL;
ALTER TABLE webhook_attempts ALTER COLUMN response_excerpt TYPE BYTEA USING NULL;

CREATE TABLE pending_sealing (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1)
);
INSERT INTO pending_sealing (singleton)
    SELECT 1 WHERE EXISTS (SELECT 1 FROM verification_sessions)
       OR EXISTS (SELECT 1 FROM verification_reports)
       OR EXISTS (SELECT 1 FROM events)
       OR EXISTS (SELECT 1 FROM webhook_endpoints)
       OR EXISTS (SELECT 1 FROM files)
       OR EXISTS (SELECT 1 FROM idempotency_keys);
