//! A phone's streams synced straight into the server's storage through
//! `Storage::sync`, as the server does with what a phone sends, without a network:
//! for tests and benches of the storage itself.

use praxis_core::domain::event::Scope;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::store::{Identity, Store};
use praxis_server::auth::{hash_password, new_token, token_hash};
use praxis_server::storage::{Device, SqliteStorage, Storage};
use std::path::Path;

/// The name the phone keeps its sync state with the server under.
const PEER: &str = "server";

/// Syncs `stream` from the phone's store into the server's storage until both settle.
pub fn sync(phone: &mut Store, storage: &SqliteStorage, device: &Device, stream: StreamId) {
    let mut state = phone.sync_state(stream, PEER).expect("the sync state");
    for _ in 0..100 {
        match phone
            .generate_sync_message(stream, &mut state)
            .expect("a sync message")
        {
            Some(o) if !o.in_sync => {
                let reply = storage
                    .sync(device, stream, &o.bytes)
                    .expect("the storage takes the message");
                if let Some(message) = reply.message {
                    phone
                        .receive_sync_message(stream, &mut state, &message, None)
                        .expect("the phone takes the reply");
                }
            }
            _ => {
                phone
                    .save_sync_state(stream, PEER, &state)
                    .expect("save the sync state");
                return;
            }
        }
    }
    panic!("stream {stream} did not settle in 100 rounds");
}

/// A person with `role` for `scope` and a phone enrolled: (device, bearer token).
pub fn enrolled(
    storage: &SqliteStorage,
    username: &str,
    role: Role,
    scope: Scope,
) -> (Device, String) {
    let password = hash_password(crate::server::PASSWORD).expect("hash");
    let person = storage
        .add_person(username, username, &password)
        .expect("add person");
    storage.grant(person, role, scope).expect("grant");
    let token = new_token().expect("a token");
    storage
        .enrol_device(
            person,
            &format!("{username}'s phone"),
            &token_hash(&token),
            30,
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
            "Independence at home",
            None,
        )
        .expect("add the collaborative's stream");
    sync(&mut phone, storage, device, collaborative);
    phone
}
