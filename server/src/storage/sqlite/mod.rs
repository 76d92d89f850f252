//! The default storage: one SQLite file in WAL mode holding the streams (through
//! praxis-core's store: Automerge changes, indexed events, views) and the server's
//! own tables. Reads go to a pool of read-only connections (`readers`); writes to a
//! few stores, one per group of streams (`writers`), so no lock is global.
//!
//! Long because it is the one implementation of `Views` and `Storage`: each method a
//! few lines that hand the work to the file of its concern below.

mod access_log;
mod audit_reads;
mod columns;
mod data_keys;
mod devices;
mod enrolment_codes;
mod field;
mod files;
mod master_key;
mod memory;
mod open;
mod password_resets;
mod people;
mod readers;
mod reads;
mod record;
mod replica;
mod retention;
mod sessions;
mod sign_in_failures;
mod streams;
mod writers;

pub use columns::timestamp;
pub use files::permission_warnings;
pub use master_key::MasterKey;
pub use readers::READERS;
pub use record::Moved;
pub use replica::Replica;
pub use writers::STREAM_LOCKS;

use super::receipts;
use super::*;
use praxis_core::domain::event::Event;
use praxis_core::domain::hlc::WallClock;
use praxis_core::store::{Identity, Store, keys_of_subject, queries};
use readers::Readers;
use rusqlite::Connection;
use std::path::Path;
use writers::Writers;

/// Stream documents kept in memory at once, over all the stores (least recently used
/// go first).
pub const DOCUMENTS_IN_MEMORY: usize = 64;

/// Bytes of changes from which taking them is followed by handing memory back.
const LARGE_BATCH: usize = 64 * 1024;

pub struct SqliteStorage {
    /// What the data keys are wrapped under (the master key's).
    keyring: std::sync::Arc<praxis_core::store::Keyring>,
    writers: Writers,
    readers: Readers,
    organisation: StreamId,
    server_device: DeviceId,
    server_person: PersonId,
}

impl SqliteStorage {
    /// The name of `person`, who records an erasure (empty for one not known).
    fn person_name(&self, person: PersonId) -> Result<String> {
        Ok(self
            .read(people::people)?
            .into_iter()
            .find(|p| p.id == person)
            .map(|p| p.name)
            .unwrap_or_default())
    }

    pub fn organisation(&self) -> StreamId {
        self.organisation
    }

    /// Runs `f` on a read-only connection inside one read transaction: a way in for
    /// what the trait does not offer (tests, benchmarks). It can never write.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.writers.catch_up()?;
        self.readers.read(f)
    }

    /// A stream's receipts: PostgreSQL's, when it is the record, so every instance
    /// numbers them alike.
    fn receipt_rows(&self, stream: StreamId) -> Result<Vec<audit_reads::ReceiptRow>> {
        match self.shared() {
            Some(db) => db.run(|c| pg::receipt_rows(c, stream)),
            None => self.read(|c| audit_reads::receipt_rows(c, stream)),
        }
    }

    /// Appends to the access log (PostgreSQL's, when it is the record).
    fn append_access(
        &self,
        person: PersonId,
        device: DeviceId,
        route: &str,
        reads: &[(StreamId, Option<EventId>)],
    ) -> Result<()> {
        match self.shared() {
            Some(db) => db.run(|c| pg::log_access(c, person, device, route, reads)),
            None => access_log::append(&*self.writers.tables()?, person, device, route, reads),
        }
    }

    /// PostgreSQL, when it is the store of record.
    fn shared(&self) -> Option<&pg::Database> {
        self.writers.record().map(|r| &r.db)
    }

    /// Records `event` in `collaborative`'s stream, its author the officer.
    fn record_for_officer(
        &self,
        officer: PersonId,
        collaborative: StreamId,
        event: Event,
    ) -> Result<EventId> {
        let name = self.person_name(officer)?;
        let store = &mut *self.writers.stream(collaborative)?;
        retention::record(store, collaborative, (officer, name), event)
    }

    fn administer<T>(&self, f: impl FnOnce(&mut Store, StreamId) -> Result<T>) -> Result<T> {
        f(
            &mut *self.writers.stream(self.organisation)?,
            self.organisation,
        )
    }
}

