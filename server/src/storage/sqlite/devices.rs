//! Devices: enrolment, look-up by token, revocation, and each person's browser
//! device. Enrolling and revoking are organisation events, made on its store.

use super::columns::{blob, now_millis, timestamp, uuid_of};
use super::people::administer;
use crate::storage::{Device, DeviceStatus, Result, StorageError};
use praxis_core::domain::event::Event;
use praxis_core::domain::ids::{DeviceId, PersonId, StreamId};
use praxis_core::store::Store;
use rusqlite::{Connection, OptionalExtension, params};

const HOUR_MILLIS: i64 = 3_600_000;

const DEVICE_COLUMNS: &str = "d.id, d.person, p.name, d.name, d.enrolled_at, d.token_expires_at, d.revoked_at, d.revoked_reason, d.last_sync_at, d.field_app FROM devices d JOIN people p ON p.id = d.person";

struct DeviceRow {
    id: Vec<u8>,
    person: Vec<u8>,
    person_name: String,
    name: String,
    enrolled_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
    last_sync_at: Option<i64>,
    field_app: bool,
}

impl DeviceRow {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
        Ok(DeviceRow {
            id: r.get(0)?,
            person: r.get(1)?,
            person_name: r.get(2)?,
            name: r.get(3)?,
            enrolled_at: r.get(4)?,
            expires_at: r.get(5)?,
            revoked_at: r.get(6)?,
            revoked_reason: r.get(7)?,
            last_sync_at: r.get(8)?,
            field_app: r.get(9)?,
        })
    }

    fn into_device(self) -> Result<Device> {
        let status = match (self.revoked_at, now_millis() > self.expires_at) {
            (Some(at), _) => DeviceStatus::Revoked {
                at: timestamp(at),
                reason: self.revoked_reason.unwrap_or_default(),
            },
            (None, true) => DeviceStatus::Expired {
                at: timestamp(self.expires_at),
            },
            (None, false) => DeviceStatus::Active,
        };
        Ok(Device {
            id: DeviceId(uuid_of(&self.id)?),
            person: PersonId(uuid_of(&self.person)?),
            person_name: self.person_name,
            name: self.name,
            enrolled_at: timestamp(self.enrolled_at),
            last_sync_at: self.last_sync_at.map(timestamp),
            field_app: self.field_app,
            status,
        })
    }
}

pub fn enrol_device(
    store: &mut Store,
    organisation: StreamId,
    person: PersonId,
    name: &str,
    token_hash: &str,
    valid_hours: i64,
) -> Result<DeviceId> {
    enrol_device_and(
        store,
        organisation,
        person,
        name,
        token_hash,
        valid_hours,
        |_, _| Ok(()),
    )
}

/// Enrols a device as `enrol_device` does, and writes what `also` writes about it in
/// the same transaction: all of it commits or none of it does.
pub fn enrol_device_and(
    store: &mut Store,
    organisation: StreamId,
    person: PersonId,
    name: &str,
    token_hash: &str,
    valid_hours: i64,
    also: impl FnOnce(&Connection, DeviceId) -> rusqlite::Result<()>,
) -> Result<DeviceId> {
    let device = DeviceId::new();
    let event = Event::DeviceEnrolled {
        device,
        person,
        name: name.to_string(),
    };
    let (name, token_hash) = (name.to_string(), token_hash.to_string());
    administer(store, organisation, event, |tx, _| {
        let now = now_millis();
        tx.execute(
            "INSERT INTO devices (id, person, name, token_hash, enrolled_at, token_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![blob(&device.0), blob(&person.0), name, token_hash, now, now + valid_hours * HOUR_MILLIS],
        )?;
        also(tx, device)?;
        Ok(())
    })?;
    Ok(device)
}

pub fn device_by_token(conn: &Connection, token_hash: &str) -> Result<Option<Device>> {
    let row = conn
        .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} WHERE d.token_hash = ?1"))?
        .query_row([token_hash], DeviceRow::read)
        .optional()?;
    row.map(DeviceRow::into_device).transpose()
}

