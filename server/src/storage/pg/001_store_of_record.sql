-- PostgreSQL as the store of record for several praxis-server instances: the same
-- tables as the embedded SQLite file's, less what every instance derives again from
-- the streams' changes (events, views, documents), which each instance keeps in a
-- cache of its own. Ids are uuids, times milliseconds since the epoch (bigint), as in
-- the SQLite file, so a row reads the same in both.

-- Who the server is: one row, written by the first instance that starts on an empty
-- database. Every instance records as this device, in this organisation stream.
CREATE TABLE server (
    only_row             boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- This database's own id: an instance's cache names the database it caches.
    id                   uuid NOT NULL,
    organisation_stream  uuid NOT NULL,
    device               uuid NOT NULL,
    person               uuid NOT NULL,
    name                 text NOT NULL,
    -- What shows that an instance holds the master key the data keys are wrapped
    -- under (praxis-core's keyring check), so a wrong key is refused at start.
    master_key_check     text NOT NULL
);

-- The tables every instance copies whole into its cache when they change (people,
-- teams, memberships, devices...): how many times they have changed.
CREATE TABLE directory (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version   bigint NOT NULL
);
INSERT INTO directory (version) VALUES (0);

-- The streams, as their first change made them known, with how far each has come:
-- the number of its last change, the last receipt, the last sync state written and
-- the last change to its keys
-- (an instance's cache catches up a stream from what is past its own counts).
CREATE TABLE streams (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL,
    name           text NOT NULL,
    collaborative  uuid,
    changes_seq    bigint NOT NULL DEFAULT 0,
    receipts_seq   bigint NOT NULL DEFAULT 0,
    sync_seq       bigint NOT NULL DEFAULT 0,
    keys_seq       bigint NOT NULL DEFAULT 0
);

-- Every Automerge change of every stream, numbered in each stream in the order the
-- server took them. Never compacted: an instance's cache folds them into documents.
CREATE TABLE changes (
    stream  uuid NOT NULL REFERENCES streams(id),
    seq     bigint NOT NULL,
    hash    bytea NOT NULL UNIQUE,
    bytes   bytea NOT NULL,
    PRIMARY KEY (stream, seq)
);

-- What the server and each device share of a stream (Automerge's sync state), so a
-- device may sync through any instance.
CREATE SEQUENCE sync_state_versions;
CREATE TABLE sync_states (
    stream   uuid NOT NULL REFERENCES streams(id),
    peer     text NOT NULL,
    state    bytea NOT NULL,
    version  bigint NOT NULL DEFAULT nextval('sync_state_versions'),
    PRIMARY KEY (stream, peer)
);
CREATE INDEX sync_states_by_version ON sync_states(stream, version);

-- The data keys that seal personal content, wrapped under the master key; erasure
-- destroys `wrapped`. `seq` numbers the changes to a stream's keys.
CREATE TABLE data_keys (
    id         uuid PRIMARY KEY,
    stream     uuid NOT NULL,
    subject    bytea,
    wrapped    bytea,
    made_at    bigint NOT NULL,
    erased_at  bigint,
    erasure    text,
    seq        bigint NOT NULL,
    UNIQUE (stream, seq)
);
CREATE INDEX data_keys_by_subject ON data_keys(subject, stream) WHERE subject IS NOT NULL;

CREATE TABLE erased_subjects (
    subject    bytea PRIMARY KEY,
    erased_at  bigint NOT NULL,
    erasure    text NOT NULL
);

CREATE TABLE collaboratives (
    stream  uuid PRIMARY KEY,
    name    text NOT NULL
);

CREATE TABLE teams (
    id             uuid PRIMARY KEY,
    collaborative  uuid NOT NULL REFERENCES collaboratives(stream),
    name           text NOT NULL,
    organisation   text NOT NULL,
    UNIQUE (collaborative, name)
);

CREATE TABLE people (
    id             uuid PRIMARY KEY,
    username       text NOT NULL UNIQUE,
    name           text NOT NULL,
    password_hash  text NOT NULL
);

-- A role for a whole collaborative or for one team.
CREATE TABLE memberships (
    id             uuid PRIMARY KEY,
    person         uuid NOT NULL REFERENCES people(id),
    role           text NOT NULL,
    collaborative  uuid,
    team           uuid,
    revoked_at     bigint,
    CHECK ((collaborative IS NULL) != (team IS NULL))
);
CREATE INDEX memberships_by_person ON memberships(person);

CREATE TABLE devices (
    id                uuid PRIMARY KEY,
    person            uuid NOT NULL REFERENCES people(id),
    name              text NOT NULL,
    token_hash        text NOT NULL UNIQUE,
    enrolled_at       bigint NOT NULL,
    token_expires_at  bigint NOT NULL,
    revoked_at        bigint,
    revoked_reason    text,
    last_sync_at      bigint,
    field_app         boolean NOT NULL DEFAULT false
);

-- Which team a project stream belongs to.
CREATE TABLE project_streams (
    stream  uuid PRIMARY KEY,
    team    uuid NOT NULL REFERENCES teams(id)
);

-- When each change reached the server, from which device, and the events it carries
-- (with why its event was held back, if it was). Append-only.
CREATE TABLE receipts (
    seq          bigserial PRIMARY KEY,
    stream       uuid NOT NULL,
    change_hash  text NOT NULL,
    device       uuid NOT NULL,
    received_at  bigint NOT NULL,
    events       text NOT NULL,
    refused      text
);
CREATE INDEX receipts_by_stream ON receipts(stream, seq);

-- Who read which records, when and through which route. Append-only.
CREATE TABLE access_log (
    seq     bigserial PRIMARY KEY,
    at      bigint NOT NULL,
    person  uuid NOT NULL,
    device  uuid NOT NULL,
    route   text NOT NULL,
    stream  uuid NOT NULL,
    record  uuid
);
CREATE INDEX access_log_by_stream ON access_log(stream, seq);

CREATE FUNCTION praxis_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % is append-only', TG_ARGV[0];
END $$;
CREATE TRIGGER receipts_are_never_changed BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION praxis_append_only('receipt log');
CREATE TRIGGER receipts_are_never_truncated BEFORE TRUNCATE ON receipts
    FOR EACH STATEMENT EXECUTE FUNCTION praxis_append_only('receipt log');
CREATE TRIGGER access_log_is_never_changed BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION praxis_append_only('access log');
CREATE TRIGGER access_log_is_never_truncated BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION praxis_append_only('access log');

-- Browser sessions, kept only as the SHA-256 of their cookie token, beside the token
-- every form of the session must carry (CSRF).
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,
    person      uuid NOT NULL REFERENCES people(id),
    csrf        text NOT NULL,
    created_at  bigint NOT NULL,
    expires_at  bigint NOT NULL,
    ended_at    bigint
);
CREATE INDEX sessions_by_person ON sessions(person);

-- The device a person's browser records under.
CREATE TABLE browser_devices (
    person  uuid PRIMARY KEY REFERENCES people(id),
    device  uuid NOT NULL REFERENCES devices(id)
);

-- Failed sign-ins per username and per client address, shared by every instance so
-- a limit holds whichever instance a request reaches.
CREATE TABLE sign_in_failures (
    key      text PRIMARY KEY,
    failed   integer NOT NULL,
    last_at  bigint NOT NULL
);

CREATE TABLE password_resets (
    token_hash  text PRIMARY KEY,
    person      uuid NOT NULL REFERENCES people(id),
    issued_by   uuid NOT NULL REFERENCES people(id),
    issued_at   bigint NOT NULL,
    expires_at  bigint NOT NULL,
    used_at     bigint
);
CREATE INDEX password_resets_by_person ON password_resets(person);

CREATE TABLE enrolment_codes (
    code_hash   text PRIMARY KEY,
    person      uuid NOT NULL REFERENCES people(id),
    issued_at   bigint NOT NULL,
    expires_at  bigint NOT NULL,
    used_at     bigint,
    device      uuid REFERENCES devices(id)
);
CREATE INDEX enrolment_codes_by_person ON enrolment_codes(person);

-- Sign-ins begun at the OpenID Connect provider and not yet back.
CREATE TABLE sso_sign_ins (
    state_hash      text PRIMARY KEY,
    browser_hash    text NOT NULL,
    pkce_verifier   text NOT NULL,
    nonce           text NOT NULL,
    next            text NOT NULL,
    expires_at      bigint NOT NULL
);
