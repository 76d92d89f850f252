-- Sign-ins begun at the OpenID Connect provider and not yet back: the state sent to
-- the provider (as its SHA-256), the hash of the browser's binding cookie, the PKCE
-- verifier and nonce to check the answer with, and the page to go on to. Each is
-- taken once, when the provider sends the browser back, and not after it expires.
CREATE TABLE sso_sign_ins (
    state_hash      TEXT PRIMARY KEY,
    browser_hash    TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    next            TEXT NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;
