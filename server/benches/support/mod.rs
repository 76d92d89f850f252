//! What the server's benches share: the collaborative, people with enrolled phones,
//! and a phone's stream synced into the server's storage through `Storage::sync`, as a
//! phone's would be, through the same sync session, without a network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{CollaborativeFounded, Scope};
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::store::{Identity, Store};
use praxis_core::sync::{NoProgress, Retry};
use praxis_server::auth::{hash_password, new_token, token_hash};
use praxis_server::storage::{Device, SqliteStorage, Storage};
use praxis_server::transport::InProcess;
use std::path::Path;
use std::sync::atomic::AtomicBool;

const COLLABORATIVE: &str = "Independence at home";

/// The allocator the server binary runs with (`src/main.rs`), so that what is timed in
/// this process is what the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Syncs `stream` from the phone's store into the server's storage until both settle,
/// through the same session a phone runs over HTTP.
pub fn sync(store: &mut Store, storage: &SqliteStorage, device: &Device, stream: StreamId) {
    let mut transport = InProcess::for_device(storage, device.clone());
    let report = praxis_core::sync::sync_stream(
        store,
        &mut transport,
        stream,
        Retry::never(),
        &mut NoProgress,
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(report.synced(), "stream {stream} did not sync: {report:?}");
}

/// The benches' collaborative, founded by an administrator.
pub fn founded(storage: &SqliteStorage) -> StreamId {
    storage
        .add_collaborative(CollaborativeFounded {
            name: COLLABORATIVE.into(),
            topic: "Promoting independence".into(),
            chosen_with: "The service users' forum".into(),
        })
        .unwrap()
}

/// A person with `role` for `scope` and a phone enrolled: (device, bearer token).
pub fn enrolled(
    storage: &SqliteStorage,
    username: &str,
    name: &str,
    role: Role,
    scope: Scope,
) -> (Device, String) {
    let password = hash_password("a long bench password").unwrap();
    let person = storage.add_person(username, name, &password).unwrap();
    storage.grant(person, role, scope).unwrap();
    let token = new_token().unwrap();
    storage
        .enrol_device(person, &format!("{name}'s phone"), &token_hash(&token), 30)
        .unwrap();
    let device = storage
        .device_by_token(&token_hash(&token))
        .unwrap()
        .unwrap();
    (device, token)
}

/// The enrolled device's phone at `path`, holding the collaborative's stream.
pub fn phone(
    path: &Path,
    storage: &SqliteStorage,
    device: &Device,
    name: &str,
    collaborative: StreamId,
) -> Store {
    let mut phone = Store::create(path, name).unwrap();
    phone
        .adopt_identity(Identity {
            person: device.person,
            name: name.into(),
            device: device.id,
        })
        .unwrap();
    phone
        .add_stream(
            collaborative,
            StreamKind::Collaborative,
            COLLABORATIVE,
            None,
        )
        .unwrap();
    sync(&mut phone, storage, device, collaborative);
    phone
}
