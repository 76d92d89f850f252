//! The phone API's own tests, in one binary: the encrypted store, the recording
//! methods by record family, and reads that go on while a sync waits on the network.
//! The generated bindings are tested end to end in the workspace's `tests/` crate.

mod encryption;
mod reads_during_sync;
mod records;
mod signals;
mod warnings;
