-- verifyd schema, version 5 (SQLite): everything personal or secret is sealed (AES-256-GCM
-- envelope encryption, see src/sealing.rs). Sealed documents are BLOB values in the same
-- `body` / `contents` / `response_body` columns (SQLite columns take values of any type).
-- Filter columns that held personal values (client_reference_id, related_customer,
-- related_customer_account, idempotency keys) hold their blind index (HMAC) instead, and
-- url_token / client_secret their SHA-256; rows written before this version are converted
-- by the store on its next start (the `pending_sealing` row tells it to).

CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX data_keys_by_scope ON data_keys (scope, created);
CREATE INDEX data_keys_by_master_key ON data_keys (master_key_id);

ALTER TABLE idempotency_keys ADD COLUMN verification_session TEXT;
ALTER TABLE idempotency_keys ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;
-- The request that holds an in-flight key: only it may complete or release the key, so a
-- request that outlived its lock (and was taken over) cannot commit a second result.
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT;
CREATE INDEX idempotency_keys_by_session ON idempotency_keys (verification_session);

-- Receivers' answers are diagnostics only; those stored in clear are dropped.
UPDATE webhook_attempts SET error = NULL, response_excerpt = NULL;

CREATE TABLE pending_sealing (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1)
);
INSERT INTO pending_sealing (singleton)
    SELECT 1 WHERE EXISTS (SELECT 1 FROM verification_sessions)
       OR EXISTS (SELECT 1 FROM verification_reports)
       OR EXISTS (SELECT 1 FROM events)
       OR EXISTS (SELECT 1 FROM webhook_endpoints)
       OR EXISTS (SELECT 1 FROM files)
       OR EXISTS (SELECT 1 FROM idempotency_keys);
