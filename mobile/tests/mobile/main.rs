//! The phone API's own tests, in one binary: the encrypted store, the recording
//! methods by record family, and reads that go on while a sync waits on the network.
//! The generated bindings are tested end to end in the workspace's `tests/` crate.
//! `store_with_project` is the set-up the measure tests share.

mod encryption;
mod enrolment_code;
mod evidence;
mod reads_during_sync;
mod records;
mod signals;
mod warnings;

/// A sync observer that takes no notice: for tests that read the sync's answer.
struct Quiet;

impl praxis_mobile::SyncObserver for Quiet {
    fn planned(&self, _streams: u32) {}
    fn stream_started(&self, _name: String, _index: u32, _of: u32) {}
    fn retrying(&self, _reason: String, _delay_ms: u64) {}
    fn stream_finished(&self, _result: praxis_mobile::StreamResult) {}
}

/// A new store on disk with a collaborative and one project in it: the store, its
/// directory (kept while the store is used) and the project's id.
#[allow(clippy::unwrap_used)]
fn store_with_project() -> (
    tempfile::TempDir,
    std::sync::Arc<praxis_mobile::PraxisStore>,
    String,
) {
    use praxis_mobile::{PraxisStore, generate_key};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let store = PraxisStore::create(
        path.display().to_string(),
        "Ann".into(),
        generate_key().unwrap(),
    )
    .unwrap();
    store
        .found_collaborative(
            "Promoting independence".into(),
            "Independence where worries about risk get in the way".into(),
            "Two workshops with people who use services".into(),
        )
        .unwrap();
    let project = store
        .start_project(
            None,
            "Northside".into(),
            "Northshire CC".into(),
            "Home".into(),
        )
        .unwrap()
        .stream_id;
    (dir, store, project)
}
