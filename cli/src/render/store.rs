//! The store and the device: status, the projects here, open conflicts, an enrolment
//! and an encryption.

use super::{Names, Output, author, when};
use anyhow::Result;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{EventId, PersonId};
use praxis_core::domain::record::{Conflict, StreamSummary};
use praxis_core::store::Identity;
use praxis_core::store::queries::StreamInfo;
use praxis_core::sync::Enrolment;
use praxis_mobile::StreamWaiting;
use std::fmt::Write;
use std::path::Path;

/// Who records here, where the store is, and each stream with its summary.
pub fn status(
    id: &Identity,
    path: &Path,
    streams: &[(StreamSummary, StreamInfo)],
    (waiting, enrolled): (&[StreamWaiting], bool),
) -> Result<Output> {
    let mut text = format!(
        "{} on device {}\nStore: {}\n",
        id.name,
        id.device.short(),
        path.display()
    );
    if streams.is_empty() {
        text.push_str("No collaborative or project here yet.\n");
    }
    for (summary, s) in streams {
        let _ = write!(
            text,
            "\n{:<14} {}  {}  ({} events",
            format!("{:?}", s.kind).to_lowercase(),
            s.id.short(),
            s.name,
            s.events
        );
        if summary.unknown_events > 0 {
            let _ = write!(
                text,
                ", {} from a newer Praxis: update to read them",
                summary.unknown_events
            );
        }
        if !summary.conflicts.is_empty() {
            let _ = write!(text, ", {} open conflicts", summary.conflicts.len());
        }
        let here = waiting_in(waiting, s);
        if here > 0 {
            let _ = write!(text, ", {here} waiting to sync");
        }
        text.push(')');
    }
    let total: u64 = waiting.iter().map(|w| w.records).sum();
    let _ = write!(
        text,
        "\n\n{}",
        match (total, enrolled) {
            (0, _) => "Nothing waits to sync.".to_string(),
            (n, true) => format!(
                "{n} {} to sync: `praxis sync` sends {}.",
                records(n),
                them(n)
            ),
            (n, false) => format!(
                "{n} {} to sync, recorded before this device was enrolled: `praxis enrol` it with a server, then `praxis sync`.",
                records(n)
            ),
        }
    );
    Output::of(
        &serde_json::json!({
            "identity": id,
            "store": path,
            "streams": streams.iter().map(|(_, s)| {
                let mut json = serde_json::to_value(s).unwrap_or_default();
                json["waiting_to_sync"] = serde_json::json!(waiting_in(waiting, s));
                json
            }).collect::<Vec<_>>(),
            "waiting_to_sync": total,
            "enrolled": enrolled,
        }),
        text,
    )
}

fn waiting_in(waiting: &[StreamWaiting], stream: &StreamInfo) -> u64 {
    let id = stream.id.0.to_string();
    waiting
        .iter()
        .find(|w| w.stream_id == id)
        .map_or(0, |w| w.records)
}

fn records(n: u64) -> &'static str {
    if n == 1 {
        "record waits"
    } else {
        "records wait"
    }
}

fn them(n: u64) -> &'static str {
    if n == 1 { "it" } else { "them" }
}

pub fn projects(projects: &[StreamInfo]) -> Result<Output> {
    let mut text = String::new();
    if projects.is_empty() {
        text.push_str("No projects yet. Start one with `praxis project start`.");
    }
    for p in projects {
        let _ = writeln!(text, "{}  {}  ({} events)", p.id.short(), p.name, p.events);
    }
    Output::of(&projects, text.trim_end().to_string())
}

/// A version of a thing in conflict: who recorded it, and when.
pub struct VersionShown {
    pub id: EventId,
    pub recorded_at: Hlc,
    pub author: PersonId,
}

