//! What auditors read: the timeline of a stream's events (with when each reached the
//! office) and of who read what, views as they stood, what a decision's maker had
//! seen, and the audit bundle. Only people with the auditor role for a stream's team or
//! collaborative may read these; everything else is read-only for them too.
//!
//! "As it stood at T" is the server's knowledge at T: the events whose changes had
//! reached it by T (by the receipt log's time; an event the server recorded itself,
//! such as a collaborative founded by an administrator, by its own time). "Just after
//! event X" is the same at the moment X reached the server.

use crate::error::ServerError;
use crate::storage::{Device, Membership, Storage, StreamAccess, Team};
use praxis_core::audit::bundle::{self, StreamContent, Verification};
use praxis_core::audit::change_graph::ChangeGraph;
use praxis_core::domain::as_it_stood::{MeasureChart, ReportView, StreamAsItStood};
use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind, Scope};
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::domain::views::{CycleView, ProjectOverview, RecordHistory};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

type Result<T> = std::result::Result<T, ServerError>;

/// The kinds of event that are decisions an auditor replays.
pub const DECISIONS: [EventKind; 4] = [
    EventKind::CycleActed,
    EventKind::CoordinatorScoreGiven,
    EventKind::ManagerDecisionRecorded,
    EventKind::Resolution,
];

pub fn timestamp(millis: i64) -> String {
    crate::storage::timestamp(millis)
}

/// Checks that the person is an auditor for the stream.
pub fn auditable(
    storage: &dyn Storage,
    person: PersonId,
    stream: StreamId,
) -> Result<StreamAccess> {
    match storage.access(person, stream)? {
        Some(access) if access.roles.contains(&Role::Auditor) => Ok(access),
        _ => Err(ServerError::Forbidden(
            "Only a person with the auditor role for this stream's team or collaborative may read its audit trail; ask an administrator to grant it.".into(),
        )),
    }
}

/// Who reads the audit trail: an enrolled device through the API, or a person in their
/// browser (a browser being a device of its own in the access log).
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    Device(&'a Device),
    Browser(PersonId),
}

impl Reader<'_> {
    pub fn person(&self) -> PersonId {
        match self {
            Reader::Device(d) => d.person,
            Reader::Browser(p) => *p,
        }
    }

    /// Writes the reads to the access log under `route`.
    pub fn log(
        &self,
        storage: &dyn Storage,
        route: &str,
        reads: &[(StreamId, Option<EventId>)],
    ) -> Result<()> {
        match self {
            Reader::Device(device) => {
                for (stream, record) in reads {
                    storage.log_access(device, route, *stream, *record)?;
                }
                Ok(())
            }
            Reader::Browser(person) => Ok(storage.log_browser_access(*person, route, reads)?),
        }
    }
}

/// What an audited read is of.
#[derive(Clone, Copy)]
pub enum Of {
    Stream(StreamId),
    /// A record, in whichever stream holds it.
    Record(EventId),
}

/// Reads a stream for a person who audits it: `read` gets their access to it, and the
/// read (of the stream, or of the record) goes into the access log under `route`.
pub fn audited<T, E: Into<ServerError>>(
    storage: &dyn Storage,
    reader: Reader<'_>,
    route: &str,
    of: Of,
    read: impl FnOnce(&dyn Storage, &StreamAccess) -> std::result::Result<T, E>,
) -> Result<(StreamAccess, T)> {
    let (stream, record) = match of {
        Of::Stream(stream) => (stream, None),
        Of::Record(id) => (
            storage
                .stream_of(id)?
                .ok_or_else(|| ServerError::NotFound(format!("There is no record {id}.")))?,
            Some(id),
        ),
    };
    let access = auditable(storage, reader.person(), stream)?;
    let value = read(storage, &access).map_err(Into::into)?;
    reader.log(storage, route, &[(stream, record)])?;
    Ok((access, value))
}

/// Every stream the person audits.
pub fn audited_streams(storage: &dyn Storage, person: PersonId) -> Result<Vec<StreamAccess>> {
    Ok(storage
        .streams_for(person)?
        .into_iter()
        .filter(|s| s.roles.contains(&Role::Auditor))
        .collect())
}

