//! Finding the store, the project and the records a command names.

use anyhow::{Result, anyhow, bail};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Store, StoreError, StoreFile, StoreKey, queries};
use praxis_mobile::PraxisStore;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use time::Date;

/// The store's default place: `$XDG_DATA_HOME/praxis` or `~/.local/share/praxis`.
pub fn default_store_path() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME")
                .ok_or_else(|| anyhow!("HOME is not set: give the store with --store FILE"))?;
            PathBuf::from(home).join(".local").join("share")
        }
    };
    Ok(base.join("praxis").join("store.sqlite3"))
}

pub fn store_path(given: &Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(p) => Ok(p.clone()),
        None => default_store_path(),
    }
}

/// The environment variable that may hold the store's key (64 hexadecimal digits).
pub const KEY_VARIABLE: &str = "PRAXIS_KEY";
/// The environment variable that may name the file holding the store's key.
pub const KEY_FILE_VARIABLE: &str = "PRAXIS_KEY_FILE";

/// Where the key of the store at `store` is kept: `PRAXIS_KEY_FILE`, or beside the
/// store as `<store>.key`.
pub fn key_file(store: &Path) -> PathBuf {
    match std::env::var_os(KEY_FILE_VARIABLE).filter(|v| !v.is_empty()) {
        Some(file) => PathBuf::from(file),
        None => {
            let mut name = store.as_os_str().to_owned();
            name.push(".key");
            PathBuf::from(name)
        }
    }
}

/// The key given in `PRAXIS_KEY`, if any.
fn key_from_environment() -> Result<Option<StoreKey>> {
    match std::env::var(KEY_VARIABLE) {
        Ok(text) if !text.trim().is_empty() => Ok(Some(
            StoreKey::from_hex(&text).map_err(|e| anyhow!("{KEY_VARIABLE}: {e}"))?,
        )),
        _ => Ok(None),
    }
}

fn read_key_file(file: &Path) -> Result<StoreKey> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow!("cannot read the store's key from {} ({e})", file.display()))?;
    StoreKey::from_hex(&text).map_err(|e| anyhow!("{}: {e}", file.display()))
}

/// Opens the store at `path` with its key: `PRAXIS_KEY`, or the key file.
pub fn open(path: &Path) -> Result<PraxisStore> {
    if !path.exists() {
        return Err(StoreError::NotFound(path.to_path_buf()).into());
    }
    let key = match key_from_environment()? {
        Some(key) => key,
        None => {
            let file = key_file(path);
            if !file.exists() {
                match praxis_core::store::inspect(path) {
                    StoreFile::Encrypted => bail!(
                        "the key of the store at {} is not at {}: give the key file with {KEY_FILE_VARIABLE}, or the key itself in {KEY_VARIABLE}",
                        path.display(),
                        file.display()
                    ),
                    StoreFile::Plain => {
                        return Err(StoreError::NotEncrypted(path.to_path_buf()).into());
                    }
                    StoreFile::PlainOther(why) => {
                        return Err(StoreError::NotAStore(path.to_path_buf(), why).into());
                    }
                    StoreFile::Missing | StoreFile::Unreadable => {
                        return Err(StoreError::NotAStore(
                            path.to_path_buf(),
                            "it is not an encrypted database".into(),
                        )
                        .into());
                    }
                }
            }
            read_key_file(&file)?
        }
    };
    Ok(PraxisStore::open_with_key(path, &key)?)
}

/// The key for a new store at `path`: `PRAXIS_KEY`, an existing key file, or a new
/// random key written to the key file (readable by this user only). Returns the key
/// and the key file made here, if one was (to remove should creating the store fail).
pub fn new_key(path: &Path) -> Result<(StoreKey, Option<PathBuf>)> {
    if let Some(key) = key_from_environment()? {
        return Ok((key, None));
    }
    let file = key_file(path);
    if file.exists() {
        return Ok((read_key_file(&file)?, None));
    }
    let key = StoreKey::generate()?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow!("cannot make the directory {} ({e})", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options
        .open(&file)
        .map_err(|e| anyhow!("cannot write the store's key to {} ({e})", file.display()))?;
    writeln!(out, "{}", key.to_hex())
        .and_then(|_| out.sync_all())
        .map_err(|e| anyhow!("cannot write the store's key to {} ({e})", file.display()))?;
    Ok((key, Some(file)))
}

/// The project a command is about: the one named, or the only one here.
pub fn project(store: &Store, named: &Option<String>) -> Result<StreamId> {
    let projects: Vec<_> = match named {
        Some(text) => queries::resolve_stream(store.connection(), text)?,
        None => queries::streams(store.connection())?,
    }
    .into_iter()
    .filter(|s| s.kind == StreamKind::Project)
    .collect();
    match projects.as_slice() {
        [one] => Ok(one.id),
        [] => match named {
            Some(text) => bail!(
                "No project here matches '{text}'. `praxis project list` shows the projects on this device."
            ),
            None => bail!(
                "There is no project on this device yet. Start one with `praxis project start`."
            ),
        },
        many => bail!(
            "Several projects match; choose one with --project:\n{}",
            many.iter()
                .map(|s| format!("  {}  {}", s.id.short(), s.name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// The collaborative a command is about: the selected project's, or the only one here.
pub fn collaborative(store: &Store, project_named: &Option<String>) -> Result<StreamId> {
    if project_named.is_some() {
        let p = project(store, project_named)?;
        return queries::stream_info(store.connection(), p)?
            .collaborative
            .ok_or_else(|| {
                anyhow!("This project's collaborative is not on this device. Sync first.")
            });
    }
    let all: Vec<_> = queries::streams(store.connection())?
        .into_iter()
        .filter(|s| s.kind == StreamKind::Collaborative)
        .collect();
    match all.as_slice() {
        [one] => Ok(one.id),
        [] => bail!(
            "There is no collaborative on this device. Found one with `praxis init --collaborative ...`."
        ),
        _ => bail!(
            "This device holds several collaboratives: name a project of the one you mean with --project."
        ),
    }
}

/// The record or event `text` names, in full or by its last characters.
pub fn id(store: &Store, text: &str) -> Result<EventId> {
    let found = queries::resolve_id(store.connection(), text)?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => bail!(
            "Nothing here has the id '{text}'. Give an id as the lists show it (its last 8 characters are enough)."
        ),
        _ => bail!("More than one record ends in '{text}'. Give more of its id."),
    }
}

pub fn date(text: &str, what: &str) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), format).map_err(|_| {
        anyhow!("'{text}' is not a date for {what}: write it as YYYY-MM-DD, for example 2026-03-14")
    })
}

pub fn month(text: &str) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(&format!("{}-01", text.trim()), format)
        .map_err(|_| anyhow!("'{text}' is not a month: write it as YYYY-MM, for example 2026-03"))
}

/// A score as `2.5`, checked before it is handed on.
pub fn score(text: &str) -> Result<praxis_core::domain::event::Score> {
    text.parse().map_err(|e| anyhow!("{e}"))
}

/// The full id of the project a command is about, for `PraxisStore`'s methods.
pub fn project_id(device: &PraxisStore, named: &Option<String>) -> Result<String> {
    Ok(device.read(|store| project(store, named))?.0.to_string())
}

/// The full id of the collaborative a command is about.
pub fn collaborative_id(device: &PraxisStore, project_named: &Option<String>) -> Result<String> {
    Ok(device
        .read(|store| collaborative(store, project_named))?
        .0
        .to_string())
}

/// The full id of the record `text` names.
pub fn record_id(device: &PraxisStore, text: &str) -> Result<String> {
    Ok(device.read(|store| id(store, text))?.0.to_string())
}
