//! Retention and legal holds on the server: a data protection officer's schedule and
//! holds, recorded in the collaborative's stream; what they make due on a day
//! (`report`, the dry run); and the refusal of an erasure a hold covers. A run erases
//! what is due through `data_keys::erase`, the path an officer's erasure takes.

use super::columns::timestamp;
use super::data_keys::officer_streams;
use super::streams;
use crate::storage::{
    DueKey, HoldOn, HoldShown, PeriodShown, Result, RetentionReport, ScheduleShown, StorageError,
};
use praxis_core::domain::event::{Event, HoldCovers, RetentionPeriod};
use praxis_core::domain::ids::{DataKeyId, EventId, PersonId, StreamId};
use praxis_core::domain::retention::{ProjectContent, Retention, kept_until};
use praxis_core::store::{Identity, Store, held_keys, queries};
use rusqlite::Connection;
use std::collections::{BTreeSet, HashMap};
use time::Date;

/// The collaboratives `officer` is data protection officer for; refused for anyone
/// else.
pub fn officer_collaboratives(conn: &Connection, officer: PersonId) -> Result<BTreeSet<StreamId>> {
    Ok(officer_streams(conn, officer)?.into_values().collect())
}

/// A collaborative's retention, from its stream.
pub fn retention_of(conn: &Connection, collaborative: StreamId) -> Result<Retention> {
    Ok(Retention::of(&queries::events(conn, collaborative)?))
}

fn acts_for(conn: &Connection, officer: PersonId, collaborative: StreamId) -> Result<()> {
    if officer_collaboratives(conn, officer)?.contains(&collaborative) {
        Ok(())
    } else {
        Err(StorageError::NotFound(format!(
            "There is no collaborative {collaborative} that you are data protection officer for."
        )))
    }
}

fn reason_given(reason: &str, what: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StorageError::BadInput(format!(
            "Say why: the reason is kept with the {what}."
        )));
    }
    Ok(reason.to_string())
}

/// The event setting `collaborative`'s schedule, replacing the one that stands.
pub fn schedule_event(
    conn: &Connection,
    officer: PersonId,
    collaborative: StreamId,
    periods: Vec<RetentionPeriod>,
    reason: &str,
) -> Result<Event> {
    acts_for(conn, officer, collaborative)?;
    let reason = reason_given(reason, "schedule")?;
    let standing = retention_of(conn, collaborative)?.schedule;
    Ok(Event::RetentionScheduleSet {
        replaces: standing.map(|s| vec![s.id]).unwrap_or_default(),
        periods,
        reason,
    })
}

/// The event placing a hold, for `tag` the keyed hash of a person's reference.
pub fn hold_event(
    conn: &Connection,
    officer: PersonId,
    collaborative: StreamId,
    (on, tag): (&HoldOn, Option<Vec<u8>>),
    reason: &str,
) -> Result<Event> {
    acts_for(conn, officer, collaborative)?;
    let reason = reason_given(reason, "legal hold")?;
    let covers = match on {
        HoldOn::Person(_) => HoldCovers::Person {
            tag: hex::encode(tag.unwrap_or_default()),
        },
        HoldOn::Project(project) => {
            if !streams::projects_of(conn, collaborative)?.contains(project) {
                return Err(StorageError::NotFound(format!(
                    "There is no project {project} in this collaborative."
                )));
            }
            HoldCovers::Project(*project)
        }
    };
    Ok(Event::LegalHoldPlaced { covers, reason })
}

/// The event lifting `hold`, with the collaborative it is recorded in.
pub fn lift_event(
    conn: &Connection,
    officer: PersonId,
    hold: EventId,
    reason: &str,
) -> Result<(StreamId, Event)> {
    let not_here = || {
        StorageError::NotFound(format!(
            "There is no legal hold {hold} in the collaboratives you are data protection officer for."
        ))
    };
    let envelope = queries::event(conn, hold)?.ok_or_else(not_here)?;
    if !officer_collaboratives(conn, officer)?.contains(&envelope.stream)
        || !matches!(envelope.event(), Some(Event::LegalHoldPlaced { .. }))
    {
        return Err(not_here());
    }
    let reason = reason_given(reason, "lifting of the hold")?;
    Ok((envelope.stream, Event::LegalHoldLifted { hold, reason }))
}

/// Records `event` in `collaborative`'s stream, its author the officer.
pub fn record(
    store: &mut Store,
    collaborative: StreamId,
    officer: (PersonId, String),
    event: Event,
) -> Result<EventId> {
    let identity = Identity {
        person: officer.0,
        name: officer.1,
        device: store.identity().device,
    };
    let recorded = store.record_as(&identity, collaborative, vec![event], |_, _, _| Ok(()))?;
    Ok(recorded[0].id)
}

/// Refuses an erasure of `keys` (of `collaborative`'s streams) that a hold covers.
pub fn refuse_if_held(
    conn: &Connection,
    collaborative: StreamId,
    keys: &[(DataKeyId, StreamId)],
) -> Result<()> {
    let retention = retention_of(conn, collaborative)?;
    if retention.holds.is_empty() {
        return Ok(());
    }
    let streams: BTreeSet<StreamId> = keys.iter().map(|(_, s)| *s).collect();
    for stream in streams {
        for (key, tag) in held_keys(conn, stream)? {
            if !keys.contains(&(key, stream)) {
                continue;
            }
            let tag = tag.map(hex::encode);
            if let Some(hold) = retention.hold_over(stream, tag.as_deref()) {
                return Err(StorageError::Conflict(format!(
                    "This content is under legal hold {} ({}), placed {}: nothing it covers may be erased until the hold is lifted.",
                    hold.id,
                    hold.reason,
                    timestamp(hold.placed_at.millis as i64)
                )));
            }
        }
    }
    Ok(())
}