/// When an event reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Arrival {
    /// Milliseconds since the epoch, on the server's clock.
    pub at: i64,
    /// The receipt's sequence number; 0 for an event the server recorded itself.
    pub seq: i64,
}

/// When each event of the stream reached the server and, when read `with_sources`,
/// from which device, in which change.
pub struct Arrivals {
    times: HashMap<EventId, Arrival>,
    sources: HashMap<EventId, (DeviceId, String)>,
}

impl Arrivals {
    /// When each event reached the server: by its receipt, or, for an event the server
    /// recorded itself, by its own time.
    pub fn read(storage: &dyn Storage, events: &[Envelope], stream: StreamId) -> Result<Arrivals> {
        let mut times = HashMap::with_capacity(events.len());
        for a in storage.arrivals(stream)? {
            times.insert(
                a.event,
                Arrival {
                    at: a.received_at,
                    seq: a.seq,
                },
            );
        }
        Ok(Arrivals::completed(times, HashMap::new(), events))
    }

    /// As `read`, with the device and change that brought each event.
    pub fn with_sources(
        storage: &dyn Storage,
        events: &[Envelope],
        stream: StreamId,
    ) -> Result<Arrivals> {
        let mut times = HashMap::with_capacity(events.len());
        let mut sources = HashMap::with_capacity(events.len());
        for r in storage.receipt_log(stream)? {
            for e in &r.events {
                times.insert(
                    *e,
                    Arrival {
                        at: r.received_at,
                        seq: r.seq,
                    },
                );
                sources.insert(*e, (r.device, r.change_hash.clone()));
            }
        }
        Ok(Arrivals::completed(times, sources, events))
    }

    /// With the events no receipt names: those the server recorded itself.
    fn completed(
        mut times: HashMap<EventId, Arrival>,
        sources: HashMap<EventId, (DeviceId, String)>,
        events: &[Envelope],
    ) -> Arrivals {
        for e in events {
            times.entry(e.id).or_insert(Arrival {
                at: e.recorded_at.millis as i64,
                seq: 0,
            });
        }
        Arrivals { times, sources }
    }

    /// The device and change that brought the event; `None` for one the server recorded
    /// itself (or when read without sources).
    pub fn source(&self, event: EventId) -> Option<&(DeviceId, String)> {
        self.sources.get(&event)
    }

    pub fn of(&self, event: EventId) -> Option<Arrival> {
        self.times.get(&event).copied()
    }

    /// Events that reached the server after it already held an event recorded later
    /// (by the hybrid logical clock): records that came in late, after the views had
    /// moved on without them.
    pub fn late(&self, events: &[Envelope]) -> HashSet<EventId> {
        let mut by_arrival: Vec<(&Envelope, Arrival)> = events
            .iter()
            .filter_map(|e| self.of(e.id).map(|a| (e, a)))
            .collect();
        by_arrival.sort_by_key(|(e, a)| (*a, e.order_key()));
        let mut late = HashSet::new();
        let mut latest_before = None;
        let mut i = 0;
        while i < by_arrival.len() {
            // One sync message's events arrive together: compare with earlier ones.
            let at = by_arrival[i].1;
            let mut j = i;
            while j < by_arrival.len() && by_arrival[j].1 == at {
                if latest_before.is_some_and(|l| by_arrival[j].0.order_key() < l) {
                    late.insert(by_arrival[j].0.id);
                }
                j += 1;
            }
            for (e, _) in &by_arrival[i..j] {
                latest_before =
                    Some(latest_before.map_or(e.order_key(), |l: (_, _)| l.max(e.order_key())));
            }
            i = j;
        }
        late
    }
}

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

struct Names {
    people: HashMap<PersonId, (String, String)>,
    devices: HashMap<DeviceId, String>,
    server_device: DeviceId,
}

impl Names {
    fn read(storage: &dyn Storage) -> Result<Names> {
        Ok(Names {
            people: storage
                .people()?
                .into_iter()
                .map(|p| (p.id, (p.username, p.name)))
                .collect(),
            devices: storage
                .devices()?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
            server_device: storage.server_device(),
        })
    }

