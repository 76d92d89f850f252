//! What every instance shares at once, read and written in PostgreSQL itself, never
//! cached: browser sessions, sign-ins begun at the OpenID Connect provider, failed
//! sign-ins (so a limit holds whichever instance a request reaches), and the access
//! log. The same statements as the SQLite file's (`sqlite/sessions.rs`,
//! `sign_in_failures.rs`, `access_log.rs`), in PostgreSQL's words.

use crate::storage::{AccessEntry, Result, SsoSignIn, WebSession};
use postgres::GenericClient;
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use uuid::Uuid;

fn now_millis() -> i64 {
    praxis_core::domain::hlc::wall_millis_now() as i64
}

pub fn start_session(
    c: &mut impl GenericClient,
    person: PersonId,
    token_hash: &str,
    csrf: &str,
    hours: i64,
) -> Result<()> {
    let now = now_millis();
    c.execute(
        "INSERT INTO sessions (token_hash, person, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[&token_hash, &person.0, &csrf, &now, &(now + hours * 3_600_000)],
    )?;
    Ok(())
}

/// The live session whose cookie token hashes to `token_hash`.
pub fn session(c: &mut impl GenericClient, token_hash: &str) -> Result<Option<WebSession>> {
    let row = c.query_opt(
        "SELECT p.id, p.username, p.name, s.csrf FROM sessions s JOIN people p ON p.id = s.person
         WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2",
        &[&token_hash, &now_millis()],
    )?;
    Ok(row.map(|r| WebSession {
        person: PersonId(r.get::<_, Uuid>(0)),
        username: r.get(1),
        name: r.get(2),
        csrf: r.get(3),
    }))
}

pub fn end_session(c: &mut impl GenericClient, token_hash: &str) -> Result<()> {
    c.execute(
        "UPDATE sessions SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL",
        &[&now_millis(), &token_hash],
    )?;
    Ok(())
}

/// Remembers a sign-in begun at the provider for `minutes`, forgetting those expired.
pub fn begin_sso_sign_in(
    c: &mut postgres::Client,
    state_hash: &str,
    pending: &SsoSignIn,
    minutes: i64,
) -> Result<()> {
    let now = now_millis();
    let mut tx = c.transaction()?;
    tx.execute("DELETE FROM sso_sign_ins WHERE expires_at <= $1", &[&now])?;
    tx.execute(
        "INSERT INTO sso_sign_ins (state_hash, browser_hash, pkce_verifier, nonce, next, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &state_hash,
            &pending.browser_hash,
            &pending.pkce_verifier,
            &pending.nonce,
            &pending.next,
            &(now + minutes * 60_000),
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// Takes (and deletes) the live sign-in begun with the state hashing to `state_hash`:
/// one statement, so two instances given the same state cannot both take it.
pub fn take_sso_sign_in(c: &mut impl GenericClient, state_hash: &str) -> Result<Option<SsoSignIn>> {
    let row = c.query_opt(
        "DELETE FROM sso_sign_ins WHERE state_hash = $1
         RETURNING browser_hash, pkce_verifier, nonce, next, expires_at",
        &[&state_hash],
    )?;
    Ok(row.and_then(|r| {
        let expires_at: i64 = r.get(4);
        (expires_at > now_millis()).then(|| SsoSignIn {
            browser_hash: r.get(0),
            pkce_verifier: r.get(1),
            nonce: r.get(2),
            next: r.get(3),
        })
    }))
}

/// (failures, milliseconds since the last) for `key`, if it has any.
pub fn sign_in_failures(c: &mut impl GenericClient, key: &str) -> Result<Option<(u32, i64)>> {
    let row = c.query_opt(
        "SELECT failed, last_at FROM sign_in_failures WHERE key = $1",
        &[&key],
    )?;
    Ok(row.map(|r| {
        let failed: i32 = r.get(0);
        let last: i64 = r.get(1);
        (failed.max(0) as u32, now_millis() - last)
    }))
}

/// Counts one more failure for each key; a count whose last failure is older than
/// `forget_after_ms` starts again at one.
pub fn fail_sign_in(c: &mut postgres::Client, keys: &[String], forget_after_ms: i64) -> Result<()> {
    let now = now_millis();
    let mut tx = c.transaction()?;
    for key in keys {
        tx.execute(
            "INSERT INTO sign_in_failures (key, failed, last_at) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
                 failed = CASE WHEN $2 - sign_in_failures.last_at > $3 THEN 1 ELSE sign_in_failures.failed + 1 END,
                 last_at = $2",
            &[key, &now, &forget_after_ms],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub fn clear_sign_in_failures(c: &mut impl GenericClient, key: &str) -> Result<()> {
    c.execute("DELETE FROM sign_in_failures WHERE key = $1", &[&key])?;
    Ok(())
}

/// Appends, in one transaction, that `person` on `device` read each of `reads`.
pub fn log_access(
    c: &mut postgres::Client,
    person: PersonId,
    device: DeviceId,
    route: &str,
    reads: &[(StreamId, Option<EventId>)],
) -> Result<()> {
    let at = now_millis();
    let mut tx = c.transaction()?;
    let insert = tx.prepare(
        "INSERT INTO access_log (at, person, device, route, stream, record) VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    for (stream, record) in reads {
        let record: Option<Uuid> = record.map(|r| r.0);
        tx.execute(
            &insert,
            &[&at, &person.0, &device.0, &route, &stream.0, &record],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The access log of some streams, oldest first.
pub fn access_log(c: &mut impl GenericClient, streams: &[StreamId]) -> Result<Vec<AccessEntry>> {
    let ids: Vec<Uuid> = streams.iter().map(|s| s.0).collect();
    let rows = c.query(
        "SELECT seq, at, person, device, route, stream, record FROM access_log
         WHERE stream = ANY($1) ORDER BY seq",
        &[&ids],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| AccessEntry {
            seq: r.get(0),
            at: r.get(1),
            person: PersonId(r.get(2)),
            device: DeviceId(r.get(3)),
            route: r.get(4),
            stream: StreamId(r.get(5)),
            record: r.get::<_, Option<Uuid>>(6).map(EventId),
        })
        .collect())
}

/// A receipt as both engines read it: seq, change hash, device id (16 bytes), when
/// (milliseconds), the events (a JSON list), and why held back.
pub type ReceiptRow = (i64, String, Vec<u8>, i64, String, Option<String>);

/// A stream's receipts in order, with PostgreSQL's numbers, the same whichever
/// instance reads them.
pub fn receipt_rows(c: &mut impl GenericClient, stream: StreamId) -> Result<Vec<ReceiptRow>> {
    Ok(c.query(
        "SELECT seq, change_hash, device, received_at, events, refused FROM receipts
             WHERE stream = $1 ORDER BY seq",
        &[&stream.0],
    )?
    .into_iter()
    .map(|r| {
        let device: Uuid = r.get(2);
        (
            r.get(0),
            r.get(1),
            device.as_bytes().to_vec(),
            r.get(3),
            r.get(4),
            r.get(5),
        )
    })
    .collect())
}

/// When each device last synced (milliseconds), through any instance.
pub fn last_syncs(
    c: &mut impl GenericClient,
) -> Result<std::collections::HashMap<Uuid, Option<i64>>> {
    Ok(c.query("SELECT id, last_sync_at FROM devices", &[])?
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}