/// `collaborative`'s retention as it stands, and the keys due on `as_of`.
pub fn report(
    conn: &Connection,
    (collaborative, name): (StreamId, String),
    as_of: Date,
    names: &HashMap<PersonId, String>,
) -> Result<RetentionReport> {
    let retention = retention_of(conn, collaborative)?;
    let named = |p: &PersonId| names.get(p).cloned().unwrap_or_else(|| p.to_string());
    let stream_name = |s: StreamId| -> Result<String> { Ok(queries::stream_info(conn, s)?.name) };
    let mut holds = Vec::new();
    for hold in &retention.holds {
        holds.push(HoldShown {
            id: hold.id,
            covers: match &hold.covers {
                HoldCovers::Person { .. } => "a person (by reference)".into(),
                HoldCovers::Project(p) => format!("project {}", stream_name(*p)?),
            },
            reason: hold.reason.clone(),
            placed_by: named(&hold.placed_by),
            placed_at: timestamp(hold.placed_at.millis as i64),
        });
    }
    let mut due = Vec::new();
    let mut projects = Vec::new();
    for project in streams::projects_of(conn, collaborative)? {
        projects.push((project, stream_name(project)?));
    }
    if let Some(schedule) = &retention.schedule {
        for &(project, _) in &projects {
            let held = held_keys(conn, project)?;
            if held.is_empty() {
                continue;
            }
            let content = ProjectContent::of(&queries::events(conn, project)?);
            let Some(closed) = retention.closes(content.last_observed) else {
                continue;
            };
            for (key, tag) in held {
                let Some(sealed) = content.keys.get(&key) else {
                    continue;
                };
                let Some(until) = kept_until(&schedule.periods, &sealed.kinds, closed) else {
                    continue;
                };
                if until > as_of {
                    continue;
                }
                let tag = tag.map(hex::encode);
                due.push(DueKey {
                    stream: project,
                    stream_name: stream_name(project)?,
                    key,
                    kinds: sealed.kinds.iter().map(|k| k.name().to_string()).collect(),
                    records: sealed.records,
                    project_closed: closed.to_string(),
                    kept_until: until.to_string(),
                    held_by: retention.hold_over(project, tag.as_deref()).map(|h| h.id),
                });
            }
        }
    }
    Ok(RetentionReport {
        collaborative,
        name,
        as_of: as_of.to_string(),
        schedule: retention.schedule.as_ref().map(|s| ScheduleShown {
            id: s.id,
            set_by: named(&s.set_by),
            set_at: timestamp(s.set_at.millis as i64),
            periods: s
                .periods
                .iter()
                .map(|p| PeriodShown {
                    kind: p.kind.name().into(),
                    years: p.years,
                })
                .collect(),
            reason: s.reason.clone(),
        }),
        holds,
        projects,
        due,
    })
}

/// The reports of the collaboratives `officer` acts for (every one, with none), as of
/// `as_of`.
pub fn reports(
    conn: &Connection,
    officer: Option<PersonId>,
    as_of: Date,
) -> Result<Vec<RetentionReport>> {
    let within = officer
        .map(|o| officer_collaboratives(conn, o))
        .transpose()?;
    let names: HashMap<PersonId, String> = super::people::people(conn)?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut reports = Vec::new();
    for (collaborative, name) in super::people::collaboratives(conn)? {
        if within.as_ref().is_none_or(|w| w.contains(&collaborative)) {
            reports.push(report(conn, (collaborative, name), as_of, &names)?);
        }
    }
    Ok(reports)
}

/// What a run on `today` erases, by collaborative: the keys due and not held, the
/// officer who set the schedule (the erasure's author), and the reason recorded.
pub struct RunPlan {
    pub collaborative: StreamId,
    pub set_by: (PersonId, String),
    pub reason: String,
    pub keys: Vec<(DataKeyId, StreamId)>,
}

pub fn run_plan(conn: &Connection, today: Date, only: Option<StreamId>) -> Result<Vec<RunPlan>> {
    let mut plans = Vec::new();
    for report in reports(conn, None, today)? {
        if only.is_some_and(|o| o != report.collaborative) {
            continue;
        }
        let keys: Vec<(DataKeyId, StreamId)> = report
            .due
            .iter()
            .filter(|d| d.held_by.is_none())
            .map(|d| (d.key, d.stream))
            .collect();
        let (Some(shown), false) = (&report.schedule, keys.is_empty()) else {
            continue;
        };
        let Some(schedule) = retention_of(conn, report.collaborative)?.schedule else {
            continue;
        };
        let periods: Vec<String> = shown
            .periods
            .iter()
            .map(|p| format!("{} {} years", p.kind, p.years))
            .collect();
        plans.push(RunPlan {
            collaborative: report.collaborative,
            set_by: (schedule.set_by, shown.set_by.clone()),
            reason: format!(
                "Retention period ended ({} after the project closes), under the schedule set {} ({}); run of {today}",
                periods.join(", "),
                &shown.set_at[..10],
                shown.reason
            ),
            keys,
        });
    }
    Ok(plans)
}
