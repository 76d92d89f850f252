//! Making, opening and enrolling the store: `init`, `enrol`, `store encrypt` and `sync`.

use crate::args::*;
use crate::device;
use crate::render::{self, Output};
use anyhow::{Result, anyhow};
use praxis_core::store::{StoreError, StoreFile};
use praxis_core::sync::{Credentials, Server};
use praxis_mobile::PraxisStore;
use std::sync::atomic::AtomicBool;

/// Encrypts a store made before stores were encrypted, with the key `praxis init` would
/// use (making the key file if there is none). Refused before any key file is made
/// unless the file is a plain device store; a key file made here is removed again if
/// the store could not be encrypted (it is then still the plain store it was).
pub fn encrypt(path: &std::path::Path) -> Result<Output> {
    match praxis_core::store::inspect(path) {
        StoreFile::Plain => {}
        StoreFile::Missing => return Err(StoreError::NotFound(path.to_path_buf()).into()),
        StoreFile::Encrypted => {
            return Err(StoreError::AlreadyEncrypted(path.to_path_buf()).into());
        }
        StoreFile::PlainOther(why) => {
            return Err(StoreError::NotAStore(path.to_path_buf(), why).into());
        }
        StoreFile::Unreadable => {
            return Err(StoreError::NotAStore(
                path.to_path_buf(),
                "it is neither a plain SQLite database nor an encrypted store".into(),
            )
            .into());
        }
    }
    let (key, new_key_file) = device::new_key(path)?;
    let kept = match PraxisStore::encrypt_plain_with_key(path, &key) {
        Ok(kept) => kept,
        Err(e) => {
            if let Some(file) = &new_key_file {
                let _ = std::fs::remove_file(file);
            }
            return Err(e.into());
        }
    };
    let key_place = if std::env::var(device::KEY_VARIABLE).is_ok_and(|k| !k.trim().is_empty()) {
        format!("the key in {}", device::KEY_VARIABLE)
    } else {
        device::key_file(path).display().to_string()
    };
    render::encrypted(path, &kept, &key_place, new_key_file.is_some())
}

/// Enrols the store, creating it first if there is none yet (the server says who
/// its person is). A failed enrolment changes nothing, and leaves no new store behind.
pub fn enrol(path: &std::path::Path, a: &EnrolArgs) -> Result<Output> {
    let credentials = credentials(a)?;
    Server::new(&a.server)?;
    let device_name = a.device_name.clone().unwrap_or_else(this_computer);
    let created = !path.exists();
    let (device, new_key_file) = if created {
        let (key, key_file) = device::new_key(path)?;
        // The server names the person at enrolment; until then the store is the
        // username's, or the device's when a code proves whose it is.
        let name = match &credentials {
            Credentials::Password { username, .. } => username.as_str(),
            Credentials::EnrolmentCode(_) => device_name.as_str(),
        };
        match PraxisStore::create_with_key(path, name, &key) {
            Ok(device) => (device, key_file),
            Err(e) => {
                remove_store(path, key_file.as_deref());
                return Err(e.into());
            }
        }
    } else {
        (device::open(path)?, None)
    };
    let enrolled = if a.carry_over {
        device.enrol_carrying_over_with(&a.server, &credentials, &device_name, a.team.as_deref())
    } else {
        device.enrol_with(&a.server, &credentials, &device_name)
    };
    match enrolled {
        Ok(enrolment) => render::enrolled(&enrolment, path),
        Err(e) => {
            if created {
                drop(device);
                remove_store(path, new_key_file.as_deref());
            }
            Err(e.into())
        }
    }
}

/// How this device proves whose it is: a one-time enrolment code, or a username and
/// the password (from --password or PRAXIS_PASSWORD).
fn credentials(a: &EnrolArgs) -> Result<Credentials> {
    if let Some(code) = &a.code {
        // A password kept in PRAXIS_PASSWORD for other enrolments is left unused; one
        // typed with the code is a mistake worth saying.
        let kept = std::env::var("PRAXIS_PASSWORD").ok();
        if a.password.is_some() && a.password != kept {
            return Err(anyhow!(
                "--code takes the place of --username and --password: give the code alone, or enrol with --username and your password instead."
            ));
        }
        return Ok(Credentials::EnrolmentCode(code.clone()));
    }
    let username = a.username.clone().unwrap_or_default();
    let password = a.password.clone().filter(|p| !p.is_empty()).ok_or_else(|| {
        anyhow!(
            "Give your password with --password, or in PRAXIS_PASSWORD to keep it out of the shell history; or enrol with --code and a one-time code made in Praxis in your browser."
        )
    })?;
    Ok(Credentials::Password { username, password })
}

/// What to call this device when none is given: its host name.
fn this_computer() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .map(|h| format!("praxis on {h}"))
        .unwrap_or_else(|| "praxis terminal".into())
}

pub fn sync(device: &PraxisStore, json: bool) -> Result<Output> {
    let server = device.server_url()?;
    let mut progress = render::SyncLines::new(!json);
    // The terminal stops a sync with Ctrl-C, which ends the process: every answer
    // already merged was saved, so nothing is lost.
    let cancel = AtomicBool::new(false);
    let reports = device.sync_with(&mut progress, &cancel)?;
    let held = device.held_back(false)?.len();
    render::synced(&server, &reports, held)
}

/// Leaves nothing of a store that could not be made: its files, and its key file when
/// it was made for it.
fn remove_store(path: &std::path::Path, key_file: Option<&std::path::Path>) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Some(file) = key_file {
        let _ = std::fs::remove_file(file);
    }
}

pub fn init(path: &std::path::Path, init: &Init) -> Result<Output> {
    let (key, key_file) = device::new_key(path)?;
    let device = match PraxisStore::create_with_key(path, &init.name, &key) {
        Ok(device) => device,
        Err(e) => {
            if let Some(file) = &key_file {
                let _ = std::fs::remove_file(file);
            }
            return Err(e.into());
        }
    };
    let mut text = format!("Store created at {} for {}.", path.display(), init.name);
    let mut founded = None;
    if let Some(name) = &init.collaborative {
        let r = device.found_collaborative(
            name.clone(),
            init.topic.clone().unwrap_or_default(),
            init.chosen_with.clone().unwrap_or_default(),
        );
        match r {
            Ok(r) => {
                text.push_str(&format!(
                    "\nCollaborative '{name}' founded ({}).",
                    render::short(&r.stream_id)
                ));
                founded = Some(render::recorded_json(&r));
            }
            Err(e) => {
                drop(device);
                // Nothing of a half-made store is left behind.
                remove_store(path, key_file.as_deref());
                return Err(e.into());
            }
        }
    }
    text.push_str(if founded.is_some() {
        "\nNext: `praxis project start --team ... --organisation ... --title ...`."
    } else {
        "\nNext: `praxis enrol` with your collaborative's server, or found one here with `praxis collaborative found --name ... --topic ... --chosen-with ...`."
    });
    let identity = device.read(|store| serde_json::to_value(store.identity()))?;
    Ok(Output::new(
        serde_json::json!({ "store": path, "identity": identity, "collaborative": founded }),
        text,
    ))
}
