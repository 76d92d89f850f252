//! Enrolment without I/O: what must be given before asking, and what the store takes
//! on from the server's answer. Nothing in the store changes unless the answer is one
//! this device can record under.

use super::api::{EnrolReply, EnrolRequest};
use super::error::SyncError;
use super::{PEER, SERVER_SETTING, TOKEN_SETTING};
use crate::domain::ids::{DeviceId, PersonId};
use crate::store::{Identity, Store, queries};
use serde::Serialize;

/// What enrolment gave: who this device now records as.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enrolment {
    pub server: String,
    pub person: PersonId,
    pub name: String,
    pub device: DeviceId,
    pub device_name: String,
}

/// The request, once each part is given.
pub(crate) fn request<'a>(
    username: &'a str,
    password: &'a str,
    device_name: &'a str,
) -> Result<EnrolRequest<'a>, SyncError> {
    for (what, value) in [
        ("username", username),
        ("password", password),
        ("device name", device_name),
    ] {
        if value.trim().is_empty() {
            return Err(SyncError::Missing(what));
        }
    }
    Ok(EnrolRequest {
        username: username.trim(),
        password,
        device_name: device_name.trim(),
    })
}

/// Takes on the person and device the server made (see `Store::adopt_identity`) and
/// saves `server` and the token as device settings.
pub(crate) fn adopt(
    store: &mut Store,
    server: &str,
    reply: EnrolReply,
    device_name: &str,
) -> Result<Enrolment, SyncError> {
    // This device's changes carry its device id as their Automerge actor: a server
    // that bound another actor would refuse every one of them.
    let actor = uuid::Uuid::parse_str(reply.actor_id.trim()).ok();
    if actor != Some(reply.device_id.0) {
        return Err(SyncError::Protocol(format!(
            "it bound device {} to actor '{}', but a Praxis device records as its device id",
            reply.device_id, reply.actor_id
        )));
    }
    if reply.token.trim().is_empty() {
        return Err(SyncError::Protocol("it gave no token".into()));
    }
    store.adopt_identity(Identity {
        person: reply.person_id,
        name: reply.name.clone(),
        device: reply.device_id,
    })?;
    store.set_setting(SERVER_SETTING, server)?;
    store.set_setting(TOKEN_SETTING, &reply.token)?;
    // A new device starts afresh with the server: what an earlier enrolment's states
    // say the server holds may not hold for this one.
    for s in queries::streams(store.connection())? {
        store.save_sync_state(s.id, PEER, &automerge::sync::State::new())?;
    }
    Ok(Enrolment {
        server: server.to_string(),
        person: reply.person_id,
        name: reply.name,
        device: reply.device_id,
        device_name: device_name.trim().to_string(),
    })
}

/// The token the server gave this store at enrolment.
pub fn token(store: &Store) -> Result<String, SyncError> {
    store
        .setting(TOKEN_SETTING)?
        .filter(|t| !t.trim().is_empty())
        .ok_or(SyncError::NotEnrolled)
}
