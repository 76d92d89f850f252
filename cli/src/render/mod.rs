//! How results read: plain sentences and aligned lists for people, JSON for scripts.

use crate::exit::Exit;
use anyhow::Result;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::PersonId;
use praxis_mobile::Recorded;
use serde::Serialize;
use std::collections::HashMap;

mod measure;
mod project;
mod store;
mod sync;

pub use measure::*;
pub use project::*;
pub use store::*;
pub use sync::*;

/// What a command shows: the same content as JSON and as text.
pub struct Output {
    pub json: serde_json::Value,
    pub text: String,
    /// How the run ends: done, or a sync that left some streams unsynced, or an
    /// audit that found something altered.
    pub exit: Exit,
}

impl Output {
    pub fn new(json: serde_json::Value, text: String) -> Self {
        Output {
            json,
            text,
            exit: Exit::Done,
        }
    }

    fn of(value: &impl Serialize, text: String) -> Result<Self> {
        Ok(Output::new(serde_json::to_value(value)?, text))
    }
}

fn when(at: Hlc) -> String {
    let t = at.wall_time();
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// The people this device can name (`queries::person_names`).
pub type Names = HashMap<PersonId, String>;

/// Who recorded something, as the lists name them: by name when this device knows
/// it, else by the short id.
fn author(names: &Names, id: PersonId) -> String {
    names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("person {}", id.short()))
}

/// The last 8 characters of an id, as the lists show it.
pub fn short(id: &str) -> &str {
    id.char_indices()
        .rev()
        .nth(7)
        .map_or(id, |(at, _)| &id[at..])
}

/// A record just saved, as `--json` shows it.
pub fn recorded_json(r: &Recorded) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "stream": r.stream_id,
        "kind": r.kind,
        "at": saved_at(r),
    })
}

fn saved_at(r: &Recorded) -> Hlc {
    Hlc {
        millis: r.recorded_at_millis,
        counter: r.recorded_at_counter,
    }
}

pub fn recorded(r: &Recorded, what: &str) -> Output {
    let mut first = what.chars();
    let what = match first.next() {
        Some(c) => c.to_uppercase().collect::<String>() + first.as_str(),
        None => String::new(),
    };
    Output::new(
        serde_json::json!({ "saved": true, "id": r.id, "short_id": short(&r.id), "stream": r.stream_id, "kind": r.kind, "recorded_at": saved_at(r) }),
        format!("{what}: {} (saved {}).", short(&r.id), when(saved_at(r))),
    )
}

/// A stream's kind as the lists write it (`collaborative`, `project`).
fn stream_kind(kind: praxis_core::domain::record::StreamKind) -> String {
    format!("{kind:?}").to_lowercase()
}
