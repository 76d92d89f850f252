-- Fewer pages written as a person's first record makes their key. The keys become one
-- B-tree by id (a key's id is time-ordered, so a new key goes at its end), with no
-- index by person: a store finds a person's key in a stream in its keyring's memory of
-- the stream's keys (`subject_keys.rs`), read whole once. `seq` numbers the changes to
-- a stream's keys on a server only, which tells devices what changed since they last
-- asked; a device numbers none (NULL). A server indexes its keys by stream and number
-- and by person again (its `011_data_keys_by_subject.sql`): dropping the table drops
-- its indexes.
CREATE TABLE data_keys_by_id (
    id         BLOB PRIMARY KEY,
    stream     BLOB NOT NULL,
    subject    BLOB,
    wrapped    BLOB,
    made_at    INTEGER NOT NULL,
    erased_at  INTEGER,
    erasure    TEXT,
    sent       INTEGER NOT NULL DEFAULT 1,
    seq        INTEGER
) STRICT, WITHOUT ROWID;
INSERT INTO data_keys_by_id (id, stream, subject, wrapped, made_at, erased_at, erasure, sent, seq)
    SELECT id, stream, subject, wrapped, made_at, erased_at, erasure, sent, seq FROM data_keys;
DROP TABLE data_keys;
ALTER TABLE data_keys_by_id RENAME TO data_keys;
