//! What the server checks of every change a device sends before any of it is applied:
//! it comes from the device's own actor, its event is authored by the device's person
//! on this device, and one of the person's roles for the stream may record that kind.
//! (The domain's own rules are checked by the store.) Accepted changes go into the
//! receipt log in the same transaction.

use super::{Device, Membership, StreamAccess, Team};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind, Scope};
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
    pub access: Option<StreamAccess>,
    pub memberships: Vec<Membership>,
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

impl DeviceGate<'_> {
    fn roles_for_new_project(&self, collaborative: StreamId, team: EventId) -> Vec<Role> {
        self.memberships
            .iter()
            .filter(|m| !m.revoked() && m.person == self.device.person)
            .filter(|m| {
                m.scope == Scope::Team(team) || m.scope == Scope::Collaborative(collaborative)
            })
            .map(|m| m.role)
            .collect()
    }
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
                let roles = self.roles_for_new_project(p.collaborative, team);
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
        let mut insert = tx.prepare_cached(
            "INSERT INTO receipts (stream, change_hash, device, received_at, events) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for change in changes {
            let events: Vec<String> = change
                .events
                .iter()
                .filter_map(|b| Envelope::decode(b).ok())
                .map(|e| e.id.to_string())
                .collect();
            insert.execute(params![
                self.stream.as_uuid().as_bytes().as_slice(),
                change.hash.to_string(),
                self.device.id.as_uuid().as_bytes().as_slice(),
                self.received_at,
                serde_json::to_string(&events).unwrap_or_default(),
            ])?;
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
}
