//! The events: every fact Praxis records, in the words of the methodology.
//!
//! A variant, once shipped, is never changed: add a new variant under a new schema
//! version and upcast. The encoding of each variant is pinned by a snapshot test.
//! Long because every record kind stands here side by side, so that a new schema
//! version reads as one diff.

pub use super::collaborative::{
    ChangePackageItem, CollaborativeFounded, EvidenceKind, EvidenceSource, Phase, PhaseKind,
    ProgressLevel, ProgressScale, Score,
};
pub use super::event_kind::EventKind;
use super::ids::DataKeyId;
use super::ids::{DeviceId, EventId, PersonId, StreamId};
pub use super::legal_basis::LegalBasis;
pub use super::measure::{
    Direction, Frequency, MeasureDefinition, MeasureKind, MeasureUnit, Measurement,
    MeasurementValue,
};
use super::role::Role;
use super::sealing::{DataKey, SealError, Sealed};
use serde::{Deserialize, Serialize};
use time::Date;

/// The body of an event. Records are known by the id of the event that created them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    // ---- collaborative stream ----
    /// A collaborative (programme) is founded; the first event of its stream.
    CollaborativeFounded(CollaborativeFounded),
    /// The calendar of prework, learning sessions and action periods. Single-valued.
    ScheduleSet {
        replaces: Vec<EventId>,
        schedule: Vec<Phase>,
    },
    /// A (new version of the) progress scale the collaborative scores against.
    ProgressScaleAdopted(ProgressScale),
    /// An item of the change package, with the evidence behind it.
    ChangePackageItemAdded(ChangePackageItem),

    // ---- team project stream ----
    /// A team's improvement project starts; the first event of its stream.
    ProjectStarted(ProjectStarted),
    /// The project charter with its aim statement, or a revision of it. Single-valued.
    CharterSet {
        replaces: Vec<EventId>,
        charter: Charter,
    },
    /// A new measure.
    MeasureDefined(MeasureDefinition),
    /// A revision of a measure's definition. Single-valued per measure.
    MeasureRevised {
        measure: EventId,
        replaces: Vec<EventId>,
        definition: MeasureDefinition,
    },
    /// A measurement of a measure for a period.
    MeasurementRecorded(Measurement),
    /// A change idea, linked to the evidence behind it.
    ChangeIdeaProposed(ChangeIdea),
    /// Plan: a PDSA cycle is planned; the cycle is known by this event's id.
    CyclePlanned(Plan),
    /// Do: the test was carried out.
    CycleDone { cycle: EventId, done: Do },
    /// Study: the data were compared with the predictions.
    CycleStudied { cycle: EventId, study: Study },
    /// Act: the decision on the change. Single-valued per cycle.
    CycleActed {
        cycle: EventId,
        replaces: Vec<EventId>,
        act: Act,
    },
    /// A free observation or piece of case material.
    ObservationRecorded(Observation),
    /// An entry of SCIE's action plan template.
    ActionPlanEntryAdded(ActionPlanEntry),
    /// An entry of SCIE's learning log template.
    LearningLogEntryAdded(LearningLogEntry),
    /// A team's monthly report, with its self-assessed progress score.
    MonthlyReportSubmitted(MonthlyReport),
    /// The coordinator's own score of a monthly report, with a justification.
    CoordinatorScoreGiven {
        report: EventId,
        score: Score,
        justification: String,
    },
    /// A senior manager's decision, its rationale and the records it rests on.
    ManagerDecisionRecorded {
        decision: String,
        rationale: String,
        rests_on: Vec<EventId>,
    },

    // ---- any stream ----
    /// A correction of an earlier record: the replacement (of the same kind) or, with
    /// none, the record withdrawn. The original stays in the history.
    Correction {
        corrects: EventId,
        reason: String,
        replacement: Option<Replacement>,
    },
    /// Settles a conflict between concurrent versions of one single-valued thing (the
    /// `subject`: a project's charter, a measure, a cycle's Act, a schedule) by naming
    /// them all and the one that stands.
    Resolution {
        subject: EventId,
        settles: Vec<EventId>,
        keep: EventId,
        reason: String,
    },

    // ---- the organisation stream, kept by the server ----
    /// The server's organisation stream begins: who administers whom, replayable.
    OrganisationFounded { name: String },
    /// A person may now sign in.
    PersonAdded {
        person: PersonId,
        username: String,
        name: String,
    },
    /// A team joins a collaborative; the team is known by this event's id.
    TeamAdded {
        collaborative: StreamId,
        name: String,
        organisation: String,
    },
    /// A person gets a role for a team or a whole collaborative.
    MembershipGranted {
        person: PersonId,
        role: Role,
        scope: Scope,
    },
    /// A membership ends.
    MembershipRevoked { membership: EventId, reason: String },
    /// A device was enrolled for a person.
    DeviceEnrolled {
        device: DeviceId,
        person: PersonId,
        name: String,
    },
    /// A device may no longer sync (lost, stolen, replaced).
    DeviceRevoked { device: DeviceId, reason: String },

    // ---- a collaborative's or project's stream: quarantine (schema 2) ----
    /// The server holds back an event that reached it from its author's own device but
    /// that it may not apply: a role that ended while the device was offline, or a
    /// record the server's rules refuse. The event stays in the history, outside every
    /// view, and everything recorded after it goes through. Recorded by the server only.
    Quarantined {
        held: EventId,
        author: PersonId,
        reason: String,
    },
    /// A coordinator releases a held-back event: it counts, in its place in the
    /// history, from now on.
    QuarantineReleased { quarantine: EventId, reason: String },
    /// The author of a held-back event withdraws it: it stays out of every view.
    QuarantineWithdrawn { quarantine: EventId, reason: String },

    // ---- a project's stream: evidence (schema 3) ----
    /// The level the evidence supported when a score was given: recorded by the store
    /// in the same transaction as the score it names (a report's self-assessment, or a
    /// coordinator's score of that report), so the suggestion and the difference from
    /// it stay with the score.
    ScoreSuggested {
        report: EventId,
        /// The report itself for its self-assessment, or the coordinator's score.
        score: EventId,
        suggestion: ScoreSuggestion,
    },
    /// A prediction of a cycle's Plan made checkable: which measure should move which
    /// way by when. The cycle's Study shows it beside the data of the cycle's period.
    ExpectationStated {
        cycle: EventId,
        expectation: Expectation,
    },
    /// How many first points a measure's run chart median rests on before it is
    /// frozen (12 unless set). Single-valued per measure: a setting names the ones it
    /// replaces, and two made without seeing each other stand side by side until a
    /// new one names both.
    BaselineSet {
        measure: EventId,
        replaces: Vec<EventId>,
        points: u16,
    },
    /// Why a stream's records name the person who enrolled this device though they
    /// were made before it was enrolled: at enrolment they were re-recorded under the
    /// enrolled person and device, each keeping its id, its stream and the time it was
    /// first recorded. Names who and which device made them, how many, and when the
    /// first and last were recorded. Recorded once in each stream carried over.
    WorkCarriedOver {
        from_person: PersonId,
        from_person_name: String,
        from_device: DeviceId,
        events: u32,
        first_recorded: super::hlc::Hlc,
        last_recorded: super::hlc::Hlc,
    },

    // ---- personal content sealed, erasable by key (schema 5) ----
    /// An observation or case material whose text and subject reference are sealed
    /// under a data key (`sealing.rs`); every device records observations so. Its kind
    /// is an observation's: it is the same record, stored so it can be erased.
    ObservationSealed(SealedObservation),
    /// A data protection officer erased personal content: the data keys named were
    /// destroyed on the server, in the transaction that recorded this, and every device
    /// destroys its copies at its next sync. Names the keys and the streams whose records
    /// they sealed, never the person or the content. Recorded by the server only (the
    /// officer its author), in the stream of the collaborative the streams belong to,
    /// where its auditors and teams see it.
    DataErased {
        keys: Vec<super::ids::DataKeyId>,
        streams: Vec<StreamId>,
        reason: String,
        legal_basis: LegalBasis,
    },

    // ---- a collaborative's stream: retention and legal holds (schema 6) ----
    /// How long the sealed content of each kind of record is kept after a project
    /// closes. Single-valued per collaborative: a new schedule names the one it
    /// replaces. Recorded by the server only, its author the data protection officer.
    RetentionScheduleSet {
        replaces: Vec<EventId>,
        periods: Vec<RetentionPeriod>,
        reason: String,
    },
    /// A legal hold (an inquiry, a complaint, litigation): nothing it covers is erased,
    /// by a retention run or by an officer, until it is lifted. The hold is known by
    /// this event's id. Recorded by the server only.
    LegalHoldPlaced { covers: HoldCovers, reason: String },
    /// A legal hold ends. Recorded by the server only.
    LegalHoldLifted { hold: EventId, reason: String },

    // ---- a project's stream: the Do step sealed (schema 6) ----
    /// The Do step of a cycle, what the practitioner wrote about carrying out the test
    /// with people (what they observed, the problems, the surprises, the data gathered)
    /// sealed under a key of its own; when and by whom stay in the clear. Its kind is
    /// the Do's: every device records the Do so.
    CycleDoneSealed { cycle: EventId, done: SealedDo },
}

