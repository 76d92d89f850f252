//! Where the server keeps everything. Handlers see only the `Storage` trait; SQLite
//! (one file, with the streams beside the server's own tables) is the default.
//! Storage speaks in `StorageError`; what a status is, it does not know.

mod data_protection;
mod error;
mod gate;
pub mod pg;
mod receipts;
mod sqlite;

pub use data_protection::{
    DueKey, Erasure, HoldOn, HoldShown, PeriodShown, RetentionReport, ScheduleShown, SubjectAccess,
    SubjectReader, SubjectRecord,
};
pub use error::{Result, StorageError};
pub use sqlite::{
    DOCUMENTS_IN_MEMORY, MasterKey, Moved, READERS, Replica, STREAM_LOCKS, SqliteStorage,
    permission_warnings, timestamp,
};

use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::event::{CollaborativeFounded, Scope};
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::domain::views::{
    CycleView, FeedItem, MeasureSeries, ProjectDetail, ProjectOverview, RecordHistory,
};
use praxis_core::store::queries::CollaborativeView;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub username: String,
    pub name: String,
}

/// A one-time code issued for a person to set their password (times in milliseconds).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PasswordReset {
    pub person: PersonId,
    pub issued_by: PersonId,
    pub issued_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Team {
    pub id: EventId,
    pub collaborative: StreamId,
    pub name: String,
    pub organisation: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Membership {
    pub id: EventId,
    pub person: PersonId,
    pub role: Role,
    pub scope: Scope,
    /// When it was granted (its `MembershipGranted` event's time), in milliseconds.
    pub granted_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

impl Membership {
    pub fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    /// Whether it was in force at `at` (milliseconds since the epoch).
    pub fn held_at(&self, at: i64) -> bool {
        self.granted_at <= at && self.revoked_at.is_none_or(|r| r > at)
    }
}

#[derive(Clone, Debug, Serialize)]
pub enum DeviceStatus {
    Active,
    Revoked { at: String, reason: String },
    Expired { at: String },
}

/// A device as its token shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Device {
    pub id: DeviceId,
    pub person: PersonId,
    pub person_name: String,
    pub name: String,
    pub enrolled_at: String,
    pub last_sync_at: Option<String>,
    /// The field app in a browser: it keeps no replica, sends records and never syncs.
    pub field_app: bool,
    pub status: DeviceStatus,
}

/// What a person may do with one stream.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StreamAccess {
    pub stream_id: StreamId,
    pub kind: StreamKind,
    pub name: String,
    pub collaborative: Option<StreamId>,
    pub team: Option<EventId>,
    pub roles: Vec<Role>,
    /// True when none of the roles may record anything here (auditors; team members
    /// reading their collaborative's stream).
    pub read_only: bool,
}

impl StreamAccess {
    /// The access decision this stands for, to ask what the roles may record.
    pub fn decision(&self) -> praxis_core::domain::access::Access {
        praxis_core::domain::access::Access {
            roles: self.roles.clone(),
            read_only: self.read_only,
        }
    }
}

/// When a change reached the server, from which device.
#[derive(Clone, Debug, Serialize)]
pub struct Receipt {
    pub seq: i64,
    pub change_hash: String,
    pub device: DeviceId,
    pub received_at: String,
    pub events: Vec<EventId>,
    /// Why the server held the change's event back, when it did (the event is kept,
    /// in quarantine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// When one event reached the server: its receipt's time (milliseconds since the
/// epoch) and sequence number. Read without the rest of the receipt, for the views
/// as they stood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrived {
    pub event: EventId,
    pub received_at: i64,
    pub seq: i64,
}

/// An event as the read API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub id: EventId,
    pub kind: String,
    pub author: PersonId,
    pub device: DeviceId,
    pub recorded_at: String,
    pub schema: u16,
    pub body: Option<praxis_core::domain::event::Event>,
}

/// One read of a stream's records, for the access log.
#[derive(Clone, Debug, Serialize)]
pub struct AccessEntry {
    pub seq: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub person: PersonId,
    /// The device the read came from (a person's browser has a device of its own).
    pub device: DeviceId,
    /// The route read, as `GET /api/v1/cycles/{id}`.
    pub route: String,
    pub stream: StreamId,
    pub record: Option<EventId>,
}