impl Views for SqliteStorage {
    fn people(&self) -> Result<Vec<Person>> {
        self.read(people::people)
    }

    fn stream_view(&self, stream: StreamId) -> Result<StreamView> {
        self.read(|c| reads::stream_view(c, stream))
    }

    fn events(&self, stream: StreamId) -> Result<Vec<EventView>> {
        self.read(|c| reads::events(c, stream))
    }

    fn stream_of(&self, record: EventId) -> Result<Option<StreamId>> {
        self.read(|c| reads::stream_of(c, record))
    }

    fn cycle(&self, id: EventId) -> Result<Option<CycleView>> {
        self.read(|c| reads::cycle(c, id))
    }

    fn measure(&self, id: EventId) -> Result<Option<MeasureSeries>> {
        self.read(|c| reads::measure(c, id))
    }

    fn feed(&self, stream: StreamId, limit: u32) -> Result<Vec<FeedItem>> {
        self.read(|c| reads::feed(c, stream, limit))
    }

    fn unlinked_observations(&self, stream: StreamId) -> Result<Vec<FeedItem>> {
        self.read(|c| reads::unlinked_observations(c, stream))
    }

    fn history(&self, id: EventId) -> Result<Option<RecordHistory>> {
        self.read(|c| reads::history(c, id))
    }

    fn project_detail(&self, stream: StreamId) -> Result<ProjectDetail> {
        self.read(|c| reads::project_detail(c, stream))
    }

    fn held_back(&self, stream: StreamId) -> Result<Vec<praxis_core::store::HeldRecord>> {
        self.read(|c| Ok(praxis_core::store::held_back(c, stream, false)?))
    }

    fn measure_chart(&self, id: EventId, from: &[usize]) -> Result<Option<MeasureChart>> {
        self.read(|c| reads::measure_chart(c, id, from))
    }

    fn prediction_checks(
        &self,
        cycle: EventId,
        today: time::Date,
    ) -> Result<Vec<praxis_core::domain::prediction_check::PredictionCheck>> {
        self.read(|c| Ok(queries::prediction_checks(c, cycle, today)?))
    }

    fn suggested_score(
        &self,
        stream: StreamId,
        month: time::Date,
    ) -> Result<Option<praxis_core::domain::score_evidence::SuggestedScore>> {
        self.read(|c| Ok(queries::suggested_score(c, stream, month)?))
    }

    fn dashboard(
        &self,
        person: PersonId,
        collaborative: StreamId,
        today: time::Date,
    ) -> Result<Option<Dashboard>> {
        self.read(|c| reads::dashboard(c, person, collaborative, today))
    }
}

impl Storage for SqliteStorage {
    fn add_collaborative(&self, founded: CollaborativeFounded) -> Result<StreamId> {
        self.administer(|s, _| people::add_collaborative(s, founded))
    }

    fn add_team(&self, collaborative: StreamId, name: &str, organisation: &str) -> Result<EventId> {
        self.administer(|s, o| people::add_team(s, o, collaborative, name, organisation))
    }

    fn add_person(&self, username: &str, name: &str, password_hash: &str) -> Result<PersonId> {
        self.administer(|s, o| people::add_person(s, o, username, name, password_hash))
    }

    fn grant(&self, person: PersonId, role: Role, scope: Scope) -> Result<EventId> {
        self.administer(|s, o| people::grant(s, o, person, role, scope))
    }

    fn revoke_membership(&self, membership: EventId, reason: &str) -> Result<()> {
        self.administer(|s, o| people::revoke_membership(s, o, membership, reason))?;
        tracing::info!(membership = %membership, reason, "membership revoked");
        Ok(())
    }

    fn collaboratives(&self) -> Result<Vec<(StreamId, String)>> {
        self.read(people::collaboratives)
    }

