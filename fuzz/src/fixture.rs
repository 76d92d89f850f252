//! A server's data directory for the targets that drive the server: a collaborative
//! with one team and its project (a measure, a cycle and a monthly report in it), a
//! practitioner with an enrolled phone and a field app device, and a coordinator who
//! is also the team's senior manager, signed in to a browser. It is made once per
//! process through the server's own storage and a phone's store synced in process;
//! every input then meets a copy of it, opened afresh whenever an input changed it,
//! so each input meets the same server and what a run finds can be run again.

use crate::placeholders::{self, Placeholders};
use automerge::sync::{Have, Message, MessageVersion};
use praxis_core::domain::event::{
    CollaborativeFounded, Direction, Event, Frequency, MeasureDefinition, MeasureKind, MeasureUnit,
    MonthlyReport, Observation, ObservationKind, Plan, Prediction, ProjectStarted, Scope, Score,
    TestScale,
};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::replication::StreamDocument;
use praxis_core::store::{Identity, Store};
use praxis_core::sync::{NoProgress, Retry};
use praxis_server::auth::{hash_password, token_hash};
use praxis_server::sign_in_limit;
use praxis_server::storage::{Device, SqliteStorage, Storage};
use praxis_server::transport::InProcess;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use tempfile::TempDir;
use time::macros::date;

/// The team the project belongs to, as its `ProjectStarted` names it.
pub const TEAM: &str = "Northside adults";
/// The organisation the team works for.
pub const ORGANISATION: &str = "Northshire County Council";
/// The coordinator's browser session: its cookie's token and its forms' CSRF token.
pub const SESSION_TOKEN: &str = "fuzz-session-0123456789abcdef0123456789abcdef";
pub const CSRF: &str = "fuzz-csrf-0123456789abcdef0123456789abcdef";
/// The field app's device token (the practitioner's browser).
pub const FIELD_TOKEN: &str = "pxd_fuzz-field-0123456789abcdef0123456789abcdef";
/// The sign-in form's double-submit token, as a cookie and a field.
pub const SIGN_IN_TOKEN: &str = "fuzz-sign-in-0123456789abcdef0123456789abcdef";
/// Where every request comes from: an address held back after many failed sign-ins,
/// so no password is ever hashed (an argon2 hash takes longer than a run may).
pub const ADDRESS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
const PASSWORD: &str = "correct horse battery staple";
const TOKEN_DAYS: i64 = 30;

pub struct Fixture {
    pub collaborative: StreamId,
    pub project: StreamId,
    pub practitioner: PersonId,
    /// The practitioner's phone, as the server's sign-in finds it.
    pub phone: Device,
    pub coordinator: PersonId,
    pub report: EventId,
    /// The placeholders of committed inputs, with the ids they stand for here.
    pub placeholders: Placeholders,
    /// The data directory as set up, never opened again.
    template: TempDir,
}

/// A copy of the data directory, opened. The storage closes before the directory goes
/// (fields drop in order); the storage may be moved out into an `AppState` as long as
/// the directory outlives it.
pub struct Opened {
    pub storage: SqliteStorage,
    pub dir: TempDir,
}

/// A temporary directory, in memory when the system has one (every commit of the
/// server's store waits for the disk, and these need not outlive the process), under
/// one directory for this process.
fn temporary() -> TempDir {
    tempfile::Builder::new()
        .tempdir_in(process_dir())
        .expect("make a temporary directory")
}

/// `praxis-fuzz-<pid>` in the system's memory-backed or temporary directory. A fuzzer
/// ends by `exit`, which drops no static and so removes no directory: those of
/// processes that have ended are removed when the next one starts.
fn process_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let parent = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        // Which processes live is read from /proc; without it nothing is removed.
        let proc = Path::new("/proc/self").exists();
        if let (true, Ok(entries)) = (proc, std::fs::read_dir(&parent)) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let ended = name
                    .to_str()
                    .and_then(|n| n.strip_prefix(PROCESS_DIR_PREFIX))
                    .is_some_and(|pid| !Path::new("/proc").join(pid).exists());
                if ended {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = parent.join(format!("{PROCESS_DIR_PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("make the process's temporary directory");
        dir
    })
}

const PROCESS_DIR_PREFIX: &str = "praxis-fuzz-";

