-- What this replica knows it shares with each peer, per stream (Automerge sync state),
-- so a later sync sends only what is new.
CREATE TABLE sync_states (
    peer    TEXT NOT NULL,
    stream  BLOB NOT NULL REFERENCES streams(id),
    state   BLOB NOT NULL,
    PRIMARY KEY (peer, stream)
) STRICT;
