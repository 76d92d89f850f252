//! A store holding a collaborative and one project with a charter and two measures,
//! grown with generated events through the public store API.

use crate::generator::{Generator, charter, founded, project_started, ratio_measure, unit_measure};
use crate::tempdir;
use praxis_core::domain::event::*;
use praxis_core::domain::ids::StreamId;
use praxis_core::store::{Store, StoreError, StoreKey, queries};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A store holding a collaborative and one project with a charter and two measures.
pub struct Project {
    pub store: Store,
    pub stream: StreamId,
    pub path: PathBuf,
    pub generator: Generator,
    /// Last, so the directory goes after the store has closed.
    pub dir: TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project::in_store(|path| Store::create(path, "Asha Patel"))
    }

    /// The same project in a store encrypted under `key`.
    pub fn encrypted(key: &StoreKey) -> Project {
        Project::in_store(|path| Store::create_encrypted(path, "Asha Patel", key))
    }

    fn in_store(create: impl FnOnce(&Path) -> Result<Store, StoreError>) -> Project {
        let dir = tempdir();
        let path = dir.path().join("store.sqlite3");
        let mut store = create(&path).expect("create the store");
        let collaborative = store
            .found_collaborative(founded())
            .expect("found the collaborative")
            .stream;
        let stream = store
            .start_project(project_started(collaborative))
            .expect("start the project")
            .stream;
        store
            .record(
                stream,
                Event::CharterSet {
                    replaces: vec![],
                    charter: charter(),
                },
            )
            .expect("set the charter");
        let generator = define_measures(&mut store, stream);
        Project {
            store,
            stream,
            path,
            generator,
            dir,
        }
    }

    /// Events in the project's stream, as its summary counts them.
    pub fn events(&self) -> u64 {
        queries::summary(self.store.connection(), self.stream)
            .expect("the project's summary")
            .events
    }

    /// Records `n` more generated events, `batch` per call of `record_all`.
    pub fn grow(&mut self, n: usize, batch: usize) {
        record_generated(&mut self.store, self.stream, &mut self.generator, n, batch);
    }

    /// Grows the project's stream to `total` events.
    pub fn grow_to(&mut self, total: u64, batch: usize) {
        let have = self.events();
        if total > have {
            self.grow((total - have) as usize, batch);
        }
    }

    /// Plans `n` cycles in one call, so that later batches can carry their Do, Study
    /// and Act.
    pub fn plan_cycles(&mut self, n: usize) {
        let plans = (0..n).map(|_| self.generator.plan()).collect();
        let recorded = self
            .store
            .record_all(self.stream, plans)
            .expect("plan cycles");
        self.generator.learn(&recorded);
    }
}

/// Starts `team`'s project in `collaborative` and defines the generator's two measures
/// in it (its first three events); returns the project and a generator for it.
pub fn start_measured_project(
    store: &mut Store,
    collaborative: StreamId,
    team: &str,
    title: &str,
) -> (StreamId, Generator) {
    let stream = store
        .start_project(ProjectStarted {
            collaborative,
            team: team.into(),
            organisation: "Northshire County Council".into(),
            title: title.into(),
        })
        .expect("start a project")
        .stream;
    (stream, define_measures(store, stream))
}

/// Defines the generator's two measures in `stream`; returns a generator for them.
fn define_measures(store: &mut Store, stream: StreamId) -> Generator {
    let ratio = store
        .record(stream, Event::MeasureDefined(ratio_measure()))
        .expect("define a ratio measure")
        .id;
    let unit = store
        .record(stream, Event::MeasureDefined(unit_measure()))
        .expect("define a unit measure")
        .id;
    Generator::new(ratio, unit)
}

/// Records `n` generated events in `stream`, `batch` per call of `record_all`.
pub fn record_generated(
    store: &mut Store,
    stream: StreamId,
    generator: &mut Generator,
    n: usize,
    batch: usize,
) {
    let mut left = n;
    while left > 0 {
        let events = generator.batch(left.min(batch));
        left -= events.len();
        let recorded = store.record_all(stream, events).expect("record a batch");
        generator.learn(&recorded);
    }
}

impl Default for Project {
    fn default() -> Self {
        Project::new()
    }
}
