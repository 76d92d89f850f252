-- Fewer pages written per event: recording one event used to write some 18 pages to
-- the WAL, most of them index pages and the stream's row with its document.

-- Each stream's compacted Automerge document in a row of its own, so that updating a
-- stream's summary and position neither reads nor rewrites the document.
CREATE TABLE documents (
    stream  BLOB PRIMARY KEY REFERENCES streams(id),
    bytes   BLOB NOT NULL
) STRICT;
INSERT INTO documents (stream, bytes) SELECT id, document FROM streams;
ALTER TABLE streams DROP COLUMN document;

-- Changes without AUTOINCREMENT (its counter is one more page per change; rowids still
-- only grow within a stream) and without a unique index on the hash (a page at random
-- per change): only changes the stream's document did not have are ever inserted.
CREATE TABLE changes_new (
    seq     INTEGER PRIMARY KEY,
    stream  BLOB NOT NULL REFERENCES streams(id),
    hash    BLOB NOT NULL,
    bytes   BLOB NOT NULL
) STRICT;
INSERT INTO changes_new (seq, stream, hash, bytes)
    SELECT seq, stream, hash, bytes FROM changes ORDER BY seq;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_by_stream ON changes(stream, seq);

-- Events kept in fold order (a stream's events are read in that order, and a new one
-- goes at the end), with a unique index on the id; no index on the subject, which
-- nothing looks events up by.
CREATE TABLE events_new (
    stream   BLOB NOT NULL REFERENCES streams(id),
    hlc      INTEGER NOT NULL,
    id       BLOB NOT NULL UNIQUE,
    author   BLOB NOT NULL,
    device   BLOB NOT NULL,
    schema   INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    subject  BLOB,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (stream, hlc, id)
) STRICT, WITHOUT ROWID;
INSERT INTO events_new (stream, hlc, id, author, device, schema, kind, subject, bytes)
    SELECT stream, hlc, id, author, device, schema, kind, subject, bytes FROM events
    ORDER BY stream, hlc, id;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- Records keyed by their id alone (no rowid beside it to index).
CREATE TABLE records_new (
    id        BLOB PRIMARY KEY,
    stream    BLOB NOT NULL REFERENCES streams(id),
    kind      TEXT NOT NULL,
    parent    BLOB,
    position  INTEGER NOT NULL,
    body      BLOB NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO records_new (id, stream, kind, parent, position, body)
    SELECT id, stream, kind, parent, position, body FROM records ORDER BY id;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_by_kind ON records(stream, kind, position);
CREATE INDEX records_by_parent ON records(parent, position);
