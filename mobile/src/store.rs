//! `PraxisStore`: the device's store, opened with the key the app keeps in the
//! platform's keystore, and enrolment with a server.

use crate::error::PraxisError;
use praxis_core::domain::event::CollaborativeFounded;
use praxis_core::store::{self as core, Store, StoreKey};
use praxis_core::sync::{Credentials, Enrolment, Server};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The device's store. Every method is safe to call from any thread; calls take turns.
#[derive(uniffi::Object)]
pub struct PraxisStore {
    store: Mutex<Store>,
    /// Held for a whole sync or enrolment, which lock `store` one step at a time.
    syncing: Mutex<()>,
    path: PathBuf,
}

/// Who uses this store, on which device.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Identity {
    pub person_id: String,
    pub name: String,
    pub device_id: String,
    /// The server this device syncs with; `None` while it works offline only.
    pub server: Option<String>,
}

/// A record just saved on the device.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Recorded {
    /// The record's id (the id of the event that made it).
    pub id: String,
    /// The stream (collaborative or project) it belongs to.
    pub stream_id: String,
    /// What kind of record it is (`observation-recorded`, `cycle-done`...).
    pub kind: String,
    /// When it was saved: milliseconds since 1970 (UTC) on the device's clock.
    pub recorded_at_millis: u64,
    /// Orders records saved within the same millisecond.
    pub recorded_at_counter: u32,
}

impl From<core::Recorded> for Recorded {
    fn from(r: core::Recorded) -> Self {
        Recorded {
            id: r.id.0.to_string(),
            stream_id: r.stream.0.to_string(),
            kind: r.kind.name().to_string(),
            recorded_at_millis: r.at.millis,
            recorded_at_counter: r.at.counter,
        }
    }
}

/// A new random key for a new store (32 bytes). Keep it in the platform's keystore:
/// without it the store cannot be read.
#[uniffi::export]
pub fn generate_key() -> Result<Vec<u8>, PraxisError> {
    Ok(StoreKey::generate()?.as_bytes().to_vec())
}

#[uniffi::export]
impl PraxisStore {
    /// Creates a new store at `path` for the person `name`, encrypted under `key`
    /// (32 bytes from the platform's keystore).
    #[uniffi::constructor]
    pub fn create(path: String, name: String, key: Vec<u8>) -> Result<Arc<Self>, PraxisError> {
        let key = StoreKey::from_bytes(&key)?;
        Ok(Arc::new(Self::create_with_key(
            Path::new(&path),
            &name,
            &key,
        )?))
    }

    /// Opens the store at `path` with its key. A wrong key is refused (`WrongKey`)
    /// and changes nothing.
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> Result<Arc<Self>, PraxisError> {
        let key = StoreKey::from_bytes(&key)?;
        Ok(Arc::new(Self::open_with_key(Path::new(&path), &key)?))
    }

    /// Encrypts under `key` the plain (unencrypted) store at `path`, one made before
    /// device stores were encrypted, keeping every record, then opens it. Until the
    /// encrypted copy is checked to hold everything the plain store holds, the plain
    /// store stays as it was. Refused (changing nothing) when the store is already
    /// encrypted (`AlreadyEncrypted`), or there is no device store at `path` (`NoStore`).
    #[uniffi::constructor]
    pub fn encrypt_plain(path: String, key: Vec<u8>) -> Result<Arc<Self>, PraxisError> {
        let key = StoreKey::from_bytes(&key)?;
        let path = Path::new(&path);
        Self::encrypt_plain_with_key(path, &key)?;
        Ok(Arc::new(Self::open_with_key(path, &key)?))
    }

    /// Who this store records as.
    pub fn identity(&self) -> Result<Identity, PraxisError> {
        let store = self.lock();
        let identity = store.identity();
        Ok(Identity {
            person_id: identity.person.0.to_string(),
            name: identity.name.clone(),
            device_id: identity.device.0.to_string(),
            server: store
                .setting(praxis_core::sync::SERVER_SETTING)?
                .filter(|s| !s.is_empty()),
        })
    }

