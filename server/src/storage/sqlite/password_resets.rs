//! One-time codes for setting a password: an administrator issues one for a person
//! (a new person, or one who forgot theirs) and gives it to them; they set their own
//! password with it, once, before it expires. No password is ever sent anywhere.

use super::columns::{blob, now_millis, uuid_of};
use crate::storage::{PasswordReset, Result, StorageError};
use praxis_core::domain::ids::PersonId;
use rusqlite::{Connection, OptionalExtension, params};

const HOUR_MILLIS: i64 = 3_600_000;

pub fn issue(
    conn: &Connection,
    person: PersonId,
    issued_by: PersonId,
    token_hash: &str,
    valid_hours: i64,
) -> Result<()> {
    let now = now_millis();
    let tx = conn.unchecked_transaction()?;
    // A new code replaces any earlier one not yet used.
    tx.execute(
        "UPDATE password_resets SET used_at = ?1 WHERE person = ?2 AND used_at IS NULL",
        params![now, blob(&person.0)],
    )?;
    tx.execute(
        "INSERT INTO password_resets (token_hash, person, issued_by, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token_hash,
            blob(&person.0),
            blob(&issued_by.0),
            now,
            now + valid_hours * HOUR_MILLIS
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// Sets the password of the person `username` names, with the code whose hash is
/// `token_hash`, in one transaction that also spends the code.
pub fn redeem(
    conn: &Connection,
    username: &str,
    token_hash: &str,
    password_hash: &str,
) -> Result<PersonId> {
    let refused = || {
        StorageError::NotAllowed(
            "That code is not one for this username, or it was used or has expired. Ask an administrator for a new one.".into(),
        )
    };
    let tx = conn.unchecked_transaction()?;
    let found: Option<(Vec<u8>, i64, Option<i64>)> = tx
        .query_row(
            "SELECT r.person, r.expires_at, r.used_at FROM password_resets r JOIN people p ON p.id = r.person WHERE r.token_hash = ?1 AND p.username = ?2",
            params![token_hash, username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((person, expires_at, used_at)) = found else {
        return Err(refused());
    };
    let now = now_millis();
    if used_at.is_some() || expires_at < now {
        return Err(refused());
    }
    tx.execute(
        "UPDATE password_resets SET used_at = ?1 WHERE token_hash = ?2",
        params![now, token_hash],
    )?;
    tx.execute(
        "UPDATE people SET password_hash = ?1 WHERE id = ?2",
        params![password_hash, person],
    )?;
    tx.commit()?;
    Ok(PersonId(uuid_of(&person)?))
}

/// The codes issued, newest first.
pub fn resets(conn: &Connection) -> Result<Vec<PasswordReset>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person, issued_by, issued_at, expires_at, used_at FROM password_resets ORDER BY issued_at DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(person, by, issued_at, expires_at, used_at)| {
            Ok(PasswordReset {
                person: PersonId(uuid_of(&person)?),
                issued_by: PersonId(uuid_of(&by)?),
                issued_at,
                expires_at,
                used_at,
            })
        })
        .collect()
}
