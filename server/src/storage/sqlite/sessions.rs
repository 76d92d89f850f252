//! Browser sessions, kept only as the SHA-256 of their cookie token.

use super::columns::{blob, now_millis, uuid_of};
use crate::storage::{Result, WebSession};
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
