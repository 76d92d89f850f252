//! What Praxis's tests and benches share: a store with a project and a generator of
//! valid events to grow it, the real server as a process with a fixture of people in
//! every role, phones as real client stores (synced over HTTP, or straight into the
//! server's storage), valid records of every kind, receipts for a stream's changes,
//! reading a store's files' bytes, summaries of timings, a browser without JavaScript
//! (`web`), a headless Chromium on a desktop or a phone screen, a proxy that puts the
//! network's faults between sync clients and the server, a real OpenID Connect
//! provider (`oidc`), a throwaway PostgreSQL cluster (`postgres`), and seeded randomness that a
//! failing run prints to replay. Test code only: it panics with a sentence when a
//! fixture cannot be made.

pub mod browser;
pub mod clear_text;
pub mod direct;
pub mod faults;
mod generator;
pub mod oidc;
pub mod postgres;
mod project;
pub mod proxy;
mod receipts;
pub mod records;
pub mod rng;
pub mod server;
mod timing;
pub mod web;

pub use generator::{
    Generator, charter, founded, guide_plan, project_started, ratio_measure, unit_measure,
};
pub use project::{Project, record_generated, start_measured_project};
pub use receipts::receipts_for;
pub use timing::percentiles;

use tempfile::TempDir;

/// A temporary directory on the same disk as the build (under `target/`, not a tmpfs),
/// so that fsync costs what it costs.
pub fn tempdir() -> TempDir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp");
    std::fs::create_dir_all(&root).expect("create target/tmp for temporary directories");
    tempfile::tempdir_in(root).expect("a temporary directory")
}

/// A binary of the workspace, as `cargo test --workspace` built it beside the test
/// binaries (`target/<profile>/`). Tests in one crate cannot name another crate's
/// binaries through cargo, so they find them here.
pub fn binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{name} is not built at {}: run the tests with `cargo test --workspace` (or `scripts/test`), which builds every binary the tests start",
        path.display()
    );
    path
}
