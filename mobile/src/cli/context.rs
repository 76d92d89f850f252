//! Finding the store, the project and the records a command names.

use anyhow::{Result, anyhow, bail};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Store, queries};
use std::path::PathBuf;
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

pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}
