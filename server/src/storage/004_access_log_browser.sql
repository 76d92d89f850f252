-- Reads from browser pages are logged too: a page has a signed-in person but no
-- device, so the device becomes optional and each read says how it was made.
-- (DROP TABLE fires no delete trigger: the rows are all copied first.)
CREATE TABLE access_log_new (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    person  BLOB NOT NULL,
    device  BLOB,
    via     TEXT NOT NULL,
    route   TEXT NOT NULL,
    stream  BLOB NOT NULL,
    record  BLOB
) STRICT;
INSERT INTO access_log_new (seq, at, person, device, via, route, stream, record)
    SELECT seq, at, person, device, 'api', route, stream, record FROM access_log ORDER BY seq;
DROP TABLE access_log;
ALTER TABLE access_log_new RENAME TO access_log;
CREATE INDEX access_log_by_stream ON access_log(stream, seq);
CREATE TRIGGER access_log_is_never_changed BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_is_never_deleted BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
