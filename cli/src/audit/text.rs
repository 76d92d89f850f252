//! The audit answers as a person reads them in a terminal, one line per entry. Reads
//! the protocol's types only; what is asked of the server and how is `audit`'s.

use praxis_core::protocol::audit::{
    AccessEntry, DecisionBrief, DecisionContext, EventEntry, Integrity, SeenEvent, TimelineEntry,
};

/// The timeline (or the access log): events and reads in the order they reached the
/// server, late arrivals marked.
pub fn timeline(entries: &[TimelineEntry]) -> String {
    if entries.is_empty() {
        return "Nothing in the timeline matches.".into();
    }
    entries
        .iter()
        .map(|entry| match entry {
            TimelineEntry::Access(a) => access(a),
            TimelineEntry::Event(e) => event(e),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn access(a: &AccessEntry) -> String {
    format!(
        "{}  read    {} on {}: {}{}",
        a.at,
        a.person.name,
        a.device.name,
        a.route,
        a.record.map(|r| format!(" ({r})")).unwrap_or_default()
    )
}

fn event(e: &EventEntry) -> String {
    format!(
        "{}  {}  {}  {} by {} ({}) on {}, recorded {}{}",
        e.received_at,
        if e.late { "LATE  " } else { "      " },
        e.event_id,
        e.kind,
        e.author.name,
        if e.roles.is_empty() {
            "no role".into()
        } else {
            e.roles.join(", ")
        },
        e.device.name,
        e.recorded_at,
        if e.late {
            format!(", reached the office {} s later", e.delay_seconds)
        } else {
            String::new()
        }
    )
}

/// A stream's decisions, oldest first.
pub fn decisions(decisions: &[DecisionBrief]) -> String {
    if decisions.is_empty() {
        return "No decisions recorded in this stream.".into();
    }
    decisions
        .iter()
        .map(|d| {
            format!(
                "{}  {}  {} by {}: {}",
                d.recorded_at,
                d.event_id,
                d.kind,
                d.author.name,
                d.title.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A decision, what its maker had seen, and what had not reached them (and why).
pub fn decision<V>(context: &DecisionContext<V>) -> String {
    let d = &context.decision;
    let mut text = vec![format!(
        "{} by {} on {}, recorded {}, reached the office {}",
        d.kind,
        d.author.name,
        d.device.name,
        d.recorded_at,
        d.received_at.as_deref().unwrap_or_default()
    )];
    text.push(format!("Had seen {} events:", context.seen.len()));
    text.extend(context.seen.iter().map(|e| format!("  {}", beside(e))));
    text.push(format!("Had not seen {} events:", context.not_seen.len()));
    text.extend(context.not_seen.iter().map(|e| {
        format!(
            "  {} ({})",
            beside(e),
            e.why_not_seen.as_deref().unwrap_or_default()
        )
    }));
    text.join("\n")
}

fn beside(e: &SeenEvent) -> String {
    format!(
        "{}  {} by {}: {}",
        e.recorded_at,
        e.kind,
        e.author.name,
        e.title.as_deref().unwrap_or_default()
    )
}

/// Whether a stream's history is intact, each problem on a line of its own.
pub fn integrity<F>(integrity: &Integrity<F>) -> String {
    let mut text = vec![if integrity.intact {
        format!("Stream {}: its history is intact.", integrity.stream)
    } else {
        format!("Stream {}: its history is NOT intact:", integrity.stream)
    }];
    text.extend(integrity.problems.iter().map(|p| format!("  - {p}")));
    text.join("\n")
}
