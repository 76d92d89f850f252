-- The device's identity and clock.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- One row per stream: its compacted Automerge document and its summary view.
CREATE TABLE streams (
    id                  BLOB PRIMARY KEY,
    kind                TEXT NOT NULL,
    name                TEXT NOT NULL,
    collaborative       BLOB,
    document            BLOB NOT NULL,
    pending_changes     INTEGER NOT NULL DEFAULT 0,
    summary             BLOB NOT NULL,
    last_applied_hlc    INTEGER NOT NULL DEFAULT 0,
    last_applied_id     BLOB NOT NULL DEFAULT x''
) STRICT;

-- Automerge changes made or received since the stream's document was last compacted.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    stream  BLOB NOT NULL REFERENCES streams(id),
    hash    BLOB NOT NULL UNIQUE,
    bytes   BLOB NOT NULL
) STRICT;
CREATE INDEX changes_by_stream ON changes(stream, seq);

-- Every event, decoded enough to index, with its encoded bytes.
CREATE TABLE events (
    id       BLOB PRIMARY KEY,
    stream   BLOB NOT NULL REFERENCES streams(id),
    hlc      INTEGER NOT NULL,
    author   BLOB NOT NULL,
    device   BLOB NOT NULL,
    schema   INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    subject  BLOB,
    bytes    BLOB NOT NULL
) STRICT;
CREATE INDEX events_in_order ON events(stream, hlc, id);
CREATE INDEX events_by_subject ON events(subject);

-- The views: one row per record as it currently stands.
CREATE TABLE records (
    id        BLOB PRIMARY KEY,
    stream    BLOB NOT NULL REFERENCES streams(id),
    kind      TEXT NOT NULL,
    parent    BLOB,
    position  INTEGER NOT NULL,
    body      BLOB NOT NULL
) STRICT;
CREATE INDEX records_by_kind ON records(stream, kind, position);
CREATE INDEX records_by_parent ON records(parent, position);
