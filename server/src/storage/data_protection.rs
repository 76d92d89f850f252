//! What a data protection officer's work gives back: an erasure, and a subject access
//! export with who read it.

use praxis_core::domain::ids::{DataKeyId, DeviceId, EventId, PersonId, StreamId};
use serde::{Deserialize, Serialize};

/// What an erasure did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Erasure {
    /// The `DataErased` events recorded, one in each collaborative's stream.
    pub events: Vec<EventId>,
    /// How many data keys were destroyed.
    pub keys: usize,
    /// The streams whose records they sealed.
    pub streams: Vec<StreamId>,
    /// When (milliseconds since the epoch).
    pub erased_at: i64,
}

impl Erasure {
    /// Adds another collaborative's erasure to this one.
    pub fn merge(&mut self, other: Erasure) {
        self.events.extend(other.events);
        self.keys += other.keys;
        self.streams.extend(other.streams);
        self.erased_at = self.erased_at.max(other.erased_at);
    }
}

/// Everything held about a person, by their pseudonymous reference: each record sealed
/// under their keys, as it now stands (a subject access request, UK GDPR art. 15).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubjectAccess {
    pub reference: String,
    /// When it was produced (RFC 3339).
    pub produced_at: String,
    pub records: Vec<SubjectRecord>,
}

/// Who reads a subject access export, for the access log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SubjectReader {
    /// A person's enrolled device (the API).
    Device { person: PersonId, device: DeviceId },
    /// A person signed in to the browser.
    Browser(PersonId),
    /// The server's operator (`praxis-server subject-access`), logged as the server.
    Server,
}

/// One record about the person.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubjectRecord {
    pub stream: StreamId,
    pub stream_name: String,
    pub record: EventId,
    /// "observation" or "case material".
    pub kind: String,
    pub observed_on: String,
    /// When it was recorded (RFC 3339) and by whom.
    pub recorded_at: String,
    pub recorded_by: String,
    /// Its text as it now stands (after any correction).
    pub text: String,
    pub corrected: bool,
    pub withdrawn: bool,
}

/// What a legal hold is asked to cover.
#[derive(Clone, Debug, PartialEq)]
pub enum HoldOn {
    /// A person, by their pseudonymous reference, in every stream of the collaborative.
    Person(String),
    /// One team's project.
    Project(StreamId),
}

/// A collaborative's retention as it stands, and what it makes due on a day: for a
/// data protection officer's listing (the dry run), and what a run erases.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RetentionReport {
    pub collaborative: StreamId,
    pub name: String,
    /// The day it was worked out for.
    pub as_of: String,
    pub schedule: Option<ScheduleShown>,
    pub holds: Vec<HoldShown>,
    /// The collaborative's projects, each with its name (what a hold may cover).
    pub projects: Vec<(StreamId, String)>,
    /// Each key whose period has ended: erased by a run unless `held_by` names a hold.
    pub due: Vec<DueKey>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScheduleShown {
    pub id: EventId,
    pub set_by: String,
    /// RFC 3339.
    pub set_at: String,
    /// Each kind (`observation`, `case-material`) and its years after the project
    /// closes.
    pub periods: Vec<PeriodShown>,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PeriodShown {
    pub kind: String,
    pub years: u16,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HoldShown {
    pub id: EventId,
    /// "project NAME", or "a person (by reference)".
    pub covers: String,
    pub reason: String,
    pub placed_by: String,
    /// RFC 3339.
    pub placed_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DueKey {
    pub stream: StreamId,
    pub stream_name: String,
    pub key: DataKeyId,
    /// What it seals: `observation`, `case-material`.
    pub kinds: Vec<String>,
    /// How many records it seals.
    pub records: usize,
    pub project_closed: String,
    pub kept_until: String,
    /// The hold that keeps it, if one does.
    pub held_by: Option<EventId>,
}

impl RetentionReport {
    /// In lines a person reads: the schedule, the holds, and each key due with what
    /// happens to it (`erasing` says whether a run erases now, or a dry run lists).
    pub fn listing(&self, erasing: bool) -> String {
        let mut out = format!("{} (as of {})\n", self.name, self.as_of);
        match &self.schedule {
            None => out.push_str("  no retention schedule: everything is kept\n"),
            Some(s) => {
                let periods: Vec<String> = s
                    .periods
                    .iter()
                    .map(|p| format!("{} {} years", p.kind, p.years))
                    .collect();
                out.push_str(&format!(
                    "  schedule: {} after the project closes (set by {} on {}: {})\n",
                    periods.join(", "),
                    s.set_by,
                    &s.set_at[..10],
                    s.reason
                ));
            }
        }
        for hold in &self.holds {
            out.push_str(&format!(
                "  legal hold {} on {}: {} (placed by {} on {})\n",
                hold.id,
                hold.covers,
                hold.reason,
                hold.placed_by,
                &hold.placed_at[..10]
            ));
        }
        if self.due.is_empty() {
            out.push_str("  nothing has passed its retention period\n");
        }
        for due in &self.due {
            let what = match (due.held_by, erasing) {
                (Some(hold), _) => format!("kept by legal hold {hold}"),
                (None, true) => "erased".to_string(),
                (None, false) => "would be erased".to_string(),
            };
            out.push_str(&format!(
                "  {what}: {} record{} ({}) in {} under key {}, the project closed {}, kept until {}\n",
                due.records,
                if due.records == 1 { "" } else { "s" },
                due.kinds.join(", "),
                due.stream_name,
                due.key,
                due.project_closed,
                due.kept_until
            ));
        }
        out
    }
}
