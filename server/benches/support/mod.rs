//! What the server's benches share: a phone's stream synced into the server's storage
//! through `Storage::sync`, as a phone's would be, without a network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::ids::StreamId;
use praxis_core::store::Store;
use praxis_server::storage::{Device, SqliteStorage, Storage};

const PEER: &str = "server";

/// The allocator the server binary runs with (`src/main.rs`), so that what is timed in
/// this process is what the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Syncs `stream` from the phone's store into the server's storage until both settle.
pub fn sync(store: &mut Store, storage: &mut SqliteStorage, device: &Device, stream: StreamId) {
    let mut state = store.sync_state(stream, PEER).unwrap();
    for _ in 0..100 {
        match store.generate_sync_message(stream, &mut state).unwrap() {
            Some(o) if !o.in_sync => {
                let reply = storage.sync(device, stream, &o.bytes).unwrap();
                if let Some(message) = reply.message {
                    store
                        .receive_sync_message(stream, &mut state, &message, None)
                        .unwrap();
                }
            }
            _ => {
                store.save_sync_state(stream, PEER, &state).unwrap();
                return;
            }
        }
    }
    panic!("stream {stream} did not settle in 100 rounds");
}