impl Fixture {
    pub fn set_up() -> Fixture {
        let template = temporary();
        let storage = SqliteStorage::open(template.path()).expect("open the server's storage");
        let collaborative = storage
            .add_collaborative(CollaborativeFounded {
                name: "Independence at home".into(),
                topic: "Promoting independence where health-and-safety worries get in the way"
                    .into(),
                chosen_with: "Chosen with the service users' forum".into(),
            })
            .expect("found the collaborative");
        let team = storage
            .add_team(collaborative, TEAM, ORGANISATION)
            .expect("add the team");
        let hash = hash_password(PASSWORD).expect("hash the password");
        let practitioner = storage
            .add_person("asha", "Asha Patel", &hash)
            .expect("add the practitioner");
        storage
            .grant(practitioner, Role::Practitioner, Scope::Team(team))
            .expect("grant the practitioner's role");
        let coordinator = storage
            .add_person("jo", "Jo Okafor", &hash)
            .expect("add the coordinator");
        storage
            .grant(
                coordinator,
                Role::Coordinator,
                Scope::Collaborative(collaborative),
            )
            .expect("grant the coordinator's role");
        storage
            .grant(coordinator, Role::SeniorManager, Scope::Team(team))
            .expect("grant the senior manager's role");

        let phone_token = "pxd_fuzz-phone-0123456789abcdef0123456789abcdef";
        let hours = TOKEN_DAYS * 24;
        storage
            .enrol_device(
                practitioner,
                "Asha's phone",
                &token_hash(phone_token),
                hours,
            )
            .expect("enrol the phone");
        let phone = storage
            .device_by_token(&token_hash(phone_token))
            .expect("look the phone up")
            .expect("the phone just enrolled");
        storage
            .enrol_field_device(practitioner, "Field app", &token_hash(FIELD_TOKEN), hours)
            .expect("enrol the field app");
        storage
            .start_session(coordinator, &token_hash(SESSION_TOKEN), CSRF, hours)
            .expect("start the coordinator's session");

        let phone_dir = temporary();
        let mut phone_store = Store::create(&phone_dir.path().join("phone"), "Asha Patel")
            .expect("create the phone's store");
        let (project, measure, cycle) =
            record_on_phone(&mut phone_store, &storage, &phone, collaborative);
        let report = storage
            .record_for(
                coordinator,
                project,
                vec![Event::MonthlyReportSubmitted(MonthlyReport {
                    month: date!(2026 - 10 - 01),
                    measures: "Plans agreed rose to 4 of 10".into(),
                    cycles: "One cycle of the risk conversation guide".into(),
                    learning: "People take part when it starts from what matters to them".into(),
                    barriers: String::new(),
                    plans: "Try the guide on reviews".into(),
                    self_score: Score(25),
                })],
            )
            .expect("submit a monthly report")
            .first()
            .copied()
            .expect("the report's id");
        // The phone takes the report, and says it holds what the server holds: the
        // state the server keeps with it is that of a sync that settled.
        sync(&mut phone_store, &storage, &phone, project);
        say_in_sync(&storage, &phone, project);

        // Failed sign-ins from the address, past the backoff's longest wait.
        for _ in 0..sign_in_limit::ADDRESS_ALLOWED + 10 {
            hold_back_sign_ins(&storage);
        }
        drop(storage);

        let placeholders = Placeholders::new(vec![
            (placeholders::PROJECT, project.0),
            (placeholders::COLLABORATIVE, collaborative.0),
            (placeholders::CYCLE, cycle.0),
            (placeholders::MEASURE, measure.0),
            (placeholders::REPORT, report.0),
        ]);
        Fixture {
            collaborative,
            project,
            practitioner,
            phone,
            coordinator,
            report,
            placeholders,
            template,
        }
    }

    /// The server's storage on a fresh copy of the data directory as it was set up.
    pub fn open(&self) -> Opened {
        let dir = temporary();
        for entry in std::fs::read_dir(self.template.path()).expect("list the data directory") {
            let from = entry.expect("a file of the data directory").path();
            let to = dir.path().join(from.file_name().expect("a file name"));
            std::fs::copy(&from, &to).expect("copy the data directory");
        }
        let storage = SqliteStorage::open(dir.path()).expect("open the copy of the data directory");
        Opened { storage, dir }
    }
}

