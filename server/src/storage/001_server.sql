-- The server's own tables, beside the streams in the same SQLite file, so a sync's
-- changes and their receipts commit together.

CREATE TABLE collaboratives (
    stream  BLOB PRIMARY KEY,
    name    TEXT NOT NULL
) STRICT;

CREATE TABLE teams (
    id             BLOB PRIMARY KEY,
    collaborative  BLOB NOT NULL REFERENCES collaboratives(stream),
    name           TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    UNIQUE (collaborative, name)
) STRICT;

CREATE TABLE people (
    id             BLOB PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL
) STRICT;

-- A role for a whole collaborative or for one team.
CREATE TABLE memberships (
    id             BLOB PRIMARY KEY,
    person         BLOB NOT NULL REFERENCES people(id),
    role           TEXT NOT NULL,
    collaborative  BLOB,
    team           BLOB,
    revoked_at     INTEGER,
    CHECK ((collaborative IS NULL) != (team IS NULL))
) STRICT;
CREATE INDEX memberships_by_person ON memberships(person);

CREATE TABLE devices (
    id                BLOB PRIMARY KEY,
    person            BLOB NOT NULL REFERENCES people(id),
    name              TEXT NOT NULL,
    token_hash        TEXT NOT NULL UNIQUE,
    enrolled_at       INTEGER NOT NULL,
    token_expires_at  INTEGER NOT NULL,
    revoked_at        INTEGER,
    revoked_reason    TEXT,
    last_sync_at      INTEGER
) STRICT;

-- Which team a project stream belongs to.
CREATE TABLE project_streams (
    stream  BLOB PRIMARY KEY,
    team    BLOB NOT NULL REFERENCES teams(id)
) STRICT;

-- When each change reached the server, and from which device. Append-only.
CREATE TABLE receipts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    stream       BLOB NOT NULL,
    change_hash  TEXT NOT NULL,
    device       BLOB NOT NULL,
    received_at  INTEGER NOT NULL,
    events       TEXT NOT NULL
) STRICT;
CREATE INDEX receipts_by_stream ON receipts(stream, seq);
CREATE TRIGGER receipts_are_never_changed BEFORE UPDATE ON receipts
BEGIN SELECT RAISE(ABORT, 'the receipt log is append-only'); END;
CREATE TRIGGER receipts_are_never_deleted BEFORE DELETE ON receipts
BEGIN SELECT RAISE(ABORT, 'the receipt log is append-only'); END;
