-- Fewer index pages written per event.

-- Changes kept in their stream's order without a rowid and an index beside them. Each
-- stream numbers its changes on from its last.
CREATE TABLE changes_new (
    stream  BLOB NOT NULL REFERENCES streams(id),
    seq     INTEGER NOT NULL,
    hash    BLOB NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (stream, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO changes_new (stream, seq, hash, bytes)
    SELECT stream, seq, hash, bytes FROM changes ORDER BY stream, seq;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;

-- Only records that belong to another (a measurement, a cycle's Do...) are looked up
-- by what they belong to.
DROP INDEX records_by_parent;
CREATE INDEX records_by_parent ON records(parent, position) WHERE parent IS NOT NULL;