/// What became of changes a device sent as a fast-forward.
pub enum Pushed {
    /// Taken: what was merged, and the stream's heads now.
    Taken(praxis_core::store::Merged, Vec<automerge::ChangeHash>),
    /// Not a fast-forward of the stream as the server holds it: nothing was taken.
    NotAFastForward(String),
}

pub struct SyncReply {
    /// The server's next message, or `None` when it has nothing more to say.
    pub message: Option<Vec<u8>>,
    pub accepted_events: usize,
}

#[derive(Clone, Debug, Serialize)]
pub enum StreamView {
    Collaborative(CollaborativeView),
    Project(ProjectOverview),
}

/// A sign-in begun at the OpenID Connect provider, waiting for the browser to come
/// back: what the answer is checked with, and where the person goes on to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSignIn {
    /// The SHA-256 of the cookie that binds the sign-in to the browser that began it.
    pub browser_hash: String,
    pub pkce_verifier: String,
    pub nonce: String,
    pub next: String,
}

/// A device enrolled with a one-time enrolment code: whose it is, and which it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolledByCode {
    pub person: PersonId,
    /// The person's name.
    pub name: String,
    pub device: DeviceId,
}

/// A browser session as its cookie shows it.
#[derive(Clone, Debug, Serialize)]
pub struct WebSession {
    pub person: PersonId,
    pub username: String,
    pub name: String,
    /// The token every form of this session carries.
    pub csrf: String,
}

/// The views the web pages and the read API show: the live ones of the storage, or
/// those of a replica holding exactly what the server held at a moment
/// (`audit::Replica`), so "as it stood" is the same pages over other views.
pub trait Views {
    /// Everyone, to name authors by.
    fn people(&self) -> Result<Vec<Person>>;
    fn stream_view(&self, stream: StreamId) -> Result<StreamView>;
    fn events(&self, stream: StreamId) -> Result<Vec<EventView>>;
    /// The stream a record or event belongs to.
    fn stream_of(&self, record: EventId) -> Result<Option<StreamId>>;
    fn cycle(&self, id: EventId) -> Result<Option<CycleView>>;
    /// A cycle's checkable predictions against their measures' charts as of `today`.
    fn prediction_checks(
        &self,
        cycle: EventId,
        today: time::Date,
    ) -> Result<Vec<praxis_core::domain::prediction_check::PredictionCheck>>;
    fn measure(&self, id: EventId) -> Result<Option<MeasureSeries>>;
    fn feed(&self, stream: StreamId, limit: u32) -> Result<Vec<FeedItem>>;
    /// A project's observations and case material linked to no cycle, newest first.
    fn unlinked_observations(&self, stream: StreamId) -> Result<Vec<FeedItem>>;
    fn history(&self, id: EventId) -> Result<Option<RecordHistory>>;
    /// A project's overview with its action plan, learning log, reports and decisions.
    fn project_detail(&self, stream: StreamId) -> Result<ProjectDetail>;
    /// The events held back in a stream (quarantined), still held, oldest first.
    fn held_back(&self, stream: StreamId) -> Result<Vec<praxis_core::store::HeldRecord>>;
    /// A measure's run chart and XmR chart, limits recalculated from the points `from`.
    fn measure_chart(&self, id: EventId, from: &[usize]) -> Result<Option<MeasureChart>>;
    /// The level of the progress scale a project's evidence supports for a month.
    fn suggested_score(
        &self,
        stream: StreamId,
        month: time::Date,
    ) -> Result<Option<praxis_core::domain::score_evidence::SuggestedScore>>;
    /// The dashboard of a collaborative over the projects `person` may read.
    fn dashboard(
        &self,
        person: PersonId,
        collaborative: StreamId,
        today: time::Date,
    ) -> Result<Option<Dashboard>>;
}

/// Every method takes `&self`: an implementation serialises what must be serialised
/// itself, so callers on many threads share one storage without a lock of their own.
pub trait Storage: Views + Send + Sync {
    // People, teams and access.
    fn add_collaborative(&self, founded: CollaborativeFounded) -> Result<StreamId>;
    fn add_team(&self, collaborative: StreamId, name: &str, organisation: &str) -> Result<EventId>;
    fn add_person(&self, username: &str, name: &str, password_hash: &str) -> Result<PersonId>;
    fn grant(&self, person: PersonId, role: Role, scope: Scope) -> Result<EventId>;
    fn revoke_membership(&self, membership: EventId, reason: &str) -> Result<()>;
    fn collaboratives(&self) -> Result<Vec<(StreamId, String)>>;
    fn teams(&self) -> Result<Vec<Team>>;
    fn memberships(&self) -> Result<Vec<Membership>>;
    /// The person's id, name and password hash.
    fn credentials(&self, username: &str) -> Result<Option<(PersonId, String, String)>>;

