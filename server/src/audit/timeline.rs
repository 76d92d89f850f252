//! The timeline: a stream's events in the order they reached the server, with who
//! recorded them holding which roles, and the reads of the access log among them.

use super::names::Names;
use super::{Arrival, Arrivals, Result};
use crate::access::{Need, audited_streams, check, not_an_auditor};
use crate::error::ServerError;
use crate::storage::{Membership, Storage, StreamAccess, Team};
use praxis_core::dates::timestamp;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind, Scope};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::protocol::audit::{AccessEntry, EventEntry, TimelineEntry};
use std::collections::{HashMap, HashSet};

/// What the timeline shows, chosen by the query.
#[derive(Clone, Debug, Default)]
pub struct TimelineFilter {
    pub stream: Option<StreamId>,
    pub person: Option<String>,
    pub team: Option<String>,
    pub cycle: Option<EventId>,
    pub kind: Option<String>,
    /// Milliseconds since the epoch, inclusive, on the device time (events) or the
    /// server time (reads).
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Whether `event` belongs to the cycle (or record) `subject` or one of its children.
fn touches(envelope: &Envelope, related: &HashSet<EventId>) -> bool {
    if related.contains(&envelope.id) {
        return true;
    }
    match envelope.event() {
        Some(Event::CycleActed { cycle, .. }) => related.contains(cycle),
        Some(Event::Correction { corrects, .. }) => related.contains(corrects),
        Some(Event::Resolution { subject, .. }) => related.contains(subject),
        Some(e) => e.parent().is_some_and(|p| related.contains(&p)),
        None => false,
    }
}

/// The streams a filter covers among those the person audits.
fn filtered_streams(
    storage: &dyn Storage,
    person: PersonId,
    filter: &TimelineFilter,
) -> Result<Vec<StreamAccess>> {
    if let Some(stream) = filter.stream {
        return Ok(vec![check(storage, person, stream, Need::Auditor)?]);
    }
    let mut streams = audited_streams(storage, person)?;
    if let Some(team) = &filter.team {
        let teams = storage.teams()?;
        let wanted: Vec<EventId> = teams
            .iter()
            .filter(|t| t.id.to_string() == *team || t.name == *team)
            .map(|t| t.id)
            .collect();
        if wanted.is_empty() {
            return Err(ServerError::NotFound(format!(
                "There is no team '{team}'; give a team's name or id."
            )));
        }
        streams.retain(|s| s.team.is_some_and(|t| wanted.contains(&t)));
    }
    if streams.is_empty() {
        return Err(not_an_auditor());
    }
    Ok(streams)
}

/// The roles `person` held for the stream at `at` (milliseconds): those of the
/// memberships granted by then and not yet revoked, for the stream's collaborative as
/// a whole or for its team (any of its teams, for the collaborative's own stream).
fn roles_held(
    memberships: &[Membership],
    teams: &[Team],
    access: &StreamAccess,
    person: PersonId,
    at: i64,
) -> Vec<String> {
    let collaborative = match access.kind {
        StreamKind::Collaborative => Some(access.stream_id),
        _ => access.collaborative,
    };
    let applies = |scope: &Scope| match scope {
        Scope::Collaborative(c) => Some(*c) == collaborative,
        Scope::Team(t) => match access.team {
            Some(team) => *t == team,
            None => teams
                .iter()
                .any(|x| x.id == *t && Some(x.collaborative) == collaborative),
        },
    };
    let mut roles: Vec<Role> = memberships
        .iter()
        .filter(|m| m.person == person && m.role.may_read() && m.held_at(at))
        .filter(|m| applies(&m.scope))
        .map(|m| m.role)
        .collect();
    roles.sort();
    roles.dedup();
    roles.iter().map(|r| r.name().to_string()).collect()
}

/// The timeline: every event of the streams chosen (with author, roles, device,
/// device time, server receipt time, content, and whether it came in late), and every
/// read of them from the access log, in the order they reached the server.
pub fn timeline(
    storage: &dyn Storage,
    person: PersonId,
    filter: &TimelineFilter,
) -> Result<Vec<TimelineEntry>> {
    let streams = filtered_streams(storage, person, filter)?;
    let names = Names::read(storage)?;
    let kind = filter.kind.as_deref();
    if let Some(k) = kind
        && k != "access"
        && !EventKind::ALL.iter().any(|x| x.name() == k)
    {
        return Err(ServerError::BadRequest(format!(
            "'{k}' is not a kind of record; give one such as cycle-acted, manager-decision-recorded, or 'access' for reads."
        )));
    }
    let mut entries: Vec<(Arrival, TimelineEntry)> = Vec::new();
    let memberships = storage.memberships()?;
    let teams = storage.teams()?;
    for access in &streams {
        let stream = access.stream_id;
        let events = storage.envelopes(stream)?;
        let arrivals = Arrivals::with_sources(storage, &events, stream)?;
        let late = arrivals.late(&events);
        let related: Option<HashSet<EventId>> = filter.cycle.map(|cycle| {
            let mut set = HashSet::from([cycle]);
            for e in &events {
                if e.event().and_then(|x| x.parent()) == Some(cycle) {
                    set.insert(e.id);
                }
            }
            set
        });
        for e in &events {
            if kind.is_some_and(|k| k != e.kind_name())
                || filter
                    .person
                    .as_deref()
                    .is_some_and(|p| !names.matches(e.author, p))
                || related.as_ref().is_some_and(|r| !touches(e, r))
                || filter
                    .from
                    .is_some_and(|f| (e.recorded_at.millis as i64) < f)
                || filter.to.is_some_and(|t| (e.recorded_at.millis as i64) > t)
            {
                continue;
            }
            let Some(arrival) = arrivals.of(e.id) else {
                continue;
            };
            let (from_device, change) = match arrivals.source(e.id) {
                Some((device, change)) => (Some(*device), change.as_str()),
                None => (None, ""),
            };
            let recorded = e.recorded_at.millis as i64;
            // The roles the server checked it against when it arrived.
            let roles = roles_held(&memberships, &teams, access, e.author, arrival.at);
            entries.push((
                arrival,
                TimelineEntry::Event(EventEntry {
                    stream,
                    stream_name: access.name.clone(),
                    event_id: e.id,
                    kind: e.kind_name().to_string(),
                    author: names.person(e.author),
                    roles,
                    device: names.device(e.device),
                    recorded_at: timestamp(recorded),
                    received_at: timestamp(arrival.at),
                    received_from: from_device.map(|d| names.device(d)),
                    recorded_on_server: from_device.is_none(),
                    delay_seconds: (arrival.at - recorded).max(0) / 1000,
                    late: late.contains(&e.id),
                    receipt: (arrival.seq > 0).then_some(arrival.seq),
                    change_hash: (!change.is_empty()).then(|| change.to_string()),
                    content: e.event().cloned(),
                }),
            ));
        }
    }
    if kind.is_none_or(|k| k == "access") && filter.cycle.is_none() {
        let ids: Vec<StreamId> = streams.iter().map(|s| s.stream_id).collect();
        let stream_names: HashMap<StreamId, &str> = streams
            .iter()
            .map(|s| (s.stream_id, s.name.as_str()))
            .collect();
        for a in storage.access_log(&ids)? {
            if filter
                .person
                .as_deref()
                .is_some_and(|p| !names.matches(a.person, p))
                || filter.from.is_some_and(|f| a.at < f)
                || filter.to.is_some_and(|t| a.at > t)
            {
                continue;
            }
            entries.push((
                Arrival { at: a.at, seq: 0 },
                TimelineEntry::Access(AccessEntry {
                    seq: a.seq,
                    stream: a.stream,
                    stream_name: stream_names.get(&a.stream).map(|n| n.to_string()),
                    at: timestamp(a.at),
                    person: names.person(a.person),
                    device: names.device(a.device),
                    route: a.route,
                    record: a.record,
                }),
            ));
        }
    }
    entries.sort_by_key(|(a, _)| *a);
    Ok(entries.into_iter().map(|(_, v)| v).collect())
}
