//! A demo person's enrolled device: a client store of its own that records offline
//! and syncs with the server through the same session a phone runs over HTTP,
//! carried to [`Storage::sync`] in process.

use super::{DEVICE_DAYS, Result, Seeder, internal};
use crate::auth::{new_token, token_hash};
use crate::storage::{Device, SqliteStorage, Storage};
use crate::transport::InProcess;
use praxis_core::domain::event::Event;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Identity, Store};
use praxis_core::sync::{NoProgress, Retry, sync_stream};
use std::sync::atomic::AtomicBool;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// When a person's device is back in range and syncs what it recorded: the same
/// evening, or (a field worker often out of signal) only on Fridays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Habit {
    Evenings,
    Fridays,
}

/// A demo person's enrolled device with its own client store.
pub(super) struct Phone {
    pub(super) username: &'static str,
    device: Device,
    pub(super) store: Store,
    habit: Habit,
    /// The streams it recorded in since it last synced them, and when it first did.
    waiting: Vec<StreamId>,
    waiting_since: Option<i64>,
}

impl Phone {
    pub(super) fn record(&mut self, stream: StreamId, event: Event) -> Result<EventId> {
        let kind = event.kind().name();
        let id = self
            .store
            .record(stream, event)
            .map(|r| r.id)
            .map_err(|e| internal(format!("{} recording a {kind}", self.username), e))?;
        self.waits(stream);
        Ok(id)
    }

    pub(super) fn record_all(
        &mut self,
        stream: StreamId,
        events: Vec<Event>,
    ) -> Result<Vec<EventId>> {
        let ids = self
            .store
            .record_all(stream, events)
            .map(|r| r.into_iter().map(|r| r.id).collect())
            .map_err(|e| internal(format!("{} recording", self.username), e))?;
        self.waits(stream);
        Ok(ids)
    }

    pub(super) fn set_habit(&mut self, habit: Habit) {
        self.habit = habit;
    }

    fn waits(&mut self, stream: StreamId) {
        if !self.waiting.contains(&stream) {
            self.waiting.push(stream);
        }
        self.waiting_since.get_or_insert(self.store.wall_now());
    }

    /// When, by its habit, the device next syncs what waits (milliseconds), if
    /// anything does: 18:00 on the day it first recorded (the next day's, after
    /// that), or 17:00 on the Friday on or after it.
    pub(super) fn syncs_at(&self) -> Option<i64> {
        let since = self.waiting_since?;
        let day = since.div_euclid(DAY) * DAY;
        Some(match self.habit {
            Habit::Evenings if since < day + 18 * HOUR => day + 18 * HOUR,
            Habit::Evenings => day + DAY + 18 * HOUR,
            Habit::Fridays => {
                // 1970-01-01 was a Thursday: day number 1 is a Friday.
                let days = since.div_euclid(DAY);
                let to_friday = (1 - days).rem_euclid(7);
                let friday = (days + to_friday) * DAY + 17 * HOUR;
                if friday > since {
                    friday
                } else {
                    friday + 7 * DAY
                }
            }
        })
    }

    /// Syncs every stream it recorded in since it last synced.
    pub(super) fn sync_waiting(&mut self, storage: &mut SqliteStorage) -> Result<()> {
        for stream in std::mem::take(&mut self.waiting) {
            self.sync(storage, stream)?;
        }
        self.waiting_since = None;
        Ok(())
    }

    /// Syncs one stream with the server until neither side has anything to tell,
    /// through the same session a phone runs over HTTP.
    pub(super) fn sync(&mut self, storage: &mut SqliteStorage, stream: StreamId) -> Result<()> {
        self.waiting.retain(|s| *s != stream);
        if self.waiting.is_empty() {
            self.waiting_since = None;
        }
        let who = self.username;
        let mut transport = InProcess::for_device(storage, self.device.clone());
        let report = sync_stream(
            &mut self.store,
            &mut transport,
            stream,
            Retry::never(),
            &mut NoProgress,
            &AtomicBool::new(false),
        )
        .map_err(|e| internal(format!("{who}'s device syncing stream {stream}"), e))?;
        match report.error {
            None => Ok(()),
            Some(failure) => {
                let refused: String = failure
                    .refused
                    .iter()
                    .map(|r| format!(" [{}: {}]", r.kind.as_deref().unwrap_or("?"), r.reason))
                    .collect();
                Err(internal(
                    format!("the server syncing stream {stream} with {who}'s device"),
                    format!("{}{refused}", failure.message),
                ))
            }
        }
    }

    /// Adds a stream the server shares with this device, and syncs it.
    pub(super) fn follow(
        &mut self,
        storage: &mut SqliteStorage,
        stream: StreamId,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
    ) -> Result<()> {
        self.store
            .add_stream(stream, kind, name, collaborative)
            .map_err(|e| internal(format!("{} adding stream {name}", self.username), e))?;
        self.sync(storage, stream)
    }
}

impl Phone {
    /// Joins a team's project: the collaborative's stream and the project's, synced.
    pub(super) fn joins(
        &mut self,
        storage: &mut SqliteStorage,
        collaborative: StreamId,
        (project, name): (StreamId, &str),
    ) -> Result<()> {
        self.follow(
            storage,
            collaborative,
            StreamKind::Collaborative,
            super::DEMO_COLLABORATIVE,
            None,
        )?;
        self.follow(
            storage,
            project,
            StreamKind::Project,
            name,
            Some(collaborative),
        )
    }
}

impl Seeder<'_> {
    /// Enrols a device for the person and gives it a client store of its own.
    pub(super) fn phone(
        &mut self,
        person: PersonId,
        username: &'static str,
        name: &str,
        device_name: &str,
    ) -> Result<Phone> {
        let hash = token_hash(&new_token()?);
        let id = self
            .storage
            .enrol_device(person, device_name, &hash, DEVICE_DAYS * 24)?;
        let device = self
            .storage
            .device_by_token(&hash)?
            .ok_or_else(|| internal(format!("enrolling {username}'s device"), "it is not there"))?;
        let path = self.dir.join(format!("{username}.sqlite3"));
        let mut store = Store::create(&path, name)
            .map_err(|e| internal(format!("creating {username}'s store"), e))?;
        store
            .adopt_identity(Identity {
                person,
                name: name.to_string(),
                device: id,
            })
            .map_err(|e| internal(format!("enrolling {username}'s store"), e))?;
        store.set_wall_clock(self.story.clone());
        Ok(Phone {
            username,
            device,
            store,
            habit: Habit::Evenings,
            waiting: Vec::new(),
            waiting_since: None,
        })
    }
}