    /// Enrols this device with a server: signs in, and from then on records as the
    /// person the server knows. Needs a connection; afterwards the device works
    /// offline and syncs when it can. A failed enrolment changes nothing.
    pub fn enrol(
        &self,
        server_url: String,
        username: String,
        password: String,
        device_name: String,
    ) -> Result<Identity, PraxisError> {
        let credentials = Credentials::Password { username, password };
        self.enrol_with(&server_url, &credentials, &device_name)?;
        self.identity()
    }

    /// Enrols this device with a one-time enrolment code instead of a password: the
    /// person makes the code in Praxis in their browser (`/devices/enrol`), and it
    /// works once, for a few minutes, in any case and with or without its dashes. A
    /// wrong, used or expired code is `WrongEnrolmentCode`, and changes nothing.
    pub fn enrol_with_code(
        &self,
        server_url: String,
        code: String,
        device_name: String,
    ) -> Result<Identity, PraxisError> {
        self.enrol_with(&server_url, &Credentials::EnrolmentCode(code), &device_name)?;
        self.identity()
    }

    /// Founds a collaborative on this device, for working with no server at all.
    pub fn found_collaborative(
        &self,
        name: String,
        topic: String,
        chosen_with: String,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        Ok(store
            .found_collaborative(CollaborativeFounded {
                name,
                topic,
                chosen_with,
            })?
            .into())
    }

    /// Where the store is on the device.
    pub fn path(&self) -> String {
        self.path.display().to_string()
    }
}

impl PraxisStore {
    /// For Rust callers (the terminal client): a store created under a key.
    pub fn create_with_key(path: &Path, name: &str, key: &StoreKey) -> Result<Self, PraxisError> {
        Ok(PraxisStore {
            store: Mutex::new(Store::create_encrypted(path, name, key)?),
            syncing: Mutex::new(()),
            path: path.to_path_buf(),
        })
    }

    /// For Rust callers (the terminal client): a store opened with its key.
    pub fn open_with_key(path: &Path, key: &StoreKey) -> Result<Self, PraxisError> {
        Ok(PraxisStore {
            store: Mutex::new(Store::open_encrypted(path, key)?),
            syncing: Mutex::new(()),
            path: path.to_path_buf(),
        })
    }

    /// For Rust callers (the terminal client): encrypts the plain store at `path` in
    /// place, and tells what was kept. An error means the plain store is as it was.
    pub fn encrypt_plain_with_key(
        path: &Path,
        key: &StoreKey,
    ) -> Result<core::Encrypted, PraxisError> {
        Ok(core::encrypt_plain_store(path, key)?)
    }

    /// For Rust callers (the terminal client): enrolment proven by `credentials` (a
    /// password or a one-time enrolment code), as the client core tells it.
    pub fn enrol_with(
        &self,
        server_url: &str,
        credentials: &Credentials,
        device_name: &str,
    ) -> Result<Enrolment, PraxisError> {
        let _one_at_a_time = self.syncing();
        let server = Server::new(server_url)?;
        Ok(server.enrol(self.shared(), credentials, device_name)?)
    }

    /// For Rust callers (the terminal client): enrolment that carries over what was
    /// recorded on this device before it was enrolled, re-recorded under the enrolled
    /// person with its times kept; projects of a collaborative founded on this device
    /// move to the person's team on the server (`team`, when they are in several).
    pub fn enrol_carrying_over_with(
        &self,
        server_url: &str,
        credentials: &Credentials,
        device_name: &str,
        team: Option<&str>,
    ) -> Result<Enrolment, PraxisError> {
        let _one_at_a_time = self.syncing();
        let server = Server::new(server_url)?;
        Ok(server.enrol_carrying_over(self.shared(), credentials, device_name, team)?)
    }

    /// For Rust callers (the terminal client): reads the client core's views with the
    /// store, taking turns with every other call. Nothing can be recorded through it:
    /// every record goes through this type's recording methods.
    pub fn read<T>(&self, read: impl FnOnce(&Store) -> T) -> T {
        read(&self.lock())
    }

    /// The client core's store, held for one call. Calls take turns.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while the lock was held left no transaction open (SQLite rolled it
        // back), so the store itself is still sound: carry on with it.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The store as a sync borrows it: locked for one step at a time.
    pub(crate) fn shared(&self) -> &Mutex<Store> {
        &self.store
    }

    /// Waits for any other sync or enrolment of this store to end.
    pub(crate) fn syncing(&self) -> MutexGuard<'_, ()> {
        self.syncing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