    // Devices.
    fn enrol_device(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<DeviceId>;
    /// Enrols the field app in a browser as a device of `person`: one that keeps no
    /// replica, so it sends records and may never sync.
    fn enrol_field_device(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<DeviceId>;
    /// Gives `person`'s field app device a new token valid for `valid_hours`; false
    /// when the device is not theirs, not a field app's, or was revoked.
    fn renew_device_token(
        &self,
        device: DeviceId,
        person: PersonId,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<bool>;
    /// Ends the device's token now.
    fn end_device_token(&self, device: DeviceId) -> Result<()>;
    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>>;
    fn devices(&self) -> Result<Vec<Device>>;
    fn revoke_device(&self, device: DeviceId, reason: &str) -> Result<()>;
    /// Issues a one-time code (kept as its hash) for `person` to set their password,
    /// valid for `valid_hours`; an earlier code not yet used is spent.
    fn issue_password_reset(
        &self,
        person: PersonId,
        issued_by: PersonId,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<()>;
    /// Sets the password of the person `username` names with their code, spending it.
    fn redeem_password_reset(
        &self,
        username: &str,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<PersonId>;
    /// The codes issued, newest first.
    fn password_resets(&self) -> Result<Vec<PasswordReset>>;
    /// Issues `person` a one-time enrolment code (kept as its hash), valid for
    /// `valid_minutes`; an earlier code of theirs not yet used is spent.
    fn issue_enrolment_code(
        &self,
        person: PersonId,
        code_hash: &str,
        valid_minutes: i64,
    ) -> Result<()>;
    /// Enrols a device for the person whose enrolment code hashes to `code_hash`,
    /// spending the code in the same transaction; `None`, with nothing written, when
    /// no unused, unexpired code has that hash.
    fn enrol_device_with_code(
        &self,
        code_hash: &str,
        name: &str,
        token_hash: &str,
        valid_hours: i64,
    ) -> Result<Option<EnrolledByCode>>;
    /// The organisation stream, of people, teams, memberships and devices.
    fn organisation_stream(&self) -> StreamId;

    // Streams.
    fn streams_for(&self, person: PersonId) -> Result<Vec<StreamAccess>>;
    /// The heads of each of `streams`' documents, as hex change hashes (sorted): a
    /// device holding the same heads holds the same document.
    fn stream_heads(&self, streams: &[StreamId]) -> Result<Vec<Vec<String>>>;
    fn access(&self, person: PersonId, stream: StreamId) -> Result<Option<StreamAccess>>;
    /// The people who may record in `streams` (a membership of a collaborative or team
    /// they sit in, in force or ended, so past authors are named too), by name; every
    /// person when the organisation's stream is among them. A device names authors by
    /// these.
    fn people_of(
        &self,
        streams: &[StreamAccess],
    ) -> Result<Vec<praxis_core::protocol::PersonName>> {
        let everyone = streams.iter().any(|s| s.kind == StreamKind::Organisation);
        let in_scope = |scope: &Scope| {
            streams.iter().any(|s| match scope {
                Scope::Collaborative(c) => s.stream_id == *c || s.collaborative == Some(*c),
                Scope::Team(t) => s.team == Some(*t),
            })
        };
        let members: std::collections::HashSet<PersonId> = self
            .memberships()?
            .into_iter()
            .filter(|m| everyone || in_scope(&m.scope))
            .map(|m| m.person)
            .collect();
        Ok(self
            .people()?
            .into_iter()
            .filter(|p| everyone || members.contains(&p.id))
            .map(|p| praxis_core::protocol::PersonName {
                id: p.id,
                name: p.name,
            })
            .collect())
    }
    /// The teams `person` is a member of now, as an enrolment names them.
    fn teams_of(&self, person: PersonId) -> Result<Vec<praxis_core::protocol::TeamPlace>> {
        let teams = self.teams()?;
        let mut places: Vec<praxis_core::protocol::TeamPlace> = Vec::new();
        for m in self.memberships()? {
            let Scope::Team(id) = m.scope else { continue };
            if m.person != person || m.revoked() || places.iter().any(|p| p.team == id) {
                continue;
            }
            if let Some(t) = teams.iter().find(|t| t.id == id) {
                places.push(praxis_core::protocol::TeamPlace {
                    collaborative: t.collaborative,
                    team: t.id,
                    name: t.name.clone(),
                    organisation: t.organisation.clone(),
                });
            }
        }
        Ok(places)
    }
    /// Receives a device's sync message for a stream and answers with the next one.
    fn sync(&self, device: &Device, stream: StreamId, message: &[u8]) -> Result<SyncReply>;
    /// Takes the data keys a device made and gives the changes to the keys of the
    /// streams asked about that its person may read (`protocol::keys`).
    fn exchange_keys(
        &self,
        device: &Device,
        request: &praxis_core::protocol::keys::KeysRequest,
    ) -> Result<praxis_core::protocol::keys::KeysAnswer>;
    /// Everything held about `reference`: in the streams of the collaboratives `officer`
    /// is data protection officer for, or, with no officer (the server's own
    /// `subject-access` command), in every stream. Each record given is written to the
    /// access log under `route`, as read by `reader` (a person on a device).
    fn subject_access(
        &self,
        officer: Option<PersonId>,
        reader: SubjectReader,
        route: &str,
        reference: &str,
    ) -> Result<SubjectAccess>;
    /// Erases one record's content (a record about no named person, sealed under keys
    /// of its own), in a stream `officer` is data protection officer for.
    fn erase_record(
        &self,
        officer: PersonId,
        record: EventId,
        reason: &str,
        legal_basis: praxis_core::domain::event::LegalBasis,
    ) -> Result<Erasure>;
    /// Erases the personal content about `reference` in the streams `officer` is data
    /// protection officer for: its keys destroyed, the erasure recorded.
    fn erase_subject(
        &self,
        officer: PersonId,
        reference: &str,
        reason: &str,
        legal_basis: praxis_core::domain::event::LegalBasis,
    ) -> Result<Erasure>;
    /// Sets `collaborative`'s retention schedule, for its data protection officer.
    fn set_retention(
        &self,
        officer: PersonId,
        collaborative: StreamId,
        periods: Vec<praxis_core::domain::event::RetentionPeriod>,
        reason: &str,
    ) -> Result<EventId>;
    /// Places a legal hold in `collaborative`, for its data protection officer.
    fn place_hold(
        &self,
        officer: PersonId,
        collaborative: StreamId,
        on: HoldOn,
        reason: &str,
    ) -> Result<EventId>;
    /// Lifts a legal hold, for a data protection officer of its collaborative.
    fn lift_hold(&self, officer: PersonId, hold: EventId, reason: &str) -> Result<EventId>;
    /// The retention of the collaboratives `officer` acts for (every one, with none),
    /// and what is due on `as_of`: what a run that day would erase, and what a hold
    /// keeps.
    fn retention(
        &self,
        officer: Option<PersonId>,
        as_of: time::Date,
    ) -> Result<Vec<RetentionReport>>;
    /// Erases, through the path an officer's erasure takes, the content whose period
    /// ended by `today` and that no hold covers: one recorded erasure per collaborative.
    fn run_retention(&self, today: time::Date) -> Result<Vec<Erasure>>;
    /// Takes changes (Automerge chunks) a device made after `base`, the stream's heads
    /// as the server listed them, without Automerge's sync protocol.
    fn push(
        &self,
        device: &Device,
        stream: StreamId,
        base: &[automerge::ChangeHash],
        changes: &[u8],
    ) -> Result<Pushed>;
    /// Compacts the stream's stored document when enough changes wait beside it (after
    /// a fast-forward, off the request's path). True when it compacted.
    fn compact_if_due(&self, stream: StreamId) -> Result<bool>;
    /// The whole stream as stored (its document and the changes after it, as
    /// Automerge chunks) with its heads, for a device whose person may read it.
    fn whole_stream(
        &self,
        device: &Device,
        stream: StreamId,
    ) -> Result<praxis_core::store::WholeStream>;
    /// Takes records the field app made on `device` (which keeps no replica), with
    /// the ids and times it gave them: one result per record, in the order given, each
    /// recorded, already held, or refused on its own.
    fn receipts(&self, stream: StreamId) -> Result<Vec<Receipt>>;
    fn take_field_records(
        &self,
        device: &Device,
        records: Vec<praxis_core::protocol::field::FieldRecord>,
    ) -> Result<Vec<praxis_core::protocol::field::FieldResult>>;

    // Browser sessions, and what people record in the browser.
    fn start_session(
        &self,
        person: PersonId,
        token_hash: &str,
        csrf: &str,
        hours: i64,
    ) -> Result<()>;
    /// The live session whose cookie token hashes to `token_hash`.
    fn session(&self, token_hash: &str) -> Result<Option<WebSession>>;
    /// Remembers, for `minutes`, a sign-in begun at the OpenID Connect provider with
    /// the state that hashes to `state_hash` (expired ones are forgotten meanwhile).
    fn begin_sso_sign_in(&self, state_hash: &str, pending: &SsoSignIn, minutes: i64) -> Result<()>;
    /// Takes the sign-in begun with the state that hashes to `state_hash`, once:
    /// `None` when there is none, it was taken already, or it expired.
    fn take_sso_sign_in(&self, state_hash: &str) -> Result<Option<SsoSignIn>>;
    /// The person whose username is `username`, compared without regard to letter
    /// case: their id and name (`None` when nobody, or more than one, has it).
    fn person_by_username(&self, username: &str) -> Result<Option<(PersonId, String)>>;
    fn end_session(&self, token_hash: &str) -> Result<()>;
    /// Failed sign-ins for `key` (a username or a client address): how many, and
    /// milliseconds since the last.
    fn sign_in_failures(&self, key: &str) -> Result<Option<(u32, i64)>>;
    /// Counts a failed sign-in against each key; a count whose last failure is older
    /// than `forget_after_ms` starts again.
    fn fail_sign_in(&self, keys: &[String], forget_after_ms: i64) -> Result<()>;
    fn clear_sign_in_failures(&self, key: &str) -> Result<()>;
    /// Records events authored by `person` on their browser device, after the same
    /// role check the sync gate makes and the domain's validation, with a receipt for
    /// each change, all in one transaction.
    fn record_for(
        &self,
        person: PersonId,
        stream: StreamId,
        events: Vec<praxis_core::domain::event::Event>,
    ) -> Result<Vec<EventId>>;

    /// Appends to the access log, in one transaction, that `person` read each stream
    /// (and record in it) of `reads` in the browser through `route`, under their browser
    /// device (enrolled on first use).
    fn log_browser_access(
        &self,
        person: PersonId,
        route: &str,
        reads: &[(StreamId, Option<EventId>)],
    ) -> Result<()>;

    /// How many stream documents are loaded in memory now.
    fn documents_loaded(&self) -> usize;

    /// Whether the storage can be used now: a database it depends on answers.
    fn health(&self) -> Result<()> {
        Ok(())
    }

    // Audit.
    /// Appends to the access log that `device` read `stream` (and `record` in it).
    fn log_access(
        &self,
        device: &Device,
        route: &str,
        stream: StreamId,
        record: Option<EventId>,
    ) -> Result<()>;
    /// The access log of some streams, oldest first.
    fn access_log(&self, streams: &[StreamId]) -> Result<Vec<AccessEntry>>;
    /// Every change of the stream's Automerge document, in causal order, as bytes.
    fn stream_changes(&self, stream: StreamId) -> Result<Vec<Vec<u8>>>;
    /// The keys of a stream's sealed content as they stand (held or erased).
    fn stream_keys(&self, stream: StreamId) -> Result<Vec<(i64, praxis_core::store::KeyChange)>>;
    /// The stream's receipt log as the audit bundle holds it (times in milliseconds).
    fn receipt_log(
        &self,
        stream: StreamId,
    ) -> Result<Vec<praxis_core::audit::bundle::ReceiptEntry>>;
    /// When each event of the stream named in its receipt log reached the server, in
    /// receipt order.
    fn arrivals(&self, stream: StreamId) -> Result<Vec<Arrived>>;
    /// The stream's events, decoded, in fold order.
    fn envelopes(&self, stream: StreamId) -> Result<Vec<praxis_core::domain::envelope::Envelope>>;
    fn stream_info(&self, stream: StreamId) -> Result<praxis_core::store::queries::StreamInfo>;
    /// The device the server records its own events with (the organisation's, and
    /// collaboratives founded by an administrator).
    fn server_device(&self) -> DeviceId;
}
