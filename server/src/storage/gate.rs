//! What the server checks of every change a device sends before any of it is applied:
//! it comes from the device's own actor, its event is authored by the device's person
//! on this device, and one of the person's roles for the stream may record that kind.
//! (The domain's own rules are checked by the store.) Accepted changes go into the
//! receipt log in the same transaction, and each round notes when the device last synced.

use super::receipts::{Receipt, write_receipt};
use super::{Device, Team};
use praxis_core::domain::access::{Access, Held, Place, access};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::replication::{IncomingChange, device_actor};
use praxis_core::store::{Gate, StoreError};
use rusqlite::{Connection, params};

/// More new changes than this in one message are refused: sync in smaller steps.
pub const MAX_CHANGES_PER_MESSAGE: usize = 50_000;

pub struct DeviceGate<'a> {
    pub device: &'a Device,
    pub stream: StreamId,
    /// The person's access to the stream; `None` when the stream is new to the server.
    pub access: Option<Access>,
    /// The memberships the person holds now, for a new project's roles.
    pub held: Vec<Held>,
    pub teams: Vec<Team>,
    /// The team of a new project stream and the person's roles for it, once its
    /// `ProjectStarted` was admitted.
    pub new_project: Option<(EventId, Vec<Role>)>,
    pub received_at: i64,
    pub admitted: usize,
}

fn roles_text(roles: &[Role]) -> String {
    if roles.is_empty() {
        return "no role".into();
    }
    roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(" or ")
}

impl Gate for DeviceGate<'_> {
    fn admit(&mut self, change: &IncomingChange, envelope: &Envelope) -> Result<(), String> {
        self.admitted += 1;
        if self.admitted > MAX_CHANGES_PER_MESSAGE {
            return Err(format!(
                "more than {MAX_CHANGES_PER_MESSAGE} new changes in one message; sync in smaller steps"
            ));
        }
        if change.actor != device_actor(self.device.id) {
            return Err(format!(
                "the change was made by actor {}, not by this device's actor; a device may only send its own changes",
                change.actor
            ));
        }
        if envelope.device != self.device.id {
            return Err(format!(
                "the event names device {}, not this device",
                envelope.device
            ));
        }
        if envelope.author != self.device.person {
            return Err(format!(
                "the event is authored by {}, not by the person this device is enrolled for",
                envelope.author
            ));
        }
        let Some(event) = envelope.event() else {
            return Err(format!(
                "schema version {} is not one this server knows",
                envelope.schema
            ));
        };
        let kind = event.kind();
        if kind.is_administrative() {
            return Err("people, teams, memberships and devices are recorded by administrators on the server".into());
        }
        let roles = match (&self.access, &self.new_project, event) {
            (Some(access), _, _) => {
                if access.read_only {
                    return Err(format!(
                        "{} may read this stream but not record in it",
                        roles_text(&access.roles)
                    ));
                }
                access.roles.clone()
            }
            (None, None, Event::ProjectStarted(p)) => {
                let Some(team) = self
                    .teams
                    .iter()
                    .find(|t| t.collaborative == p.collaborative && t.name == p.team)
                    .map(|t| t.id)
                else {
                    return Err(format!(
                        "there is no team '{}' in that collaborative on the server; ask an administrator to add it",
                        p.team
                    ));
                };
                let place = Place::Project {
                    collaborative: p.collaborative,
                    team,
                };
                let roles = access(&self.held, place)
                    .map(|a| a.roles)
                    .unwrap_or_default();
                self.new_project = Some((team, roles.clone()));
                roles
            }
            (None, Some((_, roles)), _) => roles.clone(),
            (None, None, _) => {
                return Err(
                    "this stream is new to the server and does not begin with its project".into(),
                );
            }
        };
        if !roles.iter().any(|r| r.may_record(kind)) {
            return Err(format!(
                "{} may not record a {} here",
                roles_text(&roles),
                kind.name()
            ));
        }
        if kind == EventKind::ProjectStarted && self.access.is_some() {
            return Err("this stream already has its project".into());
        }
        Ok(())
    }

    fn accepted(&mut self, tx: &Connection, changes: &[IncomingChange]) -> Result<(), StoreError> {
        for change in changes {
            let events = change
                .events
                .iter()
                .map(|b| Envelope::decode(b).map(|e| e.id))
                .collect::<Result<Vec<EventId>, _>>()?;
            write_receipt(
                tx,
                &Receipt {
                    stream: self.stream,
                    change_hash: &change.hash,
                    device: self.device.id,
                    received_at: self.received_at,
                    events: &events,
                },
            )?;
        }
        if let Some((team, _)) = self.new_project {
            tx.execute(
                "INSERT OR IGNORE INTO project_streams (stream, team) VALUES (?1, ?2)",
                params![
                    self.stream.as_uuid().as_bytes().as_slice(),
                    team.as_uuid().as_bytes().as_slice()
                ],
            )?;
        }
        Ok(())
    }

    fn round(&mut self, tx: &Connection) -> Result<(), StoreError> {
        tx.prepare_cached("UPDATE devices SET last_sync_at = ?1 WHERE id = ?2")?
            .execute(params![
                self.received_at,
                self.device.id.as_uuid().as_bytes().as_slice()
            ])?;
        Ok(())
    }
}
