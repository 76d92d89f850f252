//! The harness for end-to-end tests: a real `praxis-server` process on 127.0.0.1 with
//! a temporary data directory, people and teams set up through the same storage the
//! administrator's commands use, and phones as real client stores.

use praxis_core::domain::event::{CollaborativeFounded, ProjectStarted, Scope};
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::Store;
use praxis_core::sync::{Credentials, NoProgress, Retry, Server, StreamReport};
use praxis_server::auth::hash_password;
use praxis_server::storage::{MasterKey, SqliteStorage, Storage, StorageError};
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

/// Which storage the tests run the server on: the embedded SQLite file (the default),
/// or PostgreSQL (`PRAXIS_TEST_ENGINE=postgres`), the same tests on both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn engine() -> Engine {
    match std::env::var("PRAXIS_TEST_ENGINE").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Engine::Sqlite,
        Ok("postgres") => Engine::Postgres,
        Ok(other) => panic!("PRAXIS_TEST_ENGINE is '{other}': give sqlite or postgres"),
    }
}

/// The database a server on `data_dir` keeps its record in, with PostgreSQL, and the
/// master key file every instance of it shares: made the first time it is asked for.
fn database_of(data_dir: &Path) -> (String, PathBuf) {
    let key = data_dir.with_extension("master-key");
    let url = databases()
        .entry(data_dir.to_path_buf())
        .or_insert_with(crate::postgres::database)
        .clone();
    (url, key)
}

/// Copies the data of a server on `from` (stopped) to be a server's on `to`: the data
/// directory's files, or with PostgreSQL a copy of its database (and the master key).
pub fn copy_data(from: &Path, to: &Path) {
    match engine() {
        Engine::Sqlite => {
            std::fs::create_dir_all(to).expect("a directory for the copy");
            for entry in std::fs::read_dir(from).expect("the data directory") {
                let entry = entry.expect("a file of the data directory");
                std::fs::copy(entry.path(), to.join(entry.file_name())).expect("a copy");
            }
        }
        Engine::Postgres => {
            let (url, key) = database_of(from);
            let name = |url: &str| url.rsplit('/').next().unwrap_or_default().to_string();
            let copy = crate::postgres::shared().url(&format!("{}_copy", name(&url)));
            let mut client = postgres::Client::connect(
                &crate::postgres::shared().url("postgres"),
                postgres::NoTls,
            )
            .expect("the test cluster");
            client
                .batch_execute(&format!(
                    "CREATE DATABASE {} TEMPLATE {}",
                    name(&copy),
                    name(&url)
                ))
                .expect("a copy of the database (nothing connected to it)");
            std::fs::copy(&key, to.with_extension("master-key")).expect("the master key");
            register(to, copy);
        }
    }
}

fn databases() -> std::sync::MutexGuard<'static, std::collections::HashMap<PathBuf, String>> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    DATABASES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn register(data_dir: &Path, url: String) {
    databases().insert(data_dir.to_path_buf(), url);
}

/// The options that put a server on `data_dir` on the engine the tests run.
pub fn engine_options(data_dir: &Path) -> Vec<String> {
    match engine() {
        Engine::Sqlite => Vec::new(),
        Engine::Postgres => {
            let (url, key) = database_of(data_dir);
            vec![
                "--database".into(),
                url,
                "--master-key-file".into(),
                key.display().to_string(),
            ]
        }
    }
}

/// The storage of the server on `data_dir`, as its administrator's commands open it:
/// the data directory itself, or with PostgreSQL another instance on the same
/// database (with a cache of its own beside the data directory).
pub fn open_storage(data_dir: &Path) -> Result<SqliteStorage, StorageError> {
    open_storage_with_clock(data_dir, WallClock::system())
}

/// `open_storage` with the stores reading the time from `wall` (the demo's story).
pub fn open_storage_with_clock(
    data_dir: &Path,
    wall: WallClock,
) -> Result<SqliteStorage, StorageError> {
    match engine() {
        Engine::Sqlite => SqliteStorage::open_with_clock(data_dir, wall),
        Engine::Postgres => {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let (url, key) = database_of(data_dir);
            let cache =
                data_dir.with_extension(format!("cache-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
            SqliteStorage::open_on_postgres(&cache, wall, &MasterKey::File(key), &url)
        }
    }
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

    /// Starts the server on its SQLite data directory alone, whatever engine the
    /// tests run (for what only a data directory has, such as one to move).
    pub fn start_on_sqlite(data_dir: &Path, options: &[&str]) -> TestServer {
        let mut options = options.to_vec();
        options.push("--sqlite-only");
        Self::spawn(data_dir, "127.0.0.1:0", &options, Stdio::piped())
    }

    /// Starts the server with extra `serve` options.
    pub fn start_with(data_dir: &Path, options: &[&str]) -> TestServer {
        Self::spawn(data_dir, "127.0.0.1:0", options, Stdio::piped())
    }

    /// Starts the server on `addr` (an address of 127.0.0.1 known beforehand, as a
    /// provider's registered redirect URI needs), with extra `serve` options.
    pub fn start_on(data_dir: &Path, addr: &str, options: &[&str]) -> TestServer {
        Self::spawn(data_dir, addr, options, Stdio::piped())
    }

    /// Starts the server with its error output shown on this process's, for benches,
    /// where an error the server logs must be seen.
    pub fn start_showing_errors(data_dir: &Path) -> TestServer {
        Self::spawn(data_dir, "127.0.0.1:0", &[], Stdio::inherit())
    }

    fn spawn(data_dir: &Path, addr: &str, options: &[&str], stderr: Stdio) -> TestServer {
        // `PRAXIS_SERVER_STDERR=1` shows every server's log, to see why a test failed;
        // `PRAXIS_SERVER_LOG` says what is logged (as RUST_LOG does; warnings otherwise).
        let log = std::env::var("PRAXIS_SERVER_LOG").unwrap_or_else(|_| "warn".into());
        let stderr = if std::env::var_os("PRAXIS_SERVER_STDERR").is_some() {
            Stdio::inherit()
        } else {
            stderr
        };
        let mut child = Command::new(crate::binary("praxis-server"))
            .args(["serve", "--addr", addr, "--data-dir"])
            .arg(data_dir)
            .args(
                if options.contains(&"--database") || options.contains(&"--sqlite-only") {
                    Vec::new()
                } else {
                    engine_options(data_dir)
                },
            )
            .args(options.iter().filter(|o| **o != "--sqlite-only"))
            .env("RUST_LOG", log)
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
        // What it said last on its error output, to show should it not start.
        let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        if let Some(stderr) = child.stderr.take() {
            let said = said.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut said = said.lock().unwrap_or_else(|p| p.into_inner());
                    said.push(line);
                    if said.len() > 20 {
                        said.remove(0);
                    }
                }
            });
        }
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
                let said = said.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
                panic!("praxis-server did not say where it listens within 120 s; it said:\n{said}");
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
    // PostgreSQL's client runs a runtime of its own, which may not be started inside
    // an async test's: the fixture is set up on a thread of its own.
    std::thread::scope(|s| {
        s.spawn(|| fixture_here(data_dir))
            .join()
            .expect("the fixture is set up")
    })
}

fn fixture_here(data_dir: &Path) -> Fixture {
    let mut storage = open_storage(data_dir).expect("storage");
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
