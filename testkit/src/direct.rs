//! A phone's streams synced straight into the server's storage through
//! `Storage::sync`, as the server does with what a phone sends, without a network:
//! for tests and benches of the storage itself.

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

/// Syncs `stream` from the phone's store into the server's storage until both settle,
/// through the same sync session a phone runs over HTTP (`InProcess` carries it).
pub fn sync(phone: &mut Store, storage: &SqliteStorage, device: &Device, stream: StreamId) {
    let mut transport = InProcess::for_device(storage, device.clone());
    let report = praxis_core::sync::sync_stream(
        phone,
        &mut transport,
        stream,
        Retry::never(),
        &mut NoProgress,
        &AtomicBool::new(false),
    )
    .expect("the sync runs");
    assert!(report.synced(), "stream {stream} did not sync: {report:?}");
}

/// The collaborative the direct fixtures found, by an administrator.
pub fn founded(storage: &SqliteStorage) -> StreamId {
    storage
        .add_collaborative(CollaborativeFounded {
            name: COLLABORATIVE.into(),
            topic: "Promoting independence".into(),
            chosen_with: "The service users' forum".into(),
        })
        .expect("found the collaborative")
}

/// A person with `role` for `scope` and a phone enrolled: (device, bearer token).
pub fn enrolled(
    storage: &SqliteStorage,
    username: &str,
    name: &str,
    role: Role,
    scope: Scope,
) -> (Device, String) {
    let password = hash_password(crate::server::PASSWORD).expect("hash");
    let person = storage
        .add_person(username, name, &password)
        .expect("add person");
    storage.grant(person, role, scope).expect("grant");
    let token = new_token().expect("a token");
    storage
        .enrol_device(
            person,
            &format!("{name}'s phone"),
            &token_hash(&token),
            30 * 24,
        )
        .expect("enrol the device");
    let device = storage
        .device_by_token(&token_hash(&token))
        .expect("look the device up")
        .expect("the device just enrolled");
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
    let mut phone = Store::create(path, name).expect("create the phone's store");
    phone
        .adopt_identity(Identity {
            person: device.person,
            name: name.into(),
            device: device.id,
        })
        .expect("adopt the identity");
    phone
        .add_stream(
            collaborative,
            StreamKind::Collaborative,
            COLLABORATIVE,
            None,
        )
        .expect("add the collaborative's stream");
    sync(&mut phone, storage, device, collaborative);
    phone
}