/// One more failed sign-in counted from `ADDRESS`, so its backoff starts again now
/// (the set-up counted enough for the longest).
pub fn hold_back_sign_ins(storage: &dyn Storage) {
    let key = sign_in_limit::keys("", Some(ADDRESS))
        .pop()
        .expect("an address key")
        .0;
    let forget = sign_in_limit::FORGET_AFTER.as_millis() as i64;
    storage
        .fail_sign_in(&[key], forget)
        .expect("count a failed sign-in");
}

/// The practitioner's phone starts the project, defines a measure, plans a cycle and
/// records an observation, and syncs it all to the server: (project, measure, cycle).
fn record_on_phone(
    phone: &mut Store,
    storage: &SqliteStorage,
    device: &Device,
    collaborative: StreamId,
) -> (StreamId, EventId, EventId) {
    phone
        .adopt_identity(Identity {
            person: device.person,
            name: "Asha Patel".into(),
            device: device.id,
        })
        .expect("adopt the identity");
    phone
        .add_stream(
            collaborative,
            StreamKind::Collaborative,
            "Independence at home",
            None,
        )
        .expect("add the collaborative's stream");
    sync(phone, storage, device, collaborative);
    let project = phone
        .start_project(ProjectStarted {
            collaborative,
            team: TEAM.into(),
            organisation: ORGANISATION.into(),
            title: "Positive risk plans".into(),
        })
        .expect("start the project")
        .stream;
    let measure = phone
        .record(
            project,
            Event::MeasureDefined(MeasureDefinition {
                name: "Plans agreed".into(),
                kind: MeasureKind::Outcome,
                operational_definition: "Assessments with a positive risk plan agreed".into(),
                unit: MeasureUnit::Ratio {
                    numerator: "with a plan".into(),
                    denominator: "assessments".into(),
                },
                direction: Direction::HigherIsBetter,
                target: Some(75.0),
                frequency: Frequency::Weekly,
            }),
        )
        .expect("define a measure")
        .id;
    let cycle = phone
        .record(
            project,
            Event::CyclePlanned(Plan {
                change_idea: None,
                follows: None,
                scale: TestScale::VerySmall,
                objective: "Try a risk conversation guide".into(),
                predictions: vec![Prediction {
                    question: "Will people take part?".into(),
                    prediction: "Both will".into(),
                    reason: "It starts from what matters to them".into(),
                }],
                who: "A. Lee".into(),
                what: "Use the guide".into(),
                where_: "Home visits".into(),
                when: date!(2026 - 11 - 02),
                data_to_collect: "Whether a plan was agreed".into(),
            }),
        )
        .expect("plan a cycle")
        .id;
    phone
        .record(
            project,
            Event::ObservationRecorded(Observation {
                kind: ObservationKind::Observation,
                cycle: Some(cycle),
                subject: Some("P-0413".into()),
                observed_on: date!(2026 - 11 - 03),
                text: "Her daughter joined the conversation".into(),
            }),
        )
        .expect("record an observation");
    sync(phone, storage, device, project);
    (project, measure, cycle)
}

/// The phone's message saying it has every change the server has of `stream`, and
/// nothing more.
fn say_in_sync(storage: &SqliteStorage, phone: &Device, stream: StreamId) {
    let changes = storage
        .stream_changes(stream)
        .expect("the stream's changes");
    let mut document = StreamDocument::genesis(stream).expect("a genesis");
    document
        .apply(StreamDocument::parse_changes(&changes).expect("the changes parse"))
        .expect("the changes apply");
    let heads = document.heads();
    let message = Message {
        heads: heads.clone(),
        need: Vec::new(),
        have: vec![Have {
            last_sync: heads,
            ..Have::default()
        }],
        changes: Vec::<Vec<u8>>::new().into(),
        flags: None,
        version: MessageVersion::V1,
    };
    storage
        .sync(phone, stream, &message.encode())
        .expect("the server takes the phone's message");
}

/// Syncs `stream` from the phone into the server's storage until both settle.
fn sync(phone: &mut Store, storage: &SqliteStorage, device: &Device, stream: StreamId) {
    let mut transport = InProcess::for_device(storage, device.clone());
    let report = praxis_core::sync::sync_stream(
        phone,
        &mut transport,
        stream,
        Retry::never(),
        &mut NoProgress,
        &AtomicBool::new(false),
    )
    .expect("sync the phone");
    assert!(report.synced(), "stream {stream} did not sync: {report:?}");
}
