//! People and devices by id, as the audit answers name them.

use super::Result;
use crate::storage::Storage;
use praxis_core::domain::ids::{DeviceId, PersonId};
use praxis_core::protocol::audit::{DeviceRef, PersonRef};
use std::collections::HashMap;

pub(super) struct Names {
    people: HashMap<PersonId, (String, String)>,
    devices: HashMap<DeviceId, String>,
    server_device: DeviceId,
}

impl Names {
    pub(super) fn read(storage: &dyn Storage) -> Result<Names> {
        Ok(Names {
            people: storage
                .people()?
                .into_iter()
                .map(|p| (p.id, (p.username, p.name)))
                .collect(),
            devices: storage
                .devices()?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
            server_device: storage.server_device(),
        })
    }

    pub(super) fn person(&self, id: PersonId) -> PersonRef {
        match self.people.get(&id) {
            Some((username, name)) => PersonRef {
                id,
                username: Some(username.clone()),
                name: name.clone(),
            },
            None => PersonRef {
                id,
                username: None,
                name: "the server".into(),
            },
        }
    }

    pub(super) fn device(&self, id: DeviceId) -> DeviceRef {
        let name = if id == self.server_device {
            "the server".to_string()
        } else {
            self.devices
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "an unknown device".into())
        };
        DeviceRef { id, name }
    }

    /// Matches a person given by id, username or name.
    pub(super) fn matches(&self, id: PersonId, wanted: &str) -> bool {
        id.to_string() == wanted
            || self
                .people
                .get(&id)
                .is_some_and(|(u, n)| u == wanted || n == wanted)
    }
}
