//! What the server's benches share: the allocator the server runs with, and the
//! testkit's direct fixtures (the collaborative, people with enrolled phones, and a
//! phone's stream synced into the server's storage through the same sync session a
//! phone runs, without a network).

pub use praxis_testkit::direct::{enrolled, founded, phone, sync};

/// The allocator the server binary runs with (`src/main.rs`), so that what is timed in
/// this process is what the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
