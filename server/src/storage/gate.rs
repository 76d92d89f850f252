//! What the server checks of every change a device sends before any of it is applied.
//!
//! **Authentic or not.** A change must come from the device's own actor, carry one
//! event of a schema the server reads, authored by the device's person on this device,
//! of a kind devices record, in a stream the server knows or a new project the person
//! may start. A change that fails any of these is not what it claims to be: the whole
//! message is refused and nothing of it is kept.
//!
//! An auditor records nothing anywhere: their change is refused too.
//!
//! **Permitted or not.** An authentic change whose event the person's roles for the
//! stream do not allow now (a role that ended while the device was offline), or that
//! the domain's rules refuse at the server, is *held back*: kept in the history,
//! receipted with the reason, left out of every view, and named by a `Quarantined`
//! event the server records in the same transaction. What the device recorded after it
//! goes through. A coordinator may release it, or its author withdraw it.
//!
//! Accepted and held changes go into the receipt log in the same transaction, and each
//! round notes when the device last synced.

use super::receipts::{Receipt, write_receipt};
use super::{Device, Team};
use praxis_core::domain::access::{Access, Held, Place, access};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::replication::{IncomingChange, device_actor};
use praxis_core::store::{Gate, HeldBack, NotAdmitted, RefusedChange, StoreError};
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
    /// A new project stream's `ProjectStarted`, its team and the person's roles for
    /// it, once that event was admitted.
    pub new_project: Option<(EventId, EventId, Vec<Role>)>,
    pub received_at: i64,
    pub admitted: usize,
    /// Whether what may not be applied is held back (a device that keeps a replica) or
    /// refused (the field app, which keeps none and can send a record again).
    pub holds: bool,
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
    fn admit(&mut self, change: &IncomingChange, envelope: &Envelope) -> Result<(), NotAdmitted> {
        self.check(change, envelope)
    }

    fn accepted(
        &mut self,
        tx: &Connection,
        changes: &[IncomingChange],
        held: &[HeldBack],
    ) -> Result<(), StoreError> {
        if let Some((started, _, _)) = &self.new_project
            && let Some(h) = held.iter().find(|h| h.event == *started)
        {
            // A new project whose start the server cannot take has nothing to hold
            // anything in: the whole message is refused.
            return Err(StoreError::ChangesRefused(vec![RefusedChange {
                change: String::new(),
                event: Some(h.event),
                kind: Some(h.kind.clone()),
                reason: h.reason.clone(),
            }]));
        }
        let mut unsealable = Vec::new();
        let mut unsealer = praxis_core::store::Unsealer::default();
        for change in changes {
            for bytes in &change.events {
                let envelope = Envelope::decode(bytes)?;
                if let Some(event) = envelope.event()
                    && let Some(reason) = unsealer.unsealable(tx, event)?
                {
                    unsealable.push(RefusedChange {
                        change: change.hash.to_string(),
                        event: Some(envelope.id),
                        kind: Some(envelope.kind_name().to_string()),
                        reason: format!("The {} cannot be taken: {reason}.", envelope.kind_name()),
                    });
                }
            }
        }
        if !unsealable.is_empty() {
            return Err(StoreError::ChangesRefused(unsealable));
        }
        for change in changes {
            let events = change
                .events
                .iter()
                .map(|b| Envelope::decode(b).map(|e| e.id))
                .collect::<Result<Vec<EventId>, _>>()?;
            let refused = held
                .iter()
                .find(|h| events.contains(&h.event))
                .map(|h| h.reason.as_str());
            write_receipt(
                tx,
                &Receipt {
                    stream: self.stream,
                    change_hash: &change.hash,
                    device: self.device.id,
                    received_at: self.received_at,
                    events: &events,
                    refused,
                },
            )?;
        }
        if let Some((_, team, _)) = &self.new_project {
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

    fn holds(&self) -> bool {
        self.holds
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

impl DeviceGate<'_> {
    fn check(&mut self, change: &IncomingChange, envelope: &Envelope) -> Result<(), NotAdmitted> {
        use NotAdmitted::{Hold, Refuse};
        self.admitted += 1;
        if self.admitted > MAX_CHANGES_PER_MESSAGE {
            return Err(Refuse(format!(
                "more than {MAX_CHANGES_PER_MESSAGE} new changes in one message; sync in smaller steps"
            )));
        }
        if change.actor != device_actor(self.device.id) {
            return Err(Refuse(format!(
                "the change was made by actor {}, not by this device's actor; a device may only send its own changes",
                change.actor
            )));
        }
        if envelope.device != self.device.id {
            return Err(Refuse(format!(
                "the event names device {}, not this device",
                envelope.device
            )));
        }
        if envelope.author != self.device.person {
            return Err(Refuse(format!(
                "the event is authored by {}, not by the person this device is enrolled for",
                envelope.author
            )));
        }
        let Some(event) = envelope.event() else {
            return Err(Refuse(format!(
                "schema version {} is not one this server knows",
                envelope.schema
            )));
        };
        let kind = event.kind();
        if kind.is_administrative() {
            return Err(Refuse("people, teams, memberships and devices are recorded by administrators on the server".into()));
        }
        if kind.is_servers_own() {
            return Err(Refuse(format!(
                "a {} is recorded by the server only",
                kind.name()
            )));
        }
        let roles = match (&self.access, &self.new_project, event) {
            (Some(access), _, _) => {
                if access.read_only {
                    let reason = format!(
                        "{} may read this stream but not record in it",
                        roles_text(&access.roles)
                    );
                    // Auditors record nothing, so nothing of theirs is held either.
                    return Err(if access.roles.iter().all(|r| *r == Role::Auditor) {
                        Refuse(reason)
                    } else {
                        Hold(reason)
                    });
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
                    return Err(Refuse(format!(
                        "there is no team '{}' in that collaborative on the server; ask an administrator to add it",
                        p.team
                    )));
                };
                let place = Place::Project {
                    collaborative: p.collaborative,
                    team,
                };
                let roles = access(&self.held, place)
                    .map(|a| a.roles)
                    .unwrap_or_default();
                self.new_project = Some((envelope.id, team, roles.clone()));
                roles
            }
            (None, Some((_, _, roles)), _) => roles.clone(),
            (None, None, _) => {
                return Err(Refuse(
                    "this stream is new to the server and does not begin with its project".into(),
                ));
            }
        };
        if !roles.iter().any(|r| r.may_record(kind)) {
            let reason = format!(
                "{} may not record a {} here",
                roles_text(&roles),
                kind.name()
            );
            // In a stream the server knows, the change is held back; a new project
            // the person may not start has nothing to hold it in.
            return Err(if self.access.is_some() {
                Hold(reason)
            } else {
                Refuse(reason)
            });
        }
        if kind == EventKind::ProjectStarted && self.access.is_some() {
            return Err(Hold("this stream already has its project".into()));
        }
        Ok(())
    }
}