    fn person(&self, id: PersonId) -> Value {
        match self.people.get(&id) {
            Some((username, name)) => json!({"id": id, "username": username, "name": name}),
            None => json!({"id": id, "username": null, "name": "the server"}),
        }
    }

    fn device(&self, id: DeviceId) -> Value {
        let name = if id == self.server_device {
            "the server".to_string()
        } else {
            self.devices
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "an unknown device".into())
        };
        json!({"id": id, "name": name})
    }

    /// Matches a person given by id, username or name.
    fn matches(&self, id: PersonId, wanted: &str) -> bool {
        id.to_string() == wanted
            || self
                .people
                .get(&id)
                .is_some_and(|(u, n)| u == wanted || n == wanted)
    }
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
        return Ok(vec![auditable(storage, person, stream)?]);
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
        return Err(ServerError::Forbidden(
            "You are not an auditor for any stream this covers; ask an administrator to grant the auditor role.".into(),
        ));
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
) -> Vec<&'static str> {
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
    roles.iter().map(|r| r.name()).collect()
}

/// The timeline: every event of the streams chosen (with author, roles, device,
/// device time, server receipt time, content, and whether it came in late), and every
/// read of them from the access log, in the order they reached the server.
pub fn timeline(
    storage: &dyn Storage,
    person: PersonId,
    filter: &TimelineFilter,
) -> Result<Vec<Value>> {
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
    let mut entries: Vec<(Arrival, Value)> = Vec::new();
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
                json!({
                    "entry": "event",
                    "stream": stream,
                    "stream_name": access.name,
                    "event_id": e.id,
                    "kind": e.kind_name(),
                    "author": names.person(e.author),
                    "roles": roles,
                    "device": names.device(e.device),
                    "recorded_at": timestamp(recorded),
                    "received_at": timestamp(arrival.at),
                    "received_from": from_device.map(|d| names.device(d)),
                    "recorded_on_server": from_device.is_none(),
                    "delay_seconds": (arrival.at - recorded).max(0) / 1000,
                    "late": late.contains(&e.id),
                    "receipt": (arrival.seq > 0).then_some(arrival.seq),
                    "change_hash": (!change.is_empty()).then_some(change),
                    "content": e.event(),
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
                json!({
                    "entry": "access",
                    "seq": a.seq,
                    "stream": a.stream,
                    "stream_name": stream_names.get(&a.stream),
                    "at": timestamp(a.at),
                    "person": names.person(a.person),
                    "device": names.device(a.device),
                    "route": a.route,
                    "record": a.record,
                }),
            ));
        }
    }
    entries.sort_by_key(|(a, _)| *a);
    Ok(entries.into_iter().map(|(_, v)| v).collect())
}

/// The view of a collaborative's stream that is its dashboard.
pub const DASHBOARD: &str = "dashboard";

/// A point in a stream's history.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "point", rename_all = "kebab-case")]
pub enum Point {
    /// The server's knowledge at this instant (milliseconds since the epoch).
    At { at: String },
    /// The server's knowledge just after this event reached it.
    After { event: EventId, at: String },
}

/// Where a point is in the receipt log: everything that arrived up to it was held.
fn limit_of(
    at: Option<i64>,
    after: Option<EventId>,
    arrivals: &[&Arrivals],
) -> Result<(Point, Arrival)> {
    match (at, after) {
        (Some(at), None) => Ok((
            Point::At { at: timestamp(at) },
            Arrival { at, seq: i64::MAX },
        )),
        (None, Some(event)) => {
            let Some((arrival, holder)) = arrivals
                .iter()
                .find_map(|a| a.of(event).map(|arrival| (arrival, a)))
            else {
                return Err(ServerError::NotFound(format!(
                    "There is no event {event} in the streams you asked about."
                )));
            };
            // The whole sync message that brought it: every receipt of that moment.
            let last = holder
                .times
                .values()
                .filter(|a| a.at == arrival.at)
                .map(|a| a.seq)
                .max()
                .unwrap_or(arrival.seq);
            Ok((
                Point::After {
                    event,
                    at: timestamp(arrival.at),
                },
                Arrival {
                    at: arrival.at,
                    seq: last,
                },
            ))
        }
        _ => Err(ServerError::BadRequest(
            "Give either `at` (a date and time, such as 2026-03-10T17:40:00Z) or `after` (an event id), not both.".into(),
        )),
    }
}

