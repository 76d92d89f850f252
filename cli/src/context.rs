//! Finding the project, the collaborative and the records a command names, and
//! reading the dates, months and scores it is given, with messages that name the flag.

use anyhow::{Result, anyhow, bail};
use praxis_core::dates;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Store, queries};
use praxis_mobile::PraxisStore;
use time::Date;

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
            "There is no collaborative on this device. Found one with `praxis collaborative found --name ... --topic ... --chosen-with ...`, or enrol with a server that has yours (`praxis enrol`)."
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

/// A day given for `what`, as `2026-03-14`.
pub fn date(text: &str, what: &str) -> Result<Date> {
    dates::parse_day(text).map_err(|_| {
        anyhow!("'{text}' is not a date for {what}: write it as YYYY-MM-DD, for example 2026-03-14")
    })
}

/// A month given as `2026-03`, as its first day.
pub fn month(text: &str) -> Result<Date> {
    dates::parse_month(text)
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

/// `record_id` of each of several records.
pub fn record_ids(device: &PraxisStore, texts: &[String]) -> Result<Vec<String>> {
    texts.iter().map(|t| record_id(device, t)).collect()
}
