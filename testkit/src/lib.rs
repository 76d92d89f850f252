//! What Praxis's tests and benches share: a store with a project and a generator of
//! valid events to grow it, and summaries of timings. Test code only: it panics with a
//! sentence when a fixture cannot be made.

mod generator;
mod project;
mod timing;

pub use generator::{Generator, charter, ratio_measure, unit_measure};
pub use project::Project;
pub use timing::percentiles;

use tempfile::TempDir;

/// A temporary directory on the same disk as the build (under `target/`, not a tmpfs),
/// so that fsync costs what it costs.
pub fn tempdir() -> TempDir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp");
    std::fs::create_dir_all(&root).expect("create target/tmp for temporary directories");
    tempfile::tempdir_in(root).expect("a temporary directory")
}
