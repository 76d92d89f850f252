//! A phone under faults: an encrypted store on disk that records offline and syncs
//! either in this process (the sync loop over HTTP, as the phone app runs it) or as the
//! `praxis` terminal client in a process of its own, which can be killed with SIGKILL
//! in the middle of its sync. After a kill the store is opened again, as an app
//! restarted after its process died would open it.

use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::store::{Store, StoreKey, queries};
use praxis_core::sync::{Credentials, NoProgress, Retry, Server, StreamReport, SyncError};
use praxis_testkit::rng::Rng;
use praxis_testkit::server::PASSWORD;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Quick tries under faults, so a schedule does not wait long on each one.
pub const QUICK: Retry = Retry {
    tries: 4,
    first_delay: Duration::from_millis(10),
    max_delay: Duration::from_millis(100),
};

pub struct Device {
    pub username: String,
    path: PathBuf,
    key: StoreKey,
    store: Option<Store>,
    /// Every event recorded here, in the order recorded.
    pub recorded: Vec<EventId>,
    /// Cycles planned here whose Do is still to be recorded.
    planned: Vec<EventId>,
}

/// How a sync in a process of its own ended.
pub enum Ended {
    /// Killed while it ran.
    Killed,
    /// It ended by itself before the kill, with what it said on failure.
    Exited { success: bool, stderr: String },
}

impl Device {
    /// A new store for `username`, enrolled with the server at `url` (the proxy's
    /// address, which the store keeps for its syncs).
    pub fn enrol(dir: &Path, url: &str, username: &str) -> Device {
        let key = StoreKey::generate().expect("a key");
        let path = dir.join(format!("{username}.sqlite3"));
        let mut store = Store::create_encrypted(&path, username, &key).expect("a store");
        Server::new(url)
            .expect("url")
            .with_retry(Retry::never())
            .enrol(
                &mut store,
                &Credentials::password(username, PASSWORD),
                "a phone under faults",
            )
            .expect("enrolled");
        Device {
            username: username.to_string(),
            path,
            key,
            store: Some(store),
            recorded: Vec::new(),
            planned: Vec::new(),
        }
    }

    pub fn store(&mut self) -> &mut Store {
        if self.store.is_none() {
            let store = Store::open_encrypted(&self.path, &self.key).expect("the store opens");
            self.store = Some(store);
        }
        self.store.as_mut().expect("opened above")
    }

    /// Starts the team's project here; returns its stream.
    pub fn start_project(&mut self, collaborative: StreamId, team: &str) -> StreamId {
        let stream = praxis_testkit::server::start_project(self.store(), collaborative, team);
        let founding = queries::summary(self.store().connection(), stream)
            .expect("summary")
            .founding
            .expect("started");
        self.recorded.push(founding);
        stream
    }

    /// Records one of the day's records offline, chosen by `rng`: an observation, a
    /// measurement of `measure`, a new cycle's Plan, or the Do of a cycle planned here.
    pub fn record(&mut self, stream: StreamId, measure: EventId, rng: &mut Rng) {
        let event = match rng.below(4) {
            0 => praxis_testkit::records::measurement(measure, rng.below(11) as u8),
            1 => praxis_testkit::records::plan("Try the guide on another visit"),
            2 if !self.planned.is_empty() => {
                let cycle = self
                    .planned
                    .remove(rng.below(self.planned.len() as u64) as usize);
                praxis_testkit::records::done(cycle)
            }
            _ => praxis_testkit::records::observation(&format!(
                "Visit note {} by {}",
                self.recorded.len(),
                self.username
            )),
        };
        let planning = matches!(event, praxis_core::domain::event::Event::CyclePlanned(_));
        let id = self
            .store()
            .record(stream, event)
            .expect("recorded offline")
            .id;
        if planning {
            self.planned.push(id);
        }
        self.recorded.push(id);
    }

    /// Syncs in this process through the server at `url`.
    pub fn sync_here(&mut self, url: &str, retry: Retry) -> Result<Vec<StreamReport>, SyncError> {
        let server = Server::new(url).expect("url").with_retry(retry);
        server.sync(self.store(), &mut NoProgress, &AtomicBool::new(false))
    }

    /// Syncs to the end with no faults about: every stream synced, or a sentence why not.
    pub fn settle(&mut self, url: &str) -> Result<Vec<StreamReport>, String> {
        let reports = self
            .sync_here(url, Retry::never())
            .map_err(|e| format!("{}: the sync failed: {e}", self.username))?;
        match reports.iter().find(|r| !r.synced()) {
            Some(failed) => Err(format!(
                "{}: a stream did not sync: {failed:?}",
                self.username
            )),
            None => Ok(reports),
        }
    }

    /// Syncs with `praxis sync` in a process of its own, killed with SIGKILL after
    /// `kill_after` if it still runs then. The store is closed here meanwhile, and
    /// opened again when next used.
    pub fn sync_in_process_of_its_own(&mut self, kill_after: Option<Duration>) -> Ended {
        self.store = None;
        let mut child = Command::new(praxis_testkit::binary("praxis"))
            .arg("--store")
            .arg(&self.path)
            .arg("sync")
            .env("PRAXIS_KEY", self.key.to_hex())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the praxis binary runs");
        if let Some(after) = kill_after {
            let deadline = Instant::now() + after;
            while Instant::now() < deadline {
                if child.try_wait().expect("the child's status").is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            if child.try_wait().expect("the child's status").is_none() {
                let _ = child.kill();
                let _ = child.wait();
                return Ended::Killed;
            }
        }
        let output = child.wait_with_output().expect("the child's output");
        Ended::Exited {
            success: output.status.success(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        }
    }
}
