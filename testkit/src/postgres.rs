//! A real PostgreSQL 15 for the tests: a throwaway cluster from Debian's binaries
//! (`/usr/lib/postgresql/15/bin`), in a temporary directory, listening on a free port
//! of 127.0.0.1 only. `scripts/test` installs PostgreSQL when it is missing; a test
//! run without it fails and says so, it never skips.
//!
//! Tests run as root, and PostgreSQL refuses to run as root, so the cluster is made
//! and run as the `postgres` user when the tests are root. A watchdog shell beside the
//! server stops it and removes its directory when the test process ends, however it
//! ends, so no cluster outlives its tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where Debian puts PostgreSQL 15's programs.
pub const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster. `stop` and `start` take it down and bring it back on the same
/// port and data (a database restarting under a server); dropping it stops it and
/// removes its directory.
pub struct Postgres {
    port: u16,
    dir: PathBuf,
    server: Option<Child>,
    watchdog: Child,
}

fn program(name: &str) -> PathBuf {
    let path = Path::new(BIN).join(name);
    assert!(
        path.exists(),
        "PostgreSQL 15 is not installed ({} is missing): run the tests through scripts/test, which installs it, or `apt-get install postgresql-15`",
        path.display()
    );
    path
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("`id -u` runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A command run as the `postgres` user when this process is root.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

fn run(mut command: Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A shell that waits for this process to end, then stops the cluster in `dir` and
/// removes the directory.
fn watchdog(dir: &Path) -> Child {
    let pg_ctl = program("pg_ctl");
    let runuser = if is_root() {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 0.5; done; {runuser}{pg_ctl} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {dir}",
        parent = std::process::id(),
        pg_ctl = pg_ctl.display(),
        data = dir.join("data").display(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the cluster's watchdog starts")
}

impl Postgres {
    /// Makes a new cluster and starts it.
    pub fn start() -> Postgres {
        let initdb = program("initdb");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp");
        std::fs::create_dir_all(&root).expect("create target/tmp");
        let dir = tempfile::Builder::new()
            .prefix("postgres-")
            .tempdir_in(&root)
            .expect("a directory for the cluster")
            .keep();
        if is_root() {
            let mut chown = Command::new("chown");
            chown.arg("postgres:").arg(&dir);
            run(chown, "giving the cluster's directory to the postgres user");
        }
        let mut init = as_owner(&initdb);
        init.arg("-D")
            .arg(dir.join("data"))
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "--no-instructions",
            ])
            .stdout(Stdio::null());
        run(init, "initdb");
        let watchdog = watchdog(&dir);
        let mut postgres = Postgres {
            port: free_port(),
            dir,
            server: None,
            watchdog,
        };
        postgres.start_again();
        postgres
    }

    /// Starts the server on the cluster's port and waits until it takes connections.
    pub fn start_again(&mut self) {
        assert!(self.server.is_none(), "the cluster is already running");
        let mut command = as_owner(&program("postgres"));
        command
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args([
                "-c",
                &format!("unix_socket_directories={}", self.dir.display()),
            ])
            .args(["-c", "max_connections=300"])
            // A test cluster lives minutes: what it writes need not survive the machine.
            .args(["-c", "fsync=off"])
            .args(["-c", "full_page_writes=off"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("postgres starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if postgres::Client::connect(&self.url("postgres"), postgres::NoTls).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("postgres exited ({status}) before taking connections: {err}");
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not take connections within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Its log is not read once it runs; a full pipe must not stop it.
        if let Some(mut err) = child.stderr.take() {
            std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        }
        self.server = Some(child);
    }

    /// Stops the server at once, as a crash or a failover would (`-m immediate`): what
    /// it committed is kept, and it recovers at the next start.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let mut stop = as_owner(&program("pg_ctl"));
            stop.arg("-D")
                .arg(self.dir.join("data"))
                .args(["stop", "-m", "immediate"])
                .stdout(Stdio::null());
            run(stop, "pg_ctl stop");
            let _ = child.wait();
        }
    }

    /// The address of `database` on this cluster, as `--database` takes it.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new empty database on this cluster, and its address.
    pub fn database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!(
            "praxis_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("the test cluster takes connections");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a new database");
        self.url(&name)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The cluster this test process shares (started on first use), for tests that need
/// a database but not its stopping; each asks it for a database of its own.
pub fn shared() -> &'static Postgres {
    static SHARED: OnceLock<Postgres> = OnceLock::new();
    SHARED.get_or_init(Postgres::start)
}

/// A new empty database on the shared cluster.
pub fn database() -> String {
    shared().database()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_keeps_what_it_committed_across_a_stop_and_a_start() {
        let mut cluster = Postgres::start();
        let url = cluster.database();
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")
            .unwrap();
        drop(client);
        cluster.stop();
        assert!(postgres::Client::connect(&url, postgres::NoTls).is_err());
        cluster.start_again();
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let n: i32 = client.query_one("SELECT n FROM kept", &[]).unwrap().get(0);
        assert_eq!(n, 7);
        let dir = cluster.dir.clone();
        drop(client);
        drop(cluster);
        assert!(!dir.exists(), "the cluster's directory is removed");
    }
}