pub fn devices(conn: &Connection) -> Result<Vec<Device>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {DEVICE_COLUMNS} ORDER BY d.enrolled_at"))?;
    let rows = stmt
        .query_map([], DeviceRow::read)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter().map(DeviceRow::into_device).collect()
}

pub fn revoke_device(
    store: &mut Store,
    organisation: StreamId,
    device: DeviceId,
    reason: &str,
) -> Result<()> {
    if !devices(store.connection())?.iter().any(|d| {
        d.id == device
            && matches!(
                d.status,
                DeviceStatus::Active | DeviceStatus::Expired { .. }
            )
    }) {
        return Err(StorageError::NotFound(format!(
            "There is no device {device} that is not already revoked."
        )));
    }
    let event = Event::DeviceRevoked {
        device,
        reason: reason.to_string(),
    };
    let reason = reason.to_string();
    administer(store, organisation, event, |tx, _| {
        tx.execute(
            "UPDATE devices SET revoked_at = ?1, revoked_reason = ?2 WHERE id = ?3",
            params![now_millis(), reason, blob(&device.0)],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// The person's browser device, revoked or not, enrolled if they have none yet, with
/// a token no one is ever given (so it can never sync), revocable like any other.
pub fn browser_device_id(
    store: &mut Store,
    organisation: StreamId,
    person: PersonId,
) -> Result<DeviceId> {
    let existing: Option<Vec<u8>> = store
        .connection()
        .prepare_cached("SELECT device FROM browser_devices WHERE person = ?1")?
        .query_row([blob(&person.0)], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(DeviceId(uuid_of(&id)?));
    }
    let unusable = crate::credentials::token_hash(
        &crate::credentials::new_token().map_err(|e| StorageError::Unusable(e.to_string()))?,
    );
    let device = enrol_device(
        store,
        organisation,
        person,
        "Web browser",
        &unusable,
        365 * 100 * 24,
    )?;
    store.connection().execute(
        "INSERT INTO browser_devices (person, device) VALUES (?1, ?2)",
        params![blob(&person.0), blob(&device.0)],
    )?;
    Ok(device)
}

/// The device `person`'s browser records under; refused when it was revoked.
pub fn browser_device(
    store: &mut Store,
    organisation: StreamId,
    person: PersonId,
) -> Result<DeviceId> {
    let device = browser_device_id(store, organisation, person)?;
    if let Some(d) = devices(store.connection())?
        .into_iter()
        .find(|d| d.id == device)
        && let DeviceStatus::Revoked { at, reason } = d.status
    {
        return Err(StorageError::DeviceRevoked { at, reason });
    }
    Ok(device)
}

/// Marks a device as the field app's (see `004_field_devices.sql`).
pub fn mark_field_app(conn: &Connection, device: DeviceId) -> Result<()> {
    conn.prepare_cached("UPDATE devices SET field_app = 1 WHERE id = ?1")?
        .execute([blob(&device.0)])?;
    Ok(())
}

/// Gives `device`, one of `person`'s field app devices that was not revoked, a new token valid for
/// `valid_hours` (the old one stops working). False when there is no such device.
pub fn renew_token(
    conn: &Connection,
    device: DeviceId,
    person: PersonId,
    token_hash: &str,
    valid_hours: i64,
) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE devices SET token_hash = ?1, token_expires_at = ?2 WHERE id = ?3 AND person = ?4 AND revoked_at IS NULL AND field_app = 1",
        )?
        .execute(params![
            token_hash,
            now_millis() + valid_hours * HOUR_MILLIS,
            blob(&device.0),
            blob(&person.0)
        ])?;
    Ok(changed == 1)
}

/// Ends `device`'s token now (its person signed out of it); signing in again gives
/// it a new one.
pub fn end_token(conn: &Connection, device: DeviceId) -> Result<()> {
    conn.prepare_cached("UPDATE devices SET token_expires_at = ?1 WHERE id = ?2")?
        .execute(params![now_millis(), blob(&device.0)])?;
    Ok(())
}