    fn teams(&self) -> Result<Vec<Team>> {
        self.read(people::teams)
    }

    fn memberships(&self) -> Result<Vec<Membership>> {
        self.read(people::memberships)
    }

    fn credentials(&self, username: &str) -> Result<Option<(PersonId, String, String)>> {
        self.read(|c| people::credentials(c, username))
    }

    fn enrol_device(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<DeviceId> {
        self.administer(|s, o| devices::enrol_device(s, o, person, name, token_hash, valid_hours))
    }

    fn enrol_field_device(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<DeviceId> {
        self.administer(|s, o| {
            let device = devices::enrol_device(s, o, person, name, token_hash, valid_hours)?;
            devices::mark_field_app(s.connection(), device)?;
            Ok(device)
        })
    }

    fn renew_device_token(
        &self,
        device: DeviceId,
        person: PersonId,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<bool> {
        devices::renew_token(
            &*self.writers.tables()?,
            device,
            person,
            token_hash,
            valid_hours,
        )
    }

    fn end_device_token(&self, device: DeviceId) -> Result<()> {
        devices::end_token(&*self.writers.tables()?, device)
    }

    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        self.read(|c| devices::device_by_token(c, token_hash))
    }

    fn devices(&self) -> Result<Vec<Device>> {
        let mut devices = self.read(devices::devices)?;
        // A device's last sync moves without the directory's version (it changes at
        // every sync): with PostgreSQL, it is read there, as any instance last set it.
        if let Some(db) = self.shared() {
            let last = db.run(pg::last_syncs)?;
            for d in &mut devices {
                d.last_sync_at = last.get(&d.id.0).copied().flatten().map(timestamp);
            }
        }
        Ok(devices)
    }

    fn issue_password_reset(
        &self,
        person: PersonId,
        issued_by: PersonId,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<()> {
        password_resets::issue(
            &*self.writers.tables()?,
            person,
            issued_by,
            token_hash,
            valid_hours,
        )
    }

    fn redeem_password_reset(
        &self,
        username: &str,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<PersonId> {
        password_resets::redeem(
            &*self.writers.tables()?,
            username,
            token_hash,
            password_hash,
        )
    }

    fn password_resets(&self) -> Result<Vec<PasswordReset>> {
        self.read(password_resets::resets)
    }

    fn issue_enrolment_code(
        &self,
        person: PersonId,
        code_hash: &str,
        valid_minutes: i64,
    ) -> Result<()> {
        self.administer(|s, _| {
            enrolment_codes::issue(s.connection(), person, code_hash, valid_minutes)
        })
    }

    fn enrol_device_with_code(
        &self,
        code_hash: &str,
        name: &str,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<Option<EnrolledByCode>> {
        self.administer(|s, o| {
            enrolment_codes::enrol(s, o, code_hash, name, token_hash, valid_hours)
        })
    }

    fn organisation_stream(&self) -> StreamId {
        self.organisation
    }

    fn revoke_device(&self, device: DeviceId, reason: &str) -> Result<()> {
        self.administer(|s, o| devices::revoke_device(s, o, device, reason))?;
        tracing::info!(device = %device, reason, "device revoked");
        Ok(())
    }

    fn streams_for(&self, person: PersonId) -> Result<Vec<StreamAccess>> {
        self.read(|c| streams::streams_for(c, person))
    }

    fn stream_heads(&self, streams: &[StreamId]) -> Result<Vec<Vec<String>>> {
        // Kept in each stream's row; worked out (under the stream's lock) where not.
        let known = self.read(|c| Ok(queries::known_heads(c)?))?;
        streams
            .iter()
            .map(|stream| {
                let heads = match known.get(stream) {
                    Some(heads) => heads.clone(),
                    None => self.writers.stream(*stream)?.heads(*stream)?,
                };
                let mut hex: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
                hex.sort();
                Ok(hex)
            })
            .collect()
    }

    fn access(&self, person: PersonId, stream: StreamId) -> Result<Option<StreamAccess>> {
        self.read(|c| streams::access_to(c, person, stream))
    }

    fn sync(&self, device: &Device, stream: StreamId, message: &[u8]) -> Result<SyncReply> {
        let mut store = self.writers.stream(stream)?;
        streams::sync(&mut store, self.organisation, device, stream, message)
    }

    fn exchange_keys(
        &self,
        device: &Device,
        request: &praxis_core::protocol::keys::KeysRequest,
    ) -> Result<praxis_core::protocol::keys::KeysAnswer> {
        // Each stream's keys under that stream's lock, which numbers the changes to
        // its keys: a stream's keys are taken whole, or not at all.
        let mut by_stream: std::collections::BTreeMap<StreamId, Vec<_>> = Default::default();
        for key in data_keys::offered(request)? {
            by_stream.entry(key.stream).or_default().push(key);
        }
        for (stream, keys) in by_stream {
            data_keys::take(&mut *self.writers.stream(stream)?, &keys)?;
        }
        self.read(|c| data_keys::changes(c, device.person, request))
    }

    fn erase_record(
        &self,
        officer: PersonId,
        record: EventId,
        reason: &str,
        legal_basis: praxis_core::domain::event::LegalBasis,
    ) -> Result<Erasure> {
        let name = self.person_name(officer)?;
        let (collaborative, keys) = self.read(|c| {
            let plan = data_keys::record_erasure_plan(c, officer, record, reason)?;
            retention::refuse_if_held(c, plan.0, &plan.1)?;
            Ok(plan)
        })?;
        let mut store = self.writers.stream(collaborative)?;
        self.read(|c| retention::refuse_if_held(c, collaborative, &keys))?;
        let officer = (officer, name);
        let erasure = data_keys::erase(
            &mut store,
            collaborative,
            &officer,
            (None, &keys),
            reason,
            legal_basis,
        )?;
        tracing::info!(keys = erasure.keys, "a record's personal content erased");
        Ok(erasure)
    }

    fn subject_access(
        &self,
        officer: Option<PersonId>,
        reader: SubjectReader,
        route: &str,
        reference: &str,
    ) -> Result<SubjectAccess> {
        let reference = reference.trim();
        let tag = self.keyring.tag(reference);
        let (records, reads) = self.read(|c| {
            let within = officer
                .map(|o| data_keys::officer_streams(c, o))
                .transpose()?;
            let keys: Vec<_> = keys_of_subject(c, &tag)?
                .into_iter()
                .filter(|(_, s)| within.as_ref().is_none_or(|w| w.contains_key(s)))
                .collect();
            if keys.is_empty() {
                return Err(StorageError::NotFound(format!(
                    "No personal content about {reference} is held{} (or it was erased). Check the reference.",
                    if officer.is_some() { " in the streams you are data protection officer for" } else { "" }
                )));
            }
            let names = people::people(c)?.into_iter().map(|p| (p.id, p.name)).collect();
            let records = data_keys::subject_records(c, &keys, &names)?;
            let reads: Vec<(StreamId, Option<EventId>)> =
                records.iter().map(|r| (r.stream, Some(r.record))).collect();
            Ok((records, reads))
        })?;
        let (person, device) = match reader {
            SubjectReader::Device { person, device } => (person, device),
            SubjectReader::Browser(person) => (
                person,
                self.administer(|s, o| devices::browser_device_id(s, o, person))?,
            ),
            SubjectReader::Server => (self.server_person, self.server_device),
        };
        self.append_access(person, device, route, &reads)?;
        Ok(SubjectAccess {
            reference: reference.to_string(),
            produced_at: timestamp(columns::now_millis()),
            records,
        })
    }

    fn erase_subject(
        &self,
        officer: PersonId,
        reference: &str,
        reason: &str,
        legal_basis: praxis_core::domain::event::LegalBasis,
    ) -> Result<Erasure> {
        let name = self.person_name(officer)?;
        let tag = self.keyring.tag(reference);
        let plan = self.read(|c| {
            let plan = data_keys::erasure_plan(c, officer, &tag, reference, reason)?;
            for (collaborative, keys) in &plan {
                retention::refuse_if_held(c, *collaborative, keys)?;
            }
            Ok(plan)
        })?;
        let mut erasure = Erasure::default();
        // One transaction per collaborative: its erasure recorded in its stream, with
        // the keys of its streams destroyed.
        for (collaborative, keys) in plan {
            let mut store = self.writers.stream(collaborative)?;
            self.read(|c| retention::refuse_if_held(c, collaborative, &keys))?;
            let officer = (officer, name.clone());
            let keys = (Some(tag.as_slice()), keys.as_slice());
            erasure.merge(data_keys::erase(
                &mut store,
                collaborative,
                &officer,
                keys,
                reason,
                legal_basis,
            )?);
        }
        tracing::info!(keys = erasure.keys, "personal content erased");
        Ok(erasure)
    }

    fn set_retention(
        &self,
        officer: PersonId,
        collaborative: StreamId,
        periods: Vec<praxis_core::domain::event::RetentionPeriod>,
        reason: &str,
    ) -> Result<EventId> {
        let event =
            self.read(|c| retention::schedule_event(c, officer, collaborative, periods, reason))?;
        self.record_for_officer(officer, collaborative, event)
    }

    fn place_hold(
        &self,
        officer: PersonId,
        collaborative: StreamId,
        on: HoldOn,
        reason: &str,
    ) -> Result<EventId> {
        let tag = match &on {
            HoldOn::Person(reference) => Some(self.keyring.tag(reference)),
            HoldOn::Project(_) => None,
        };
        let event =
            self.read(|c| retention::hold_event(c, officer, collaborative, (&on, tag), reason))?;
        self.record_for_officer(officer, collaborative, event)
    }

    fn lift_hold(&self, officer: PersonId, hold: EventId, reason: &str) -> Result<EventId> {
        let (collaborative, event) =
            self.read(|c| retention::lift_event(c, officer, hold, reason))?;
        self.record_for_officer(officer, collaborative, event)
    }

    fn retention(
        &self,
        officer: Option<PersonId>,
        as_of: time::Date,
    ) -> Result<Vec<RetentionReport>> {
        self.read(|c| retention::reports(c, officer, as_of))
    }

    fn run_retention(&self, today: time::Date) -> Result<Vec<Erasure>> {
        let mut erasures = Vec::new();
        for planned in self.read(|c| retention::run_plan(c, today, None))? {
            // Holds are recorded under this lock: worked out again while it is held,
            // the plan cannot miss one placed since.
            let mut store = self.writers.stream(planned.collaborative)?;
            let only = Some(planned.collaborative);
            let Some(plan) = self.read(|c| retention::run_plan(c, today, only))?.pop() else {
                continue;
            };
            let basis = praxis_core::domain::event::LegalBasis::RetentionEnded;
            let keys = (None, plan.keys.as_slice());
            let erasure = data_keys::erase(
                &mut store,
                plan.collaborative,
                &plan.set_by,
                keys,
                &plan.reason,
                basis,
            )?;
            tracing::info!(keys = erasure.keys, "retention: personal content erased");
            erasures.push(erasure);
        }
        Ok(erasures)
    }

    fn push(
        &self,
        device: &Device,
        stream: StreamId,
        base: &[automerge::ChangeHash],
        changes: &[u8],
    ) -> Result<Pushed> {
        let mut store = self.writers.stream(stream)?;
        let pushed = streams::push(&mut store, self.organisation, device, stream, base, changes);
        if changes.len() >= LARGE_BATCH {
            memory::give_back();
        }
        pushed
    }

    fn compact_if_due(&self, stream: StreamId) -> Result<bool> {
        Ok(self
            .writers
            .stream(stream)?
            .compact_if_due(stream, &mut memory::give_back)?)
    }

    fn whole_stream(
        &self,
        device: &Device,
        stream: StreamId,
    ) -> Result<praxis_core::store::WholeStream> {
        let mut store = self.writers.stream(stream)?;
        streams::whole(&mut store, self.organisation, device, stream)
    }

    fn take_field_records(
        &self,
        device: &Device,
        records: Vec<praxis_core::protocol::field::FieldRecord>,
    ) -> Result<Vec<praxis_core::protocol::field::FieldResult>> {
        // By stream, each under its stream's lock; the results in the order sent.
        let mut streams: Vec<StreamId> = Vec::new();
        for r in &records {
            if !streams.contains(&r.stream) {
                streams.push(r.stream);
            }
        }
        let order: Vec<EventId> = records.iter().map(|r| r.id).collect();
        let mut results = Vec::with_capacity(records.len());
        let mut records = records;
        for stream in streams {
            let (these, rest): (Vec<_>, Vec<_>) =
                records.into_iter().partition(|r| r.stream == stream);
            records = rest;
            let mut store = self.writers.stream(stream)?;
            results.extend(field::take(
                &mut store,
                self.organisation,
                device,
                stream,
                these,
            )?);
        }
        // Put back in the order sent (ids sent twice keep their own results in turn).
        let mut ordered = Vec::with_capacity(results.len());
        for id in order {
            if let Some(at) = results.iter().position(|r| r.id == id) {
                ordered.push(results.remove(at));
            }
        }
        Ok(ordered)
    }

    fn receipts(&self, stream: StreamId) -> Result<Vec<Receipt>> {
        audit_reads::receipts(self.receipt_rows(stream)?)
    }

    fn start_session(
        &self,
        person: PersonId,
        token_hash: &str,
        csrf: &str,
        hours: i64,
    ) -> Result<()> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::start_session(c, person, token_hash, csrf, hours));
        }
        sessions::start_session(&*self.writers.tables()?, person, token_hash, csrf, hours)
    }

    fn session(&self, token_hash: &str) -> Result<Option<WebSession>> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::session(c, token_hash));
        }
        self.read(|c| sessions::session(c, token_hash))
    }

    fn begin_sso_sign_in(&self, state_hash: &str, pending: &SsoSignIn, minutes: i64) -> Result<()> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::begin_sso_sign_in(c, state_hash, pending, minutes));
        }
        sessions::begin_sso_sign_in(&*self.writers.tables()?, state_hash, pending, minutes)
    }

    fn take_sso_sign_in(&self, state_hash: &str) -> Result<Option<SsoSignIn>> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::take_sso_sign_in(c, state_hash));
        }
        sessions::take_sso_sign_in(&*self.writers.tables()?, state_hash)
    }

    fn person_by_username(&self, username: &str) -> Result<Option<(PersonId, String)>> {
        self.read(|c| people::person_by_username(c, username))
    }

    fn sign_in_failures(&self, key: &str) -> Result<Option<(u32, i64)>> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::sign_in_failures(c, key));
        }
        self.read(|c| sign_in_failures::failures(c, key))
    }

    fn fail_sign_in(&self, keys: &[String], forget_after_ms: i64) -> Result<()> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::fail_sign_in(c, keys, forget_after_ms));
        }
        sign_in_failures::fail(&*self.writers.tables()?, keys, forget_after_ms)
    }

    fn clear_sign_in_failures(&self, key: &str) -> Result<()> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::clear_sign_in_failures(c, key));
        }
        sign_in_failures::clear(&*self.writers.tables()?, key)
    }

    fn end_session(&self, token_hash: &str) -> Result<()> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::end_session(c, token_hash));
        }
        sessions::end_session(&*self.writers.tables()?, token_hash)
    }

    fn record_for(
        &self,
        person: PersonId,
        stream: StreamId,
        events: Vec<Event>,
    ) -> Result<Vec<EventId>> {
        let access = self.access(person, stream)?.ok_or_else(|| {
            StorageError::NotAllowed(
                "You are not a member of the team or collaborative this belongs to.".into(),
            )
        })?;
        let decision = access.decision();
        if let Some(kind) = events
            .iter()
            .map(|e| e.kind())
            .find(|k| !decision.may_record(*k))
        {
            return Err(StorageError::NotAllowed(format!(
                "As {} you may not record a {} here. Ask whoever holds that role to record it.",
                access
                    .roles
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(" or "),
                kind.name()
            )));
        }
        let device = self.administer(|s, o| devices::browser_device(s, o, person))?;
        let name = self
            .people()?
            .into_iter()
            .find(|p| p.id == person)
            .map(|p| p.name)
            .ok_or_else(|| StorageError::NotFound(format!("There is no person {person}.")))?;
        let identity = Identity {
            person,
            name,
            device,
        };
        let mut store = self.writers.stream(stream)?;
        let received_at = store.wall_now();
        let recorded = store.record_as(&identity, stream, events, |tx, recorded, hashes| {
            for (r, hash) in recorded.iter().zip(hashes) {
                receipts::write_receipt(
                    tx,
                    &receipts::Receipt {
                        stream,
                        change_hash: hash,
                        device,
                        received_at,
                        events: &[r.id],
                        refused: None,
                    },
                )?;
            }
            Ok(())
        })?;
        Ok(recorded.into_iter().map(|r| r.id).collect())
    }

    fn log_browser_access(
        &self,
        person: PersonId,
        route: &str,
        reads: &[(StreamId, Option<EventId>)],
    ) -> Result<()> {
        let device = self.administer(|s, o| devices::browser_device_id(s, o, person))?;
        self.append_access(person, device, route, reads)
    }

    fn documents_loaded(&self) -> usize {
        self.writers.documents_loaded()
    }

    fn health(&self) -> Result<()> {
        match self.shared() {
            Some(db) => db.reachable(),
            None => Ok(()),
        }
    }

    fn log_access(
        &self,
        device: &Device,
        route: &str,
        stream: StreamId,
        record: Option<EventId>,
    ) -> Result<()> {
        self.append_access(device.person, device.id, route, &[(stream, record)])
    }

    fn access_log(&self, streams: &[StreamId]) -> Result<Vec<AccessEntry>> {
        if let Some(db) = self.shared() {
            return db.run(|c| pg::access_log(c, streams));
        }
        self.read(|c| access_log::access_log(c, streams))
    }

    fn stream_changes(&self, stream: StreamId) -> Result<Vec<Vec<u8>>> {
        self.read(|c| audit_reads::stream_changes(c, stream))
    }

    fn receipt_log(
        &self,
        stream: StreamId,
    ) -> Result<Vec<praxis_core::audit::bundle::ReceiptEntry>> {
        audit_reads::receipt_log(self.receipt_rows(stream)?)
    }

    fn arrivals(&self, stream: StreamId) -> Result<Vec<Arrived>> {
        if let Some(db) = self.shared() {
            return audit_reads::arrivals_of(&db.run(|c| pg::receipt_rows(c, stream))?);
        }
        self.read(|c| audit_reads::arrivals(c, stream))
    }

    fn envelopes(&self, stream: StreamId) -> Result<Vec<praxis_core::domain::envelope::Envelope>> {
        // As auditors read them: sealed content opened, or said to be erased.
        self.read(|c| {
            queries::events(c, stream)?
                .into_iter()
                .map(|e| Ok(praxis_core::store::open_envelope(c, e)?))
                .collect()
        })
    }

    fn stream_keys(&self, stream: StreamId) -> Result<Vec<(i64, praxis_core::store::KeyChange)>> {
        self.read(|c| Ok(praxis_core::store::key_changes(c, stream, 0)?))
    }

    fn stream_info(&self, stream: StreamId) -> Result<queries::StreamInfo> {
        self.read(|c| Ok(queries::stream_info(c, stream)?))
    }

    fn server_device(&self) -> DeviceId {
        self.server_device
    }
}