/// The events of a stream the server held at `limit`.
fn held_at(events: Vec<Envelope>, arrivals: &Arrivals, limit: Arrival) -> Vec<Envelope> {
    events
        .into_iter()
        .filter(|e| arrivals.of(e.id).is_some_and(|a| a <= limit))
        .collect()
}

/// The stream's events as the server held them at a point, folded.
pub fn as_it_stood(
    storage: &dyn Storage,
    stream: StreamId,
    at: Option<i64>,
    after: Option<EventId>,
) -> Result<(Point, StreamAsItStood, Vec<Envelope>)> {
    let events = storage.envelopes(stream)?;
    let arrivals = Arrivals::read(storage, &events, stream)?;
    let (point, limit) = limit_of(at, after, &[&arrivals])?;
    let held = held_at(events, &arrivals, limit);
    let folded = StreamAsItStood::fold(stream, &held);
    Ok((point, folded, held))
}

/// A collaborative's dashboard as the server held it at a point: the collaborative's
/// stream and those of its projects the person audits, each folded up to the same
/// moment, read as of that moment's date. With how many events were held in all.
pub fn dashboard_as_it_stood(
    storage: &dyn Storage,
    person: PersonId,
    access: &StreamAccess,
    at: Option<i64>,
    after: Option<EventId>,
) -> Result<(Point, Dashboard, usize)> {
    if access.kind != StreamKind::Collaborative {
        return Err(ServerError::BadRequest(format!(
            "{} is a team's project: the dashboard view is of a collaborative's stream.",
            access.name
        )));
    }
    let collaborative = access.stream_id;
    let mut streams = vec![collaborative];
    streams.extend(
        audited_streams(storage, person)?
            .into_iter()
            .filter(|s| s.kind == StreamKind::Project && s.collaborative == Some(collaborative))
            .map(|s| s.stream_id),
    );
    let mut read = Vec::with_capacity(streams.len());
    for stream in streams {
        let events = storage.envelopes(stream)?;
        let arrivals = Arrivals::read(storage, &events, stream)?;
        read.push((stream, events, arrivals));
    }
    let all: Vec<&Arrivals> = read.iter().map(|(_, _, a)| a).collect();
    let (point, limit) = limit_of(at, after, &all)?;
    let mut held = 0;
    let folds: Vec<StreamAsItStood> = read
        .into_iter()
        .map(|(stream, events, arrivals)| {
            let events = held_at(events, &arrivals, limit);
            held += events.len();
            StreamAsItStood::fold(stream, &events)
        })
        .collect();
    let today = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(limit.at) * 1_000_000)
        .map_err(|e| ServerError::BadRequest(format!("That moment is out of range: {e}.")))?
        .date();
    let (whole, projects) = folds
        .split_first()
        .ok_or_else(|| ServerError::Internal("no collaborative stream was read".into()))?;
    let dashboard = whole.dashboard(projects, today).ok_or_else(|| {
        ServerError::NotFound(format!(
            "{collaborative} was not yet a founded collaborative at that point; the dashboard view is of a collaborative's stream."
        ))
    })?;
    Ok((point, dashboard, held))
}

/// One view of a stream as it stood, serialized as the view itself.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum View {
    Project(ProjectOverview),
    /// A collaborative's overview: its summary and founding record.
    Collaborative(Value),
    Cycle(CycleView),
    Measure(Box<MeasureChart>),
    Report(Box<ReportView>),
    History(RecordHistory),
    Dashboard(Dashboard),
}

