//! The data directory's permissions: only the server's own user may read what it
//! holds. A new directory is made 0700 and a new database file 0600 (SQLite gives its
//! WAL and shared-memory files the database file's mode); a directory or file found
//! wider is left as it is and named in a warning with the command that fixes it.

use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

/// Restricts a directory the server has just made to its own user.
pub fn restrict_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let _ = dir;
    Ok(())
}

/// Restricts a file the server has just made to its own user.
pub fn restrict_file(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    let _ = file;
    Ok(())
}

/// What in the data directory others than the server's user may read or write, each
/// with the command that fixes it.
pub fn permission_warnings(data_dir: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    #[cfg(unix)]
    {
        let wide = |path: &Path| {
            std::fs::metadata(path)
                .ok()
                .map(|m| m.permissions().mode() & 0o777)
                .filter(|mode| mode & 0o077 != 0)
        };
        if let Some(mode) = wide(data_dir) {
            warnings.push(format!(
                "the data directory {} is readable by others (mode {mode:o}): run `chmod 700 {}`",
                data_dir.display(),
                data_dir.display()
            ));
        }
        if let Ok(entries) = std::fs::read_dir(data_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file()
                    && let Some(mode) = wide(&path)
                {
                    warnings.push(format!(
                        "{} is readable by others (mode {mode:o}): run `chmod 600 {}`",
                        path.display(),
                        path.display()
                    ));
                }
            }
        }
    }
    warnings
}
