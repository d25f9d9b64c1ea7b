-- verifyd schema, version 2 (PostgreSQL): File objects for uploaded images, and indexed
-- lookup of a session by the credentials handed to its end user (url token, client secret).

ALTER TABLE verification_sessions ADD COLUMN url_token TEXT;
ALTER TABLE verification_sessions ADD COLUMN client_secret TEXT;
CREATE UNIQUE INDEX verification_sessions_by_url_token
    ON verification_sessions (url_token) WHERE url_token IS NOT NULL;
CREATE UNIQUE INDEX verification_sessions_by_client_secret
    ON verification_sessions (client_secret) WHERE client_secret IS NOT NULL;

CREATE TABLE files (
    id TEXT PRIMARY KEY,
    livemode BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    type TEXT NOT NULL,
    size BIGINT NOT NULL,
    verification_session TEXT NOT NULL,
    contents BYTEA
);
CREATE INDEX files_by_session ON files (livemode, verification_session);
