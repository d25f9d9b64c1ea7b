-- verifyd schema, version 4 (SQLite): events know the session they are about, so redacting
-- a session can erase the copies of it that its events carry.

ALTER TABLE events ADD COLUMN verification_session TEXT;
UPDATE events SET verification_session = json_extract(body, '$.data.object.id');
CREATE INDEX events_by_session ON events (verification_session);
