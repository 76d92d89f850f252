//! The sync's `Transport` inside the server's own process: each request goes straight
//! to `Storage`, checked as the API checks it (an active device; the person's
//! password at enrolment), so the demo seed and the benches sync through the same
//! session a phone does, with no network between.

use crate::credentials::{new_token, token_hash, verify_password};
use crate::error::ServerError;
use crate::storage::{Device, DeviceStatus, Storage, StreamAccess};
use praxis_core::domain::ids::StreamId;
use praxis_core::protocol::enrolment_code;
use praxis_core::protocol::keys::{KeysAnswer, KeysRequest};
use praxis_core::replication::device_actor;
use praxis_core::sync::{
    Credentials, EnrolReply, EnrolRequest, Failure, ListedStream, Refusal, RefusedEvent,
    StreamList, SyncReply, Transport,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The server's storage, as one device reaches it.
pub struct InProcess<'a> {
    storage: &'a dyn Storage,
    /// The device, as the API's sign-in finds it; `None` until it enrols.
    device: Option<Device>,
    /// How long a token given at enrolment stays valid.
    token_days: i64,
}

impl<'a> InProcess<'a> {
    /// The way in for an enrolled device.
    pub fn for_device(storage: &'a dyn Storage, device: Device) -> InProcess<'a> {
        InProcess {
            storage,
            device: Some(device),
            token_days: 0,
        }
    }

    /// The way in for a device that is yet to enrol; its token will last `token_days`.
    pub fn enrolling(storage: &'a dyn Storage, token_days: i64) -> InProcess<'a> {
        InProcess {
            storage,
            device: None,
            token_days,
        }
    }

    /// The device, refused as the API refuses it.
    fn device(&self) -> Result<Device, ServerError> {
        let device = self.device.clone().ok_or(ServerError::SignInRequired)?;
        match &device.status {
            DeviceStatus::Active => Ok(device),
            DeviceStatus::Revoked { at, reason } => Err(ServerError::DeviceRevoked {
                at: at.clone(),
                reason: reason.clone(),
            }),
            DeviceStatus::Expired { at } => Err(ServerError::TokenExpired(at.clone())),
        }
    }

    fn enrol_device(&mut self, request: &EnrolRequest) -> Result<EnrolReply, ServerError> {
        let device_name = crate::auth::device_name(&request.device_name)?;
        let token = new_token()?;
        let hours = self.token_days * 24;
        let (person, name, device) = match &request.credentials {
            Credentials::Password { username, password } => {
                let (person, name, hash) = self
                    .storage
                    .credentials(username)?
                    .ok_or(ServerError::WrongCredentials)?;
                if !verify_password(password, &hash) {
                    return Err(ServerError::WrongCredentials);
                }
                let device =
                    self.storage
                        .enrol_device(person, &device_name, &token_hash(&token), hours)?;
                (person, name, device)
            }
            Credentials::EnrolmentCode(typed) => {
                let code =
                    enrolment_code::canonical(typed).ok_or(ServerError::WrongEnrolmentCode)?;
                let enrolled = self
                    .storage
                    .enrol_device_with_code(
                        &token_hash(&code),
                        &device_name,
                        &token_hash(&token),
                        hours,
                    )?
                    .ok_or(ServerError::WrongEnrolmentCode)?;
                (enrolled.person, enrolled.name, enrolled.device)
            }
        };
        self.device = self.storage.device_by_token(&token_hash(&token))?;
        Ok(EnrolReply {
            device_id: device,
            actor_id: device_actor(device).to_hex_string(),
            token,
            person_id: person,
            name,
            teams: self.storage.teams_of(person)?,
        })
    }
}

impl Transport for InProcess<'_> {
    fn server(&self) -> &str {
        "this server"
    }

    fn enrol(&mut self, request: &EnrolRequest) -> Result<EnrolReply, Failure> {
        self.enrol_device(request)
            .map_err(|e| Failure::from_enrolment_refusal(refusal(e)))
    }

    fn streams(&mut self) -> Result<StreamList, Failure> {
        let (listed, heads, people) = self
            .device()
            .and_then(|device| {
                let listed = self.storage.streams_for(device.person)?;
                let people = self.storage.people_of(&listed)?;
                let ids: Vec<StreamId> = listed.iter().map(|a| a.stream_id).collect();
                let heads = self.storage.stream_heads(&ids)?;
                Ok((listed, heads, people))
            })
            .map_err(|e| Failure::from_refusal(refusal(e)))?;
        Ok(StreamList {
            streams: listed
                .iter()
                .zip(heads)
                .map(|(s, heads)| listed_stream(s, heads))
                .collect(),
            people,
        })
    }

    fn sync(&mut self, stream: StreamId, message: Vec<u8>) -> Result<SyncReply, Failure> {
        let reply = self
            .device()
            .and_then(|device| Ok(self.storage.sync(&device, stream, &message)?))
            .map_err(|e| Failure::from_refusal(refusal(e)))?;
        Ok(SyncReply {
            message: reply.message,
            accepted: reply.accepted_events,
        })
    }

    fn keys(&mut self, request: &KeysRequest) -> Result<Option<KeysAnswer>, Failure> {
        self.device()
            .and_then(|device| Ok(self.storage.exchange_keys(&device, request)?))
            .map(Some)
            .map_err(|e| Failure::from_refusal(refusal(e)))
    }

    /// Storage in this process does not fail in passing: no wait is needed.
    fn pause(&mut self, _delay: Duration, cancel: &AtomicBool) -> bool {
        !cancel.load(Ordering::Relaxed)
    }
}

/// A stream as the API lists it.
fn listed_stream(s: &StreamAccess, heads: Vec<String>) -> ListedStream {
    ListedStream {
        stream_id: s.stream_id,
        kind: s.kind.name().to_string(),
        name: s.name.clone(),
        collaborative: s.collaborative,
        role: s
            .roles
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(","),
        read_only: s.read_only,
        heads: Some(heads),
    }
}

/// A server error as the API would answer it.
fn refusal(e: ServerError) -> Refusal {
    let refused = match &e {
        ServerError::ChangesRefused(changes) => changes
            .iter()
            .map(|c| RefusedEvent {
                change: c.change.clone(),
                event: c.event,
                kind: c.kind.clone(),
                reason: c.reason.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    Refusal {
        status: e.status().as_u16(),
        code: e.code().to_string(),
        message: e.to_string(),
        refused,
        wait: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::auth::{hash_password, token_hash};
    use crate::storage::{SqliteStorage, Views};
    use praxis_core::domain::event::{CollaborativeFounded, Scope};
    use praxis_core::domain::role::Role;
    use praxis_core::store::{Store, queries};
    use praxis_core::sync::{NoProgress, Retry, SyncError, enrol, sync};

    #[test]
    fn a_device_enrols_and_syncs_in_process_as_it_would_over_http() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("server")).unwrap();
        let collaborative = storage
            .add_collaborative(CollaborativeFounded {
                name: "Independence at home".into(),
                topic: "Promoting independence".into(),
                chosen_with: "The service users' forum".into(),
            })
            .unwrap();
        let password = hash_password("a long password").unwrap();
        let person = storage.add_person("asha", "Asha Patel", &password).unwrap();
        storage
            .grant(
                person,
                Role::Coordinator,
                Scope::Collaborative(collaborative),
            )
            .unwrap();
        let mut phone = Store::create(&dir.path().join("phone.sqlite3"), "Asha").unwrap();

        let mut wrong = InProcess::enrolling(&storage, 30);
        let refused = enrol(
            &mut phone,
            &mut wrong,
            Retry::never(),
            &Credentials::password("asha", "guess"),
            "Phone",
        );
        assert!(
            matches!(refused, Err(SyncError::WrongPassword)),
            "{refused:?}"
        );

        let mut transport = InProcess::enrolling(&storage, 30);
        let enrolled = enrol(
            &mut phone,
            &mut transport,
            Retry::never(),
            &Credentials::password("asha", "a long password"),
            "Asha's phone",
        )
        .unwrap();
        assert_eq!(enrolled.person, person);
        assert_eq!(phone.identity().person, person);
        let cancel = AtomicBool::new(false);
        let reports = sync(
            &mut phone,
            &mut transport,
            Retry::never(),
            &mut NoProgress,
            &cancel,
        )
        .unwrap();
        let listed: Vec<_> = reports
            .iter()
            .map(|r| (r.stream, r.added_here, r.synced()))
            .collect();
        assert_eq!(listed, [(collaborative, true, true)]);
        assert_eq!(
            queries::events(phone.connection(), collaborative)
                .unwrap()
                .len(),
            storage.events(collaborative).unwrap().len()
        );
    }

    /// A code enrols one device, once, while it lasts; a newer code spends the older;
    /// a refused code enrols nothing.
    #[test]
    fn an_enrolment_code_enrols_one_device_once_while_it_lasts() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("server")).unwrap();
        let password = hash_password("a long password").unwrap();
        let person = storage.add_person("asha", "Asha Patel", &password).unwrap();
        let issue = |code: &str, minutes: i64| {
            storage
                .issue_enrolment_code(person, &token_hash(code), minutes)
                .unwrap();
        };
        let try_code = |typed: &str| {
            let mut phone = Store::create(
                &dir.path().join(format!("{}.sqlite3", uuid::Uuid::now_v7())),
                "phone",
            )
            .unwrap();
            let mut transport = InProcess::enrolling(&storage, 30);
            enrol(
                &mut phone,
                &mut transport,
                Retry::never(),
                &Credentials::EnrolmentCode(typed.into()),
                "Asha's phone",
            )
        };
        let devices = || storage.devices().unwrap().len();

        issue("7KQ2M9XD4HTRB3WN", 10);
        let enrolled = try_code("7kq2-m9xd-4htr-b3wn").unwrap();
        assert_eq!(
            (enrolled.person, enrolled.name.as_str()),
            (person, "Asha Patel")
        );
        assert_eq!(devices(), 1);
        let again = try_code("7KQ2-M9XD-4HTR-B3WN");
        assert!(
            matches!(&again, Err(SyncError::WrongEnrolmentCode(m)) if m.contains("/devices/enrol")),
            "{again:?}"
        );

        issue("AAAABBBBCCCCDDDD", 10);
        issue("EEEEFFFFGGGGHHHH", 10);
        assert!(
            try_code("AAAA-BBBB-CCCC-DDDD").is_err(),
            "replaced by a newer code"
        );
        assert_eq!(devices(), 1, "a refused code enrols no device");
        try_code("EEEE-FFFF-GGGG-HHHH").unwrap();
        assert_eq!(devices(), 2);
        issue("JJJJKKKKMMMMNNNN", 0);
        assert!(try_code("JJJJ-KKKK-MMMM-NNNN").is_err(), "expired");
        assert_eq!(devices(), 2, "an expired code enrols no device");
    }
}