/// One view of a stream as it stood: `view` is overview, cycle, measure, report or
/// history (the last four with `id`).
pub fn view_of(
    folded: &StreamAsItStood,
    kind: StreamKind,
    view: &str,
    id: Option<EventId>,
) -> Result<View> {
    let missing = |what: &str| {
        ServerError::NotFound(format!(
            "There was no {what} with that id in the stream at that point."
        ))
    };
    let need_id = || {
        id.ok_or_else(|| {
            ServerError::BadRequest(format!("The {view} view needs `id`: the record's id."))
        })
    };
    let value = match view {
        "overview" => match kind {
            StreamKind::Project => View::Project(folded.project_overview()),
            _ => {
                let summary = &folded.views().summary;
                View::Collaborative(json!({
                    "summary": summary,
                    "founding": summary.founding.and_then(|f| folded.record(f)),
                }))
            }
        },
        "cycle" => View::Cycle(folded.cycle(need_id()?).ok_or_else(|| missing("cycle"))?),
        "measure" => View::Measure(Box::new(
            folded
                .measure_chart(need_id()?)
                .ok_or_else(|| missing("measure"))?,
        )),
        "report" => View::Report(Box::new(
            folded
                .report(need_id()?)
                .ok_or_else(|| missing("monthly report"))?,
        )),
        "history" => View::History(
            folded
                .history(need_id()?)
                .ok_or_else(|| missing("record"))?,
        ),
        other => {
            return Err(ServerError::BadRequest(format!(
                "'{other}' is not a view; give overview, cycle, measure, report or history (or dashboard, for a collaborative)."
            )));
        }
    };
    Ok(value)
}

pub fn to_value(v: &impl Serialize) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| ServerError::Internal(e.to_string()))
}

/// What the maker of a decision had seen when making it, and what existed elsewhere
/// but had not reached them.
pub fn decision_context(
    storage: &dyn Storage,
    stream: StreamId,
    decision: EventId,
) -> Result<Value> {
    let names = Names::read(storage)?;
    let events = storage.envelopes(stream)?;
    let arrivals = Arrivals::read(storage, &events, stream)?;
    let graph = ChangeGraph::from_changes(&storage.stream_changes(stream)?)
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    let Some(made) = events.iter().find(|e| e.id == decision) else {
        return Err(ServerError::NotFound(format!(
            "There is no event {decision} in this stream."
        )));
    };
    let seen = graph.seen_by(decision).ok_or_else(|| {
        ServerError::Internal(format!(
            "event {decision} is not in the stream's change graph"
        ))
    })?;
    let after = graph.after(decision).unwrap_or_default();
    let decided_arrival = arrivals.of(decision);
    let brief = |e: &Envelope| {
        json!({
            "event_id": e.id,
            "kind": e.kind_name(),
            "author": names.person(e.author),
            "device": names.device(e.device),
            "recorded_at": timestamp(e.recorded_at.millis as i64),
            "received_at": arrivals.of(e.id).map(|a| timestamp(a.at)),
            "title": e.event().map(summary_of),
        })
    };
    let mut seen_list = Vec::new();
    let mut not_seen = Vec::new();
    for e in &events {
        if e.id == decision {
            continue;
        }
        if seen.contains(&e.id) {
            seen_list.push(brief(e));
            continue;
        }
        if after.contains(&e.id) {
            continue;
        }
        let arrived_before = match (arrivals.of(e.id), decided_arrival) {
            (Some(a), Some(d)) => a < d,
            _ => false,
        };
        let recorded_before = e.order_key() < made.order_key();
        let why = if arrived_before {
            "at the office before the decision reached it, but not on the decider's device"
        } else if recorded_before {
            "recorded on another device before the decision, not yet at the office"
        } else {
            continue;
        };
        let mut entry = brief(e);
        entry["why_not_seen"] = json!(why);
        not_seen.push(entry);
    }
    let seen_events: Vec<&Envelope> = events.iter().filter(|e| seen.contains(&e.id)).collect();
    let as_seen = StreamAsItStood::fold(stream, seen_events);
    let rests_on: Vec<Value> = match made.event() {
        Some(Event::ManagerDecisionRecorded { rests_on, .. }) => rests_on
            .iter()
            .map(|r| json!({"record": r, "had_seen": seen.contains(r)}))
            .collect(),
        _ => Vec::new(),
    };
    let kind = storage.stream_info(stream)?.kind;
    let change = graph.change_of(decision);
    Ok(json!({
        "decision": {
            "event_id": made.id,
            "kind": made.kind_name(),
            "is_decision": made.kind().is_some_and(|k| DECISIONS.contains(&k)),
            "author": names.person(made.author),
            "device": names.device(made.device),
            "recorded_at": timestamp(made.recorded_at.millis as i64),
            "received_at": decided_arrival.map(|a| timestamp(a.at)),
            "change_hash": change.map(|c| c.hash.to_string()),
            "depends_on": change.map(|c| c.deps.iter().map(|d| d.to_string()).collect::<Vec<_>>()),
            "content": made.event(),
        },
        "rests_on": rests_on,
        "seen": seen_list,
        "not_seen": not_seen,
        "view_as_seen": view_of(&as_seen, kind, "overview", None)?,
    }))
}

