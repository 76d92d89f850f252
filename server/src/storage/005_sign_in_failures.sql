-- Failed sign-ins, per username (`user:<name>`) and per client address
-- (`address:<ip>`): how many since the count last started, and when the last was.
-- Kept here so a restart does not clear a limit.
CREATE TABLE sign_in_failures (
    key      TEXT PRIMARY KEY,
    failed   INTEGER NOT NULL,
    last_at  INTEGER NOT NULL
) STRICT;