/// The open conflicts, each with the name of its stream and its versions.
pub fn conflicts(open: &[(String, Conflict, Vec<VersionShown>)], names: &Names) -> Result<Output> {
    let mut t = String::new();
    for (stream, c, versions) in open {
        let _ = writeln!(t, "{}  {} in {}", c.subject.short(), c.what, stream);
        for v in versions {
            let _ = writeln!(
                t,
                "    version {}  recorded {} by {}",
                v.id.short(),
                when(v.recorded_at),
                author(names, v.author)
            );
        }
        let _ = writeln!(
            t,
            "  Settle it: praxis resolve {} --keep <version> --reason \"...\"",
            c.subject.short()
        );
    }
    if open.is_empty() {
        t.push_str("No open conflicts.");
    }
    let all: Vec<_> = open.iter().map(|(_, c, _)| c).collect();
    Output::of(&all, t.trim_end().to_string())
}

/// The records the server held back, each with why and what may be done.
pub fn held(lines: &[praxis_mobile::HeldLine]) -> Result<Output> {
    let mut t = String::new();
    for h in lines {
        let short = |id: &str| {
            id.get(id.len().saturating_sub(8)..)
                .unwrap_or(id)
                .to_string()
        };
        let _ = writeln!(
            t,
            "{}  {} \"{}\" by {} ({})",
            short(&h.quarantine_id),
            h.kind,
            h.title,
            h.author_name
                .clone()
                .unwrap_or_else(|| format!("person {}", short(&h.author_id))),
            h.status
        );
        let _ = writeln!(t, "    held back: {}", h.reason);
        match &h.settled_because {
            Some(why) => {
                let _ = writeln!(t, "    {}: {why}", h.status);
            }
            None => {
                let _ = writeln!(
                    t,
                    "  Withdraw it: praxis held withdraw {} --reason \"...\" (or ask a coordinator to release it)",
                    short(&h.quarantine_id)
                );
            }
        }
    }
    if lines.is_empty() {
        t.push_str("Nothing is held back.");
    }
    let json: Vec<_> = lines
        .iter()
        .map(|h| {
            serde_json::json!({
                "quarantine": h.quarantine_id,
                "stream": h.stream_id,
                "event": h.event_id,
                "kind": h.kind,
                "title": h.title,
                "author": h.author_id,
                "author_name": h.author_name,
                "reason": h.reason,
                "status": h.status,
                "settled_because": h.settled_because,
            })
        })
        .collect();
    Output::of(&json, t.trim_end().to_string())
}

pub fn enrolled(e: &Enrolment, store: &std::path::Path) -> Result<Output> {
    let carried = match e.carried_over {
        0 => String::new(),
        n => format!(
            "\n{n} {} made here before enrolment {} now {}'s, each with its time kept; the history of each stream says so.",
            if n == 1 { "record" } else { "records" },
            if n == 1 { "is" } else { "are" },
            e.name
        ),
    };
    let text = format!(
        "This device is enrolled with {} as {} (device {}, \"{}\").{carried}\nStore: {}\nNext: `praxis sync`.",
        e.server,
        e.name,
        e.device.short(),
        e.device_name,
        store.display()
    );
    Output::of(&serde_json::json!({ "enrolled": e, "store": store }), text)
}

/// A plain store encrypted in place: what it kept, and where its key is.
pub fn encrypted(
    store: &std::path::Path,
    kept: &praxis_core::store::Encrypted,
    key_place: &str,
    new_key: bool,
) -> Result<Output> {
    let text = format!(
        "The store at {} is now encrypted. Kept, and checked against the plain store: {} events in {} streams, {} changes, {} settings.\nIts key: {key_place}{}",
        store.display(),
        kept.events,
        kept.streams,
        kept.changes,
        kept.settings,
        if new_key {
            " (new; keep a copy of it: without it the store cannot be read)."
        } else {
            "."
        }
    );
    Output::of(
        &serde_json::json!({ "store": store, "kept": kept, "key": key_place, "new_key": new_key }),
        text,
    )
}
