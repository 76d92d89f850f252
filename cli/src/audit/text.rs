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
    if !integrity.recorded_before_sealing.is_empty() {
        let n = integrity.recorded_before_sealing.len();
        text.push(format!(
            "{n} {} recorded before sealing: in the clear in the history, so erasure by key cannot reach {}.",
            if n == 1 { "observation" } else { "observations" },
            if n == 1 { "it" } else { "them" }
        ));
    }
    text.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
    use praxis_core::protocol::audit::{DeviceRef, PersonRef};

    fn asha() -> PersonRef {
        PersonRef {
            id: PersonId::new(),
            username: Some("asha".into()),
            name: "Asha Rao".into(),
        }
    }

    fn phone() -> DeviceRef {
        DeviceRef {
            id: DeviceId::new(),
            name: "Asha's phone".into(),
        }
    }

    #[test]
    fn a_late_event_and_a_read_are_each_a_line_with_who_where_and_when() {
        let event_id = EventId::new();
        let record = EventId::new();
        let entries = [
            TimelineEntry::Event(EventEntry {
                stream: StreamId::new(),
                stream_name: "Falls".into(),
                event_id,
                kind: "cycle-acted".into(),
                author: asha(),
                roles: vec!["member".into(), "lead".into()],
                device: phone(),
                recorded_at: "2026-03-10T09:00:00Z".into(),
                received_at: "2026-03-10T17:40:00Z".into(),
                received_from: Some(phone()),
                recorded_on_server: false,
                delay_seconds: 31_200,
                late: true,
                receipt: Some(4),
                change_hash: None,
                content: None,
            }),
            TimelineEntry::Access(AccessEntry {
                seq: 1,
                stream: StreamId::new(),
                stream_name: Some("Falls".into()),
                at: "2026-03-11T08:00:00Z".into(),
                person: asha(),
                device: phone(),
                route: "GET /api/v1/cycles/{id}".into(),
                record: Some(record),
            }),
        ];
        assert_eq!(
            timeline(&entries),
            format!(
                "2026-03-10T17:40:00Z  LATE    {event_id}  cycle-acted by Asha Rao (member, lead) on Asha's phone, recorded 2026-03-10T09:00:00Z, reached the office 31200 s later\n\
                 2026-03-11T08:00:00Z  read    Asha Rao on Asha's phone: GET /api/v1/cycles/{{id}} ({record})"
            )
        );
        assert_eq!(timeline(&[]), "Nothing in the timeline matches.");
    }

    #[test]
    fn a_broken_history_lists_each_problem() {
        let stream = StreamId::new();
        let broken = Integrity {
            stream,
            intact: false,
            problems: vec!["receipt 3 is missing".into()],
            verification: (),
            recorded_before_sealing: Vec::new(),
        };
        assert_eq!(
            integrity(&broken),
            format!("Stream {stream}: its history is NOT intact:\n  - receipt 3 is missing")
        );
    }
}
