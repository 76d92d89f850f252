//! The master key the data keys are wrapped under (`praxis_core::store::Keyring`).
//! Kept outside the data directory in production: a file (`--master-key-file`) or an
//! environment variable (`PRAXIS_MASTER_KEY`, 64 hexadecimal digits), so a copy of the
//! data directory or of its backups opens no sealed content. Without either, the server
//! keeps one in the data directory (`master.key`, made on first start) and says so at
//! each start.

use super::files;
use crate::storage::{Result, StorageError};
use std::path::{Path, PathBuf};

/// Where the master key comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum MasterKey {
    /// `master.key` in the data directory, made on first start.
    #[default]
    InDataDir,
    /// A file holding 64 hexadecimal digits, made (mode 0600) when missing.
    File(PathBuf),
    /// The key itself, 64 hexadecimal digits (from `PRAXIS_MASTER_KEY`).
    Given(String),
}

/// The file name of the master key kept in the data directory.
pub const IN_DATA_DIR: &str = "master.key";

fn parse(text: &str, from: &str) -> Result<[u8; 32]> {
    hex::decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            StorageError::Unusable(format!(
                "the master key {from} is not 64 hexadecimal digits. Make one with `head -c 32 /dev/urandom | xxd -p -c 64`."
            ))
        })
}

fn from_file(path: &Path) -> Result<[u8; 32]> {
    let unusable = |e: std::io::Error| {
        StorageError::Unusable(format!(
            "cannot use the master key file {}: {e}",
            path.display()
        ))
    };
    if !path.exists() {
        let secret = praxis_core::store::Keyring::new_secret()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(unusable)?;
        }
        std::fs::write(path, format!("{}\n", hex::encode(secret))).map_err(unusable)?;
        files::restrict_file(path).map_err(unusable)?;
        tracing::info!(path = %path.display(), "made a new master key");
        return Ok(secret);
    }
    let text = std::fs::read_to_string(path).map_err(unusable)?;
    parse(&text, &format!("in {}", path.display()))
}

impl MasterKey {
    /// The key's 32 bytes, read (or made) for the data directory `data_dir`.
    pub fn secret(&self, data_dir: &Path) -> Result<[u8; 32]> {
        match self {
            MasterKey::InDataDir => from_file(&data_dir.join(IN_DATA_DIR)),
            MasterKey::File(path) => from_file(path),
            MasterKey::Given(text) => parse(text, "in PRAXIS_MASTER_KEY"),
        }
    }

    /// A warning to print at start when the key sits beside the data it protects.
    pub fn warning(&self, data_dir: &Path) -> Option<String> {
        (*self == MasterKey::InDataDir).then(|| {
            format!(
                "the master key is kept in the data directory ({}): a copy of the directory opens every sealed record. Move it out and start with --master-key-file PATH or PRAXIS_MASTER_KEY (see README, Data protection)",
                data_dir.join(IN_DATA_DIR).display()
            )
        })
    }
}
