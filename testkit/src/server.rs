//! The harness for end-to-end tests: a real `praxis-server` process on 127.0.0.1 with
//! a temporary data directory, people and teams set up through the same storage the
//! administrator's commands use, and phones as real client stores.

use praxis_core::domain::event::{CollaborativeFounded, ProjectStarted, Scope};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::Store;
use praxis_core::sync::{Credentials, NoProgress, Retry, Server, StreamReport};
use praxis_server::auth::hash_password;
use praxis_server::storage::{SqliteStorage, Storage};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tempfile::TempDir;

pub const PASSWORD: &str = "a long test password";

/// A form's fields as a browser posts them (`application/x-www-form-urlencoded`).
pub fn form_body(form: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

/// A running server process; killed when dropped.
pub struct TestServer {
    pub url: String,
    pub data_dir: PathBuf,
    child: Option<Child>,
}

impl TestServer {
    /// Starts `praxis-server serve` on a free port of 127.0.0.1.
    pub fn start(data_dir: &Path) -> TestServer {
        Self::start_with(data_dir, &[])
    }

    /// Starts the server with extra `serve` options.
    pub fn start_with(data_dir: &Path, options: &[&str]) -> TestServer {
        Self::spawn(data_dir, "127.0.0.1:0", options, Stdio::null())
    }

    /// Starts the server on `addr` (an address of 127.0.0.1 known beforehand, as a
    /// provider's registered redirect URI needs), with extra `serve` options.
    pub fn start_on(data_dir: &Path, addr: &str, options: &[&str]) -> TestServer {
        Self::spawn(data_dir, addr, options, Stdio::null())
    }

    /// Starts the server with its error output shown on this process's, for benches,
    /// where an error the server logs must be seen.
    pub fn start_showing_errors(data_dir: &Path) -> TestServer {
        Self::spawn(data_dir, "127.0.0.1:0", &[], Stdio::inherit())
    }

    fn spawn(data_dir: &Path, addr: &str, options: &[&str], stderr: Stdio) -> TestServer {
        let mut child = Command::new(crate::binary("praxis-server"))
            .args(["serve", "--addr", addr, "--data-dir"])
            .arg(data_dir)
            .args(options)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the praxis-server binary runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("praxis-server listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        // Seeding the demo collaborative (`--demo`) can take a while in a debug build.
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(url) => TestServer {
                url,
                data_dir: data_dir.to_path_buf(),
                child: Some(child),
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("praxis-server did not say where it listens within 120 s");
            }
        }
    }

    /// The server process's id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the server process is still running (not killed, not exited).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn get(&self, path: &str, token: &str) -> reqwest::blocking::Response {
        reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .expect("the server answers")
    }

    pub fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let response = self.get(path, token);
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().expect("JSON")
    }

    /// How many events of `stream` the server holds, as the read API lists them.
    pub fn events_in(&self, stream: StreamId, token: &str) -> usize {
        let events = self.get_json(&format!("/api/v1/streams/{stream}/events"), token);
        events["events"]
            .as_array()
            .map_or_else(|| panic!("no events listed: {events}"), Vec::len)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A collaborative with two teams and a person in every role for each.
pub struct Fixture {
    pub collaborative: StreamId,
    pub north: EventId,
    pub south: EventId,
}

/// Founds the collaborative on the server, as its administrator does.
pub fn collaborative(storage: &SqliteStorage) -> StreamId {
    storage
        .add_collaborative(CollaborativeFounded {
            name: "Independence at home".into(),
            topic: "Promoting independence where health-and-safety worries get in the way".into(),
            chosen_with: "Chosen with the service users' forum".into(),
        })
        .expect("collaborative")
}

pub fn person(storage: &mut SqliteStorage, username: &str, role: Role, scope: Scope) {
    let hash = hash_password(PASSWORD).expect("hash");
    let id = storage
        .add_person(username, username, &hash)
        .expect("add person");
    storage.grant(id, role, scope).expect("grant");
}

/// Sets up the fixture in `data_dir` (before or while the server runs): usernames are
/// `<role>-north`, `<role>-south` (team roles) and `coordinator`, `manager`, `auditor`
/// for the whole collaborative, plus `outsider` with no membership.
pub fn fixture(data_dir: &Path) -> Fixture {
    let mut storage = SqliteStorage::open(data_dir).expect("storage");
    let collaborative = collaborative(&storage);
    let north = storage
        .add_team(collaborative, "Northside", "Northshire County Council")
        .expect("team");
    let south = storage
        .add_team(collaborative, "Southside", "Southbank Borough Council")
        .expect("team");
    for (team, suffix) in [(north, "north"), (south, "south")] {
        for role in [
            Role::Practitioner,
            Role::Advisor,
            Role::Coordinator,
            Role::SeniorManager,
            Role::Auditor,
        ] {
            person(
                &mut storage,
                &format!("{}-{suffix}", role.name()),
                role,
                Scope::Team(team),
            );
        }
        person(
            &mut storage,
            &format!("practitioner2-{suffix}"),
            Role::Practitioner,
            Scope::Team(team),
        );
    }
    person(
        &mut storage,
        "coordinator",
        Role::Coordinator,
        Scope::Collaborative(collaborative),
    );
    person(
        &mut storage,
        "manager",
        Role::SeniorManager,
        Scope::Collaborative(collaborative),
    );
    person(
        &mut storage,
        "auditor",
        Role::Auditor,
        Scope::Collaborative(collaborative),
    );
    person(
        &mut storage,
        "administrator",
        Role::Administrator,
        Scope::Collaborative(collaborative),
    );
    let hash = hash_password(PASSWORD).expect("hash");
    storage
        .add_person("outsider", "outsider", &hash)
        .expect("outsider");
    Fixture {
        collaborative,
        north,
        south,
    }
}

/// A server on a fresh temporary data directory that holds the fixture.
pub struct Running {
    pub server: TestServer,
    pub fixture: Fixture,
    /// Last, so the directory goes after the server has stopped.
    pub dir: TempDir,
}

impl Running {
    /// Enrols a phone for `username` (a person of the fixture), its store in the
    /// temporary directory.
    pub fn enrol(&self, username: &str) -> Phone {
        Phone::enrol(self.dir.path(), &self.server.url, username)
    }
}

/// Sets up the fixture in a fresh temporary data directory (`<dir>/data`) and starts a
/// server on it.
pub fn running() -> Running {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let fixture = fixture(&data);
    let server = TestServer::start(&data);
    Running {
        server,
        fixture,
        dir,
    }
}

/// Starts a team's project on the device (the collaborative must be on it).
pub fn start_project(store: &mut Store, collaborative: StreamId, team: &str) -> StreamId {
    store
        .start_project(ProjectStarted {
            collaborative,
            team: team.into(),
            organisation: "Northshire County Council".into(),
            title: "Positive risk plans".into(),
        })
        .expect("start project")
        .stream
}

/// A phone: a real client store, enrolled with the server as `username`.
pub struct Phone {
    pub store: Store,
    pub server: Server,
    pub token: String,
}

impl Phone {
    pub fn enrol(dir: &Path, url: &str, username: &str) -> Phone {
        let mut store = Store::create(
            &dir.join(format!("{username}-{}.sqlite3", uuid::Uuid::now_v7())),
            username,
        )
        .expect("store");
        let server = Server::new(url).expect("url").with_retry(Retry::never());
        server
            .enrol(
                &mut store,
                &Credentials::password(username, PASSWORD),
                &format!("{username}'s phone"),
            )
            .expect("enrol");
        let token = store.setting("token").expect("setting").expect("a token");
        Phone {
            store,
            server,
            token,
        }
    }

    /// Syncs every stream; panics if the sync as a whole fails.
    pub fn sync(&mut self) -> Vec<StreamReport> {
        self.server
            .sync(&mut self.store, &mut NoProgress, &AtomicBool::new(false))
            .expect("sync")
    }

    /// Syncs every stream; says why if the sync failed or a stream did not sync.
    pub fn try_sync(&mut self) -> Result<Vec<StreamReport>, String> {
        let reports = self
            .server
            .sync(&mut self.store, &mut NoProgress, &AtomicBool::new(false))
            .map_err(|e| format!("the sync failed: {e}"))?;
        match reports.iter().find(|r| !r.synced()) {
            Some(failed) => Err(format!("a stream did not sync: {failed:?}")),
            None => Ok(reports),
        }
    }

    pub fn project_streams(&self) -> Vec<StreamId> {
        praxis_core::store::queries::streams(self.store.connection())
            .expect("streams")
            .into_iter()
            .filter(|s| s.kind == praxis_core::domain::record::StreamKind::Project)
            .map(|s| s.id)
            .collect()
    }
}
