//! One-time enrolment codes: a signed-in person makes one in the browser and types it
//! on a phone or terminal, which enrols as theirs with no password typed there. Both
//! issuing and spending a code run on the organisation stream's store, under its lock,
//! so a code is found and spent with nothing between; it is spent in the transaction
//! that records the device's enrolment, and nothing is recorded when it does not hold.

use super::columns::{blob, now_millis, uuid_of};
use super::devices;
use crate::storage::{EnrolledByCode, Result};
use praxis_core::domain::ids::{PersonId, StreamId};
use praxis_core::store::Store;
use rusqlite::{Connection, OptionalExtension, params};

const MINUTE_MILLIS: i64 = 60_000;

pub fn issue(
    conn: &Connection,
    person: PersonId,
    code_hash: &str,
    valid_minutes: i64,
) -> Result<()> {
    let now = now_millis();
    let tx = conn.unchecked_transaction()?;
    // A new code replaces any earlier one not yet used.
    tx.execute(
        "UPDATE enrolment_codes SET used_at = ?1 WHERE person = ?2 AND used_at IS NULL",
        params![now, blob(&person.0)],
    )?;
    tx.execute(
        "INSERT INTO enrolment_codes (code_hash, person, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![code_hash, blob(&person.0), now, now + valid_minutes * MINUTE_MILLIS],
    )?;
    tx.commit()?;
    Ok(())
}

/// Enrols a device for the person whose unused, unexpired code hashes to
/// `code_hash`, spending the code in the enrolment's transaction; `None`, with
/// nothing written, when there is no such code.
pub fn enrol(
    store: &mut Store,
    organisation: StreamId,
    code_hash: &str,
    name: &str,
    token_hash: &str,
    valid_hours: i64,
) -> Result<Option<EnrolledByCode>> {
    let now = now_millis();
    let found: Option<(Vec<u8>, String)> = store
        .connection()
        .query_row(
            "SELECT c.person, p.name FROM enrolment_codes c JOIN people p ON p.id = c.person WHERE c.code_hash = ?1 AND c.used_at IS NULL AND c.expires_at > ?2",
            params![code_hash, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((person, person_name)) = found else {
        return Ok(None);
    };
    let person = PersonId(uuid_of(&person)?);
    let code_hash = code_hash.to_string();
    let device = devices::enrol_device_and(
        store,
        organisation,
        person,
        name,
        token_hash,
        valid_hours,
        move |tx, device| {
            tx.execute(
                "UPDATE enrolment_codes SET used_at = ?1, device = ?2 WHERE code_hash = ?3",
                params![now, blob(&device.0), code_hash],
            )?;
            Ok(())
        },
    )?;
    Ok(Some(EnrolledByCode {
        person,
        name: person_name,
        device,
    }))
}
