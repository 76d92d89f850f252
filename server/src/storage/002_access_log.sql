-- Who read which records, when and through which route (need-to-know). Append-only,
-- like the receipt log.
CREATE TABLE access_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    person  BLOB NOT NULL,
    device  BLOB NOT NULL,
    route   TEXT NOT NULL,
    stream  BLOB NOT NULL,
    record  BLOB
) STRICT;
CREATE INDEX access_log_by_stream ON access_log(stream, seq);
CREATE TRIGGER access_log_is_never_changed BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_is_never_deleted BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
