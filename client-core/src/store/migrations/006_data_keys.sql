-- The data keys personal content is sealed under (see `domain::sealing`). A key is
-- kept wrapped: sealed under the store's own wrapping key (a device's, kept in `meta`
-- inside its encrypted file; the server's master key, kept outside its data directory).
-- Erasing a key sets `wrapped` to NULL (with `secure_delete` on, the bytes are zeroed)
-- and keeps when and why. `subject` is a keyed hash of the person's reference, so a
-- store can find a person's keys without keeping the reference itself in the clear;
-- NULL for a record's own key. `seq` (the rowid: a new key, or an erased one, takes
-- the next) orders changes to the keys, so a device asks only for what changed since
-- it last asked, stream by stream (a server indexes them so, `010_data_keys.sql`; a
-- device, which only ever asks, keeps no such index to write as each key is made).
-- Keys not yet sent are found by a scan at sync, for the same reason.
CREATE TABLE data_keys (
    seq        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    stream     BLOB NOT NULL,
    subject    BLOB,
    wrapped    BLOB,
    made_at    INTEGER NOT NULL,
    erased_at  INTEGER,
    erasure    TEXT,
    sent       INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX data_keys_by_subject ON data_keys(subject, stream) WHERE subject IS NOT NULL;

-- On a device: the last change to each stream's keys it has taken from the server.
CREATE TABLE key_cursors (
    stream  BLOB PRIMARY KEY,
    seq     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- On a server: the people whose content was erased, by the keyed hash of their
-- reference, with when and why. A key a device made offline for such a person before
-- the erasure, and gives the server after it, is taken as erased at once.
CREATE TABLE erased_subjects (
    subject    BLOB PRIMARY KEY,
    erased_at  INTEGER NOT NULL,
    erasure    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
