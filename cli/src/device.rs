//! Where the store is, its key (in `PRAXIS_KEY`, or a key file readable by this user
//! only), and opening it as a `PraxisStore`.

use anyhow::{Result, anyhow, bail};
use praxis_core::store::{StoreError, StoreFile, StoreKey};
use praxis_mobile::PraxisStore;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
