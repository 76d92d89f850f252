-- Browser sessions: the cookie's token is kept only as its SHA-256, beside the token
-- every form of the session must carry (CSRF).
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    person      BLOB NOT NULL REFERENCES people(id),
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ended_at    INTEGER
) STRICT;
CREATE INDEX sessions_by_person ON sessions(person);

-- The device a person's browser records under: one per person, enrolled (and in the
-- organisation stream) the first time they record something in the browser.
CREATE TABLE browser_devices (
    person  BLOB PRIMARY KEY REFERENCES people(id),
    device  BLOB NOT NULL REFERENCES devices(id)
) STRICT;
