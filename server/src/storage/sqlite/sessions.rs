//! Browser sessions, kept only as the SHA-256 of their cookie token.

use super::columns::{blob, now_millis, uuid_of};
use crate::storage::{Result, SsoSignIn, WebSession};
use praxis_core::domain::ids::PersonId;
use rusqlite::{Connection, OptionalExtension, params};

pub fn start_session(
    conn: &Connection,
    person: PersonId,
    token_hash: &str,
    csrf: &str,
    hours: i64,
) -> Result<()> {
    let now = now_millis();
    conn.execute(
        "INSERT INTO sessions (token_hash, person, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash, blob(&person.0), csrf, now, now + hours * 3_600_000],
    )?;
    Ok(())
}

/// The live session whose cookie token hashes to `token_hash`.
pub fn session(conn: &Connection, token_hash: &str) -> Result<Option<WebSession>> {
    let row: Option<(Vec<u8>, String, String, String)> = conn
        .prepare_cached(
            "SELECT p.id, p.username, p.name, s.csrf FROM sessions s JOIN people p ON p.id = s.person
             WHERE s.token_hash = ?1 AND s.ended_at IS NULL AND s.expires_at > ?2",
        )?
        .query_row(params![token_hash, now_millis()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(id, username, name, csrf)| {
        Ok(WebSession {
            person: PersonId(uuid_of(&id)?),
            username,
            name,
            csrf,
        })
    })
    .transpose()
}

pub fn end_session(conn: &Connection, token_hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET ended_at = ?1 WHERE token_hash = ?2 AND ended_at IS NULL",
        params![now_millis(), token_hash],
    )?;
    Ok(())
}

/// Remembers a sign-in begun at the provider for `minutes`, forgetting those expired.
pub fn begin_sso_sign_in(
    conn: &Connection,
    state_hash: &str,
    pending: &SsoSignIn,
    minutes: i64,
) -> Result<()> {
    let now = now_millis();
    let tx = conn.unchecked_transaction()?;
    tx.execute("DELETE FROM sso_sign_ins WHERE expires_at <= ?1", [now])?;
    tx.execute(
        "INSERT INTO sso_sign_ins (state_hash, browser_hash, pkce_verifier, nonce, next, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            state_hash,
            pending.browser_hash,
            pending.pkce_verifier,
            pending.nonce,
            pending.next,
            now + minutes * 60_000
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// Takes (and deletes) the live sign-in begun with the state hashing to `state_hash`.
pub fn take_sso_sign_in(conn: &Connection, state_hash: &str) -> Result<Option<SsoSignIn>> {
    let tx = conn.unchecked_transaction()?;
    let found: Option<(SsoSignIn, i64)> = tx
        .query_row(
            "SELECT browser_hash, pkce_verifier, nonce, next, expires_at FROM sso_sign_ins WHERE state_hash = ?1",
            [state_hash],
            |r| {
                Ok((
                    SsoSignIn {
                        browser_hash: r.get(0)?,
                        pkce_verifier: r.get(1)?,
                        nonce: r.get(2)?,
                        next: r.get(3)?,
                    },
                    r.get(4)?,
                ))
            },
        )
        .optional()?;
    tx.execute(
        "DELETE FROM sso_sign_ins WHERE state_hash = ?1",
        [state_hash],
    )?;
    tx.commit()?;
    Ok(found.and_then(|(pending, expires_at)| (expires_at > now_millis()).then_some(pending)))
}
