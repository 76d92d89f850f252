//! Decisions, and what their makers had seen: the change graph says which events were
//! causally before the decision's change.

use super::names::Names;
use super::{Arrivals, Result, view_of};
use crate::error::ServerError;
use crate::storage::Storage;
use praxis_core::audit::change_graph::ChangeGraph;
use praxis_core::dates::timestamp;
use praxis_core::domain::as_it_stood::StreamAsItStood;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::protocol::audit::{
    DecisionBrief, DecisionContext, DecisionMade, RestsOn, SeenEvent,
};

/// The kinds of event that are decisions an auditor replays.
pub const DECISIONS: [EventKind; 8] = [
    EventKind::CycleActed,
    EventKind::CoordinatorScoreGiven,
    EventKind::ManagerDecisionRecorded,
    EventKind::Resolution,
    EventKind::DataErased,
    EventKind::RetentionScheduleSet,
    EventKind::LegalHoldPlaced,
    EventKind::LegalHoldLifted,
];

/// What the maker of a decision had seen when making it, and what existed elsewhere
/// but had not reached them.
pub fn decision_context(
    storage: &dyn Storage,
    stream: StreamId,
    decision: EventId,
) -> Result<DecisionContext> {
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
    let brief = |e: &Envelope, why_not_seen: Option<&str>| SeenEvent {
        event_id: e.id,
        kind: e.kind_name().to_string(),
        author: names.person(e.author),
        device: names.device(e.device),
        recorded_at: timestamp(e.recorded_at.millis as i64),
        received_at: arrivals.of(e.id).map(|a| timestamp(a.at)),
        title: e.event().map(summary_of),
        why_not_seen: why_not_seen.map(str::to_string),
    };
    let mut seen_list = Vec::new();
    let mut not_seen = Vec::new();
    for e in &events {
        if e.id == decision {
            continue;
        }
        if seen.contains(&e.id) {
            seen_list.push(brief(e, None));
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
        not_seen.push(brief(e, Some(why)));
    }
    let seen_events: Vec<&Envelope> = events.iter().filter(|e| seen.contains(&e.id)).collect();
    let as_seen = StreamAsItStood::fold(stream, seen_events);
    let rests_on: Vec<RestsOn> = match made.event() {
        Some(Event::ManagerDecisionRecorded { rests_on, .. }) => rests_on
            .iter()
            .map(|r| RestsOn {
                record: *r,
                had_seen: seen.contains(r),
            })
            .collect(),
        _ => Vec::new(),
    };
    let kind = storage.stream_info(stream)?.kind;
    let change = graph.change_of(decision);
    Ok(DecisionContext {
        decision: DecisionMade {
            event_id: made.id,
            kind: made.kind_name().to_string(),
            is_decision: made.kind().is_some_and(|k| DECISIONS.contains(&k)),
            author: names.person(made.author),
            device: names.device(made.device),
            recorded_at: timestamp(made.recorded_at.millis as i64),
            received_at: decided_arrival.map(|a| timestamp(a.at)),
            change_hash: change.map(|c| c.hash.to_string()),
            depends_on: change.map(|c| c.deps.iter().map(|d| d.to_string()).collect()),
            content: made.event().cloned(),
        },
        rests_on,
        seen: seen_list,
        not_seen,
        view_as_seen: view_of(&as_seen, kind, "overview", None)?,
    })
}

fn summary_of(event: &Event) -> String {
    match event {
        Event::ObservationRecorded(o) => o.text.clone(),
        Event::CyclePlanned(p) => p.objective.clone(),
        Event::ManagerDecisionRecorded { decision, .. } => decision.clone(),
        Event::DataErased {
            keys,
            reason,
            legal_basis,
            ..
        } => format!(
            "personal content under {} erased, {}: {reason}",
            match keys.len() {
                1 => "1 data key".to_string(),
                n => format!("{n} data keys"),
            },
            legal_basis.words()
        ),
        Event::MeasurementRecorded(m) => format!("{} for {}", m.value.plotted(), m.period_end),
        Event::RetentionScheduleSet { reason, .. }
        | Event::LegalHoldPlaced { reason, .. }
        | Event::LegalHoldLifted { reason, .. } => {
            format!("{}: {reason}", event.kind().words())
        }
        other => other.kind().name().to_string(),
    }
}

/// The decisions of a stream, oldest first.
pub fn decisions(storage: &dyn Storage, stream: StreamId) -> Result<Vec<DecisionBrief>> {
    let names = Names::read(storage)?;
    Ok(storage
        .envelopes(stream)?
        .iter()
        .filter(|e| e.kind().is_some_and(|k| DECISIONS.contains(&k)))
        .map(|e| DecisionBrief {
            event_id: e.id,
            kind: e.kind_name().to_string(),
            author: names.person(e.author),
            recorded_at: timestamp(e.recorded_at.millis as i64),
            title: e.event().map(summary_of),
        })
        .collect())
}
