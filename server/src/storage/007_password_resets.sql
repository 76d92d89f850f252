-- One-time codes an administrator issues for a person to set their password: only
-- the code's hash is kept; a code is used once, and not after it expires.
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    person      BLOB NOT NULL REFERENCES people(id),
    issued_by   BLOB NOT NULL REFERENCES people(id),
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;
CREATE INDEX password_resets_by_person ON password_resets(person);