/// How long one kind of record's sealed content is kept: `years` after the project it
/// belongs to closes. A kind the schedule does not name is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPeriod {
    pub kind: ObservationKind,
    pub years: u16,
}

/// What a legal hold covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldCovers {
    /// Everything about one person, in every stream of the collaborative: named by the
    /// server's keyed hash of their reference (hex), never by the reference itself,
    /// which an erasure after the hold is lifted must be able to forget.
    Person { tag: String },
    /// Everything sealed in one team's project.
    Project(StreamId),
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::CollaborativeFounded(_) => EventKind::CollaborativeFounded,
            Event::ScheduleSet { .. } => EventKind::ScheduleSet,
            Event::ProgressScaleAdopted(_) => EventKind::ProgressScaleAdopted,
            Event::ChangePackageItemAdded(_) => EventKind::ChangePackageItemAdded,
            Event::ProjectStarted(_) => EventKind::ProjectStarted,
            Event::CharterSet { .. } => EventKind::CharterSet,
            Event::MeasureDefined(_) => EventKind::MeasureDefined,
            Event::MeasureRevised { .. } => EventKind::MeasureRevised,
            Event::MeasurementRecorded(_) => EventKind::MeasurementRecorded,
            Event::ChangeIdeaProposed(_) => EventKind::ChangeIdeaProposed,
            Event::CyclePlanned(_) => EventKind::CyclePlanned,
            Event::CycleDone { .. } => EventKind::CycleDone,
            Event::CycleStudied { .. } => EventKind::CycleStudied,
            Event::CycleActed { .. } => EventKind::CycleActed,
            Event::ObservationRecorded(_) => EventKind::ObservationRecorded,
            Event::ActionPlanEntryAdded(_) => EventKind::ActionPlanEntryAdded,
            Event::LearningLogEntryAdded(_) => EventKind::LearningLogEntryAdded,
            Event::MonthlyReportSubmitted(_) => EventKind::MonthlyReportSubmitted,
            Event::CoordinatorScoreGiven { .. } => EventKind::CoordinatorScoreGiven,
            Event::ManagerDecisionRecorded { .. } => EventKind::ManagerDecisionRecorded,
            Event::Correction { .. } => EventKind::Correction,
            Event::Resolution { .. } => EventKind::Resolution,
            Event::OrganisationFounded { .. } => EventKind::OrganisationFounded,
            Event::PersonAdded { .. } => EventKind::PersonAdded,
            Event::TeamAdded { .. } => EventKind::TeamAdded,
            Event::MembershipGranted { .. } => EventKind::MembershipGranted,
            Event::MembershipRevoked { .. } => EventKind::MembershipRevoked,
            Event::DeviceEnrolled { .. } => EventKind::DeviceEnrolled,
            Event::DeviceRevoked { .. } => EventKind::DeviceRevoked,
            Event::Quarantined { .. } => EventKind::Quarantined,
            Event::QuarantineReleased { .. } => EventKind::QuarantineReleased,
            Event::QuarantineWithdrawn { .. } => EventKind::QuarantineWithdrawn,
            Event::ScoreSuggested { .. } => EventKind::ScoreSuggested,
            Event::ExpectationStated { .. } => EventKind::ExpectationStated,
            Event::BaselineSet { .. } => EventKind::BaselineSet,
            Event::WorkCarriedOver { .. } => EventKind::WorkCarriedOver,
            Event::ObservationSealed(_) => EventKind::ObservationRecorded,
            Event::DataErased { .. } => EventKind::DataErased,
            Event::RetentionScheduleSet { .. } => EventKind::RetentionScheduleSet,
            Event::LegalHoldPlaced { .. } => EventKind::LegalHoldPlaced,
            Event::LegalHoldLifted { .. } => EventKind::LegalHoldLifted,
            Event::CycleDoneSealed { .. } => EventKind::CycleDone,
        }
    }

    /// The schema version that first had this event: the quarantine's events are
    /// schema 2, the evidence's schema 3, work carried over at enrolment schema 4,
    /// sealed content and erasure schema 5 (so is a correction carrying a sealed
    /// observation, and a data protection officer's membership), retention and legal
    /// holds schema 6, every other kind schema 1, so a build that
    /// reads only an older schema keeps the new kinds as unknown events instead of
    /// failing on them.
    pub fn schema(&self) -> u16 {
        match self {
            Event::Quarantined { .. }
            | Event::QuarantineReleased { .. }
            | Event::QuarantineWithdrawn { .. } => 2,
            Event::ScoreSuggested { .. }
            | Event::ExpectationStated { .. }
            | Event::BaselineSet { .. } => 3,
            Event::WorkCarriedOver { .. } => 4,
            Event::ObservationSealed(_)
            | Event::DataErased { .. }
            | Event::Correction {
                replacement: Some(Replacement::SealedObservation(_)),
                ..
            }
            | Event::MembershipGranted {
                role: Role::DataProtectionOfficer,
                ..
            } => 5,
            Event::RetentionScheduleSet { .. }
            | Event::LegalHoldPlaced { .. }
            | Event::LegalHoldLifted { .. }
            | Event::CycleDoneSealed { .. }
            | Event::Correction {
                replacement: Some(Replacement::SealedDo(_)),
                ..
            } => 6,
            _ => 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectStarted {
    pub collaborative: StreamId,
    pub team: String,
    pub organisation: String,
    pub title: String,
}

/// "Some is not a number; soon is not a time."
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aim {
    pub what: String,
    pub for_whom: String,
    pub where_: String,
    pub how_much: String,
    pub by_when: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Charter {
    pub aim: Aim,
    pub senior_leader: String,
    pub day_to_day_lead: String,
    pub members: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EvidenceLink {
    /// An item of the collaborative's change package.
    PackageItem(EventId),
    /// A source named directly.
    Source(EvidenceSource),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeIdea {
    pub title: String,
    pub description: String,
    pub evidence: Vec<EvidenceLink>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub question: String,
    pub prediction: String,
    pub reason: String,
}

/// The level of the progress scale the evidence supported when a score was given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreSuggestion {
    /// The level suggested, on the collaborative's scale.
    pub level: Score,
    /// The score given; the difference from the suggestion is `given - level`.
    pub given: Score,
    /// The rule, as worded when the score was given.
    pub rule: String,
    /// What the rule read, one sentence each.
    pub evidence: Vec<String>,
}

/// A checkable prediction: which way a measure should move during a cycle's period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// The Plan's prediction this makes checkable (its place in the Plan's list).
    pub prediction: Option<u16>,
    pub measure: EventId,
    pub change: ExpectedChange,
    /// The last day of the cycle's period: the measurements from the day of the test
    /// to this day are read against the expectation.
    pub by: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExpectedChange {
    Rise,
    Fall,
    NoChange,
    AtLeast(f64),
    AtMost(f64),
}

/// Where a cycle stands on its ramp, from a very small test to spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestScale {
    VerySmall,
    FollowUp,
    Wider,
    Implementation,
    Spread,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub change_idea: Option<EventId>,
    /// The cycle this one follows on its ramp.
    pub follows: Option<EventId>,
    pub scale: TestScale,
    pub objective: String,
    pub predictions: Vec<Prediction>,
    pub who: String,
    pub what: String,
    pub where_: String,
    pub when: Date,
    pub data_to_collect: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Do {
    pub carried_out_on: Date,
    pub carried_out_by: String,
    pub observations: String,
    pub problems: String,
    pub surprises: String,
    pub data_gathered: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Study {
    pub analysis: String,
    pub compared_with_predictions: String,
    pub learning: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Decision {
    Adopt,
    Adapt,
    Abandon,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Act {
    pub decision: Decision,
    pub reasons: String,
    pub changes: String,
    /// What the next cycle will test (the next cycle names this one when planned).
    pub next_step: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObservationKind {
    Observation,
    CaseMaterial,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub kind: ObservationKind,
    pub cycle: Option<EventId>,
    /// A pseudonymous reference to the person concerned, never a name.
    pub subject: Option<String>,
    pub observed_on: Date,
    pub text: String,
}

/// SCIE's action plan template, as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionPlanEntry {
    pub where_are_we_now: String,
    pub what_do_we_want_to_achieve: String,
    pub how_will_we_get_there: String,
    pub who_needs_to_take_what_action: String,
    pub timescales: String,
}

/// SCIE's learning log template, as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearningLogEntry {
    pub learning_points: String,
    pub action_points: String,
    pub responsibility: String,
    pub implement_by: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// The first day of the month reported on.
    pub month: Date,
    pub measures: String,
    pub cycles: String,
    pub learning: String,
    pub barriers: String,
    pub plans: String,
    pub self_score: Score,
}

/// The corrected content of a record. Not an [`Event`], so a correction can neither
/// nest nor move a record to another parent (a Do stays with its cycle).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Replacement {
    ChangePackageItem(ChangePackageItem),
    Measurement(Measurement),
    ChangeIdea(ChangeIdea),
    Plan(Plan),
    Do(Do),
    Study(Study),
    Observation(Observation),
    ActionPlanEntry(ActionPlanEntry),
    LearningLogEntry(LearningLogEntry),
    MonthlyReport(MonthlyReport),
    CoordinatorScore {
        score: Score,
        justification: String,
    },
    ManagerDecision {
        decision: String,
        rationale: String,
        rests_on: Vec<EventId>,
    },
    /// An observation corrected, its new text and subject sealed (schema 5).
    SealedObservation(SealedObservation),
    /// A Do corrected, its new free text sealed (schema 6).
    SealedDo(SealedDo),
}

impl Event {
    /// This record's content with a correction applied, or `None` when the replacement
    /// is of another kind.
    pub fn corrected_by(&self, replacement: &Replacement) -> Option<Event> {
        use Replacement as R;
        Some(match (self, replacement.clone()) {
            (Event::ChangePackageItemAdded(_), R::ChangePackageItem(x)) => {
                Event::ChangePackageItemAdded(x)
            }
            (Event::MeasurementRecorded(_), R::Measurement(x)) => Event::MeasurementRecorded(x),
            (Event::ChangeIdeaProposed(_), R::ChangeIdea(x)) => Event::ChangeIdeaProposed(x),
            (Event::CyclePlanned(_), R::Plan(x)) => Event::CyclePlanned(x),
            (
                Event::CycleDone { cycle, .. } | Event::CycleDoneSealed { cycle, .. },
                R::Do(done),
            ) => Event::CycleDone {
                cycle: *cycle,
                done,
            },
            (
                Event::CycleDone { cycle, .. } | Event::CycleDoneSealed { cycle, .. },
                R::SealedDo(done),
            ) => Event::CycleDoneSealed {
                cycle: *cycle,
                done,
            },
            (Event::CycleStudied { cycle, .. }, R::Study(study)) => Event::CycleStudied {
                cycle: *cycle,
                study,
            },
            (Event::ObservationRecorded(_) | Event::ObservationSealed(_), R::Observation(x)) => {
                Event::ObservationRecorded(x)
            }
            (
                Event::ObservationRecorded(_) | Event::ObservationSealed(_),
                R::SealedObservation(x),
            ) => Event::ObservationSealed(x),
            (Event::ActionPlanEntryAdded(_), R::ActionPlanEntry(x)) => {
                Event::ActionPlanEntryAdded(x)
            }
            (Event::LearningLogEntryAdded(_), R::LearningLogEntry(x)) => {
                Event::LearningLogEntryAdded(x)
            }
            (Event::MonthlyReportSubmitted(_), R::MonthlyReport(x)) => {
                Event::MonthlyReportSubmitted(x)
            }
            (
                Event::CoordinatorScoreGiven { report, .. },
                R::CoordinatorScore {
                    score,
                    justification,
                },
            ) => Event::CoordinatorScoreGiven {
                report: *report,
                score,
                justification,
            },
            (
                Event::ManagerDecisionRecorded { .. },
                R::ManagerDecision {
                    decision,
                    rationale,
                    rests_on,
                },
            ) => Event::ManagerDecisionRecorded {
                decision,
                rationale,
                rests_on,
            },
            _ => return None,
        })
    }

    /// The record an event creates or acts on: itself for a new record, the named record
    /// otherwise. `founding` is the stream's first event (owner of charter and schedule).
    pub fn subject(&self, own_id: EventId, founding: Option<EventId>) -> Option<EventId> {
        match self {
            Event::ScheduleSet { .. }
            | Event::CharterSet { .. }
            | Event::ProgressScaleAdopted(_) => founding,
            Event::MeasureRevised { measure, .. } => Some(*measure),
            Event::CycleActed { cycle, .. } => Some(*cycle),
            Event::Correction { corrects, .. } => Some(*corrects),
            Event::Resolution { subject, .. } => Some(*subject),
            Event::QuarantineReleased { quarantine, .. }
            | Event::QuarantineWithdrawn { quarantine, .. } => Some(*quarantine),
            _ => Some(own_id),
        }
    }

    /// The record a new record belongs to: a measurement to its measure, a Do, Study or
    /// observation to its cycle, a coordinator's score to the report it scores.
    pub fn parent(&self) -> Option<EventId> {
        match self {
            Event::MeasurementRecorded(m) => Some(m.measure),
            Event::CycleDone { cycle, .. }
            | Event::CycleDoneSealed { cycle, .. }
            | Event::CycleStudied { cycle, .. } => Some(*cycle),
            Event::ObservationRecorded(o) => o.cycle,
            Event::ObservationSealed(o) => o.cycle,
            Event::CoordinatorScoreGiven { report, .. } | Event::ScoreSuggested { report, .. } => {
                Some(*report)
            }
            Event::ExpectationStated { cycle, .. } => Some(*cycle),
            Event::BaselineSet { measure, .. } => Some(*measure),
            _ => None,
        }
    }
}

/// What a membership covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// A whole collaborative: its own stream and every team's project in it.
    Collaborative(StreamId),
    /// One team (known by the id of its `TeamAdded` event) and its projects.
    Team(EventId),
}

/// The personal part of an observation: what is sealed.
#[derive(Serialize, Deserialize)]
struct ObservationContent {
    subject: Option<String>,
    text: String,
}

/// An observation or case material whose text and subject reference are sealed. What
/// it is, the cycle it belongs to and the day it was observed stay in the clear: they
/// place the record in the history and say nothing about a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SealedObservation {
    pub kind: ObservationKind,
    pub cycle: Option<EventId>,
    pub observed_on: Date,
    pub content: Sealed,
}

impl Event {
    /// The key of the sealed content this event carries (a new record's, or a
    /// correction's), if it carries any.
    pub fn sealed_key(&self) -> Option<DataKeyId> {
        match self {
            Event::CycleDoneSealed { done, .. }
            | Event::Correction {
                replacement: Some(Replacement::SealedDo(done)),
                ..
            } => Some(done.content.key),
            _ => self.sealed().map(|o| o.key()),
        }
    }

    /// The sealed observation this event carries: a new one, or a correction's.
    pub fn sealed(&self) -> Option<&SealedObservation> {
        match self {
            Event::ObservationSealed(o)
            | Event::Correction {
                replacement: Some(Replacement::SealedObservation(o)),
                ..
            } => Some(o),
            _ => None,
        }
    }
}

impl SealedObservation {
    pub fn seal(
        observation: &Observation,
        key_id: DataKeyId,
        key: &DataKey,
    ) -> Result<SealedObservation, SealError> {
        Ok(SealedObservation {
            kind: observation.kind,
            cycle: observation.cycle,
            observed_on: observation.observed_on,
            content: Sealed::seal(
                key_id,
                key,
                &ObservationContent {
                    subject: observation.subject.clone(),
                    text: observation.text.clone(),
                },
            )?,
        })
    }

    pub fn key(&self) -> DataKeyId {
        self.content.key
    }

    /// The observation as recorded, opened with its key.
    pub fn open(&self, key: &DataKey) -> Result<Observation, SealError> {
        let content: ObservationContent = self.content.open(key)?;
        Ok(Observation {
            kind: self.kind,
            cycle: self.cycle,
            subject: content.subject,
            observed_on: self.observed_on,
            text: content.text,
        })
    }

    /// The observation as every reader shows it once its key is destroyed (or when the
    /// key is not held here): `in_place` stands where its text was; no subject.
    pub fn without_content(&self, in_place: String) -> Observation {
        Observation {
            kind: self.kind,
            cycle: self.cycle,
            subject: None,
            observed_on: self.observed_on,
            text: in_place,
        }
    }
}

/// The free text of a Do: what is sealed.
#[derive(Serialize, Deserialize)]
struct DoContent {
    observations: String,
    problems: String,
    surprises: String,
    data_gathered: String,
}

/// A cycle's Do whose free text is sealed. When it was carried out and by whom (a
/// member of the team) stay in the clear: they place it in the cycle's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SealedDo {
    pub carried_out_on: Date,
    pub carried_out_by: String,
    pub content: Sealed,
}

impl SealedDo {
    pub fn seal(done: &Do, key_id: DataKeyId, key: &DataKey) -> Result<SealedDo, SealError> {
        Ok(SealedDo {
            carried_out_on: done.carried_out_on,
            carried_out_by: done.carried_out_by.clone(),
            content: Sealed::seal(
                key_id,
                key,
                &DoContent {
                    observations: done.observations.clone(),
                    problems: done.problems.clone(),
                    surprises: done.surprises.clone(),
                    data_gathered: done.data_gathered.clone(),
                },
            )?,
        })
    }

    /// The Do as recorded, opened with its key.
    pub fn open(&self, key: &DataKey) -> Result<Do, SealError> {
        let content: DoContent = self.content.open(key)?;
        Ok(Do {
            carried_out_on: self.carried_out_on,
            carried_out_by: self.carried_out_by.clone(),
            observations: content.observations,
            problems: content.problems,
            surprises: content.surprises,
            data_gathered: content.data_gathered,
        })
    }

    /// The Do as readers show it once its key is destroyed: `in_place` stands where
    /// what was observed was; the rest is empty.
    pub fn without_content(&self, in_place: String) -> Do {
        Do {
            carried_out_on: self.carried_out_on,
            carried_out_by: self.carried_out_by.clone(),
            observations: in_place,
            problems: String::new(),
            surprises: String::new(),
            data_gathered: String::new(),
        }
    }
}