fn summary_of(event: &Event) -> String {
    match event {
        Event::ObservationRecorded(o) => o.text.clone(),
        Event::CyclePlanned(p) => p.objective.clone(),
        Event::ManagerDecisionRecorded { decision, .. } => decision.clone(),
        Event::MeasurementRecorded(m) => format!("{} for {}", m.value.plotted(), m.period_end),
        other => other.kind().name().to_string(),
    }
}

/// The decisions of a stream, oldest first.
pub fn decisions(storage: &dyn Storage, stream: StreamId) -> Result<Vec<Value>> {
    let names = Names::read(storage)?;
    Ok(storage
        .envelopes(stream)?
        .iter()
        .filter(|e| e.kind().is_some_and(|k| DECISIONS.contains(&k)))
        .map(|e| {
            json!({
                "event_id": e.id,
                "kind": e.kind_name(),
                "author": names.person(e.author),
                "recorded_at": timestamp(e.recorded_at.millis as i64),
                "title": e.event().map(summary_of),
            })
        })
        .collect())
}

/// The audit bundle of some streams.
pub fn export(storage: &dyn Storage, streams: &[StreamAccess]) -> Result<(Vec<u8>, String)> {
    let mut contents = Vec::with_capacity(streams.len());
    for s in streams {
        contents.push(StreamContent {
            stream: s.stream_id,
            name: s.name.clone(),
            kind: crate::api::praxis_kind(s.kind).to_string(),
            changes: storage.stream_changes(s.stream_id)?,
            receipts: storage.receipt_log(s.stream_id)?,
        });
    }
    let created = timestamp(praxis_core::domain::hlc::wall_millis_now() as i64);
    let (bytes, manifest) =
        bundle::write(contents, &created).map_err(|e| ServerError::Internal(e.to_string()))?;
    let digest =
        bundle::manifest_sha256(&manifest).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok((bytes, digest))
}

/// Checks a stream's history as the server holds it: its change graph and receipt log
/// (by exporting and verifying its bundle), and that every change a device sent has a
/// receipt.
pub fn integrity(storage: &dyn Storage, access: &StreamAccess) -> Result<Value> {
    let (bytes, _) = export(storage, std::slice::from_ref(access))?;
    let verification: Verification =
        bundle::verify(&bytes).map_err(|e| ServerError::Internal(e.to_string()))?;
    let receipted: HashSet<String> = storage
        .receipt_log(access.stream_id)?
        .into_iter()
        .map(|r| r.change_hash)
        .collect();
    let graph = ChangeGraph::from_changes(&storage.stream_changes(access.stream_id)?)
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    let server_actor = praxis_core::replication::device_actor(storage.server_device());
    let unreceipted: Vec<String> = graph
        .nodes()
        .iter()
        .filter(|n| !n.events.is_empty() && n.actor != server_actor)
        .filter(|n| !receipted.contains(&n.hash.to_string()))
        .map(|n| {
            format!(
                "change {} (event {}) has no receipt",
                n.hash,
                n.events
                    .iter()
                    .map(|e| e.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let mut problems: Vec<String> = verification
        .findings
        .iter()
        .map(|f| f.to_string())
        .collect();
    problems.extend(unreceipted);
    Ok(json!({
        "stream": access.stream_id,
        "intact": problems.is_empty(),
        "problems": problems,
        "verification": verification,
    }))
}
