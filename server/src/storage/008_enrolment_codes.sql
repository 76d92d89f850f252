-- One-time codes a signed-in person makes in the browser to enrol a device of theirs
-- without typing a password on it: only the code's hash is kept; a code enrols one
-- device, once, before it expires, and a newer code spends the person's earlier one.
CREATE TABLE enrolment_codes (
    code_hash   TEXT PRIMARY KEY,
    person      BLOB NOT NULL REFERENCES people(id),
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    device      BLOB REFERENCES devices(id)
) STRICT;
CREATE INDEX enrolment_codes_by_person ON enrolment_codes(person);
