//! What a practitioner can type. Each command records one kind of record or shows one
//! view; `--json` gives the same for scripts. Long because every command and its flags
//! stand in one place, in the order `praxis --help` lists them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "praxis",
    version,
    about = "Record and review tests of change (PDSA cycles), measures and reports for a practice-development collaborative. Works offline.",
    after_help = "Start with `praxis init`. Ids can be given in full or by their last 4 to 8 characters, as the lists show them."
)]
pub struct Cli {
    /// The store to use.
    #[arg(long, global = true, env = "PRAXIS_STORE", value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// Which project, by id or a word of its title (needed only when there are several).
    #[arg(long, global = true, env = "PRAXIS_PROJECT")]
    pub project: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a store for yourself on this device, and found a collaborative in it.
    Init(Init),
    /// Enrol this device with a Praxis server, so it can sync (once per device).
    Enrol(EnrolArgs),
    /// The store itself: encrypt one made before Praxis encrypted its stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Who you are here, and the collaboratives and projects this device holds.
    Status,
    /// Send what was recorded here to the server and bring back what others recorded.
    Sync,
    /// The collaborative: see it, set its calendar, adopt a progress scale, add to its change package.
    #[command(subcommand)]
    Collaborative(CollaborativeCommand),
    /// Start a team's improvement project, or list the projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Agree or revise the project charter and its aim statement.
    Charter(CharterArgs),
    /// Define, revise, record and look at measures.
    #[command(subcommand)]
    Measure(MeasureCommand),
    /// Propose a change idea, linked to the evidence behind it.
    Idea(IdeaArgs),
    /// Plan, Do, Study and Act: tests of change.
    #[command(subcommand)]
    Cycle(CycleCommand),
    /// Note an observation or a piece of case material.
    Observe(ObserveArgs),
    /// Add an entry to the SCIE action plan.
    ActionPlan(ActionPlanArgs),
    /// Add an entry to the SCIE learning log.
    LearningLog(LearningLogArgs),
    /// Submit a monthly report, or score one as coordinator.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Record a senior manager's decision, its rationale and the records it rests on.
    Decide(DecideArgs),
    /// Correct or withdraw something recorded earlier (the original stays in its history).
    Correct(CorrectArgs),
    /// Settle a conflict: keep one of the versions recorded without seeing each other.
    Resolve(ResolveArgs),
    /// The project at a glance: aim, measures, cycles by stage, ramps, conflicts.
    Overview,
    /// The open conflicts.
    Conflicts,
    /// Records the server held back at sync (a role that ended while this device was
    /// offline, a rule the server applies): why, and how to settle each.
    Held {
        /// Also those already released or withdrawn.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        action: Option<HeldCommand>,
    },
    /// The newest observations.
    Feed {
        /// How many to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A record's history, with its corrections.
    History {
        /// The record (or any event that touched it).
        id: String,
    },
    /// Record many events at once from a file of JSON lines (one event per line).
    Import { file: PathBuf },
    /// Drop the views and fold them again from the events.
    Rebuild,
    /// For auditors: replay the history of decisions, and verify audit bundles.
    #[command(subcommand)]
    Audit(crate::audit::AuditCommand),
}

#[derive(Args, Debug)]
pub struct Init {
    /// Your name.
    #[arg(long)]
    pub name: String,
    /// The collaborative's name (with --topic and --chosen-with).
    #[arg(long, requires_all = ["topic", "chosen_with"])]
    pub collaborative: Option<String>,
    /// Its topic.
    #[arg(long, requires = "collaborative")]
    pub topic: Option<String>,
    /// How people who use services were involved in choosing the topic.
    #[arg(long, requires = "collaborative")]
    pub chosen_with: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Encrypt, in place and keeping every record, a store made before Praxis encrypted
    /// its stores. The key is PRAXIS_KEY, or the key file (<store>.key, or PRAXIS_KEY_FILE),
    /// made with a new random key when there is none, as `praxis init` does.
    Encrypt,
}

#[derive(Args, Debug)]
pub struct EnrolArgs {
    /// The server's address, for example https://praxis.example.org.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// Your username on the server (with your password), or give --code instead.
    #[arg(long, required_unless_present = "code")]
    pub username: Option<String>,
    /// Your password; better in PRAXIS_PASSWORD, which keeps it out of the shell history.
    #[arg(long, env = "PRAXIS_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// A one-time enrolment code instead of a username and password: make one in Praxis
    /// in your browser, under Enrol a device (/devices/enrol). It works once, for 10
    /// minutes. A password in PRAXIS_PASSWORD is then not used.
    #[arg(long, value_name = "CODE", conflicts_with = "username")]
    pub code: Option<String>,
    /// What the office's list of devices will call this one; this computer's name if not given.
    #[arg(long)]
    pub device_name: Option<String>,
    /// Carry over what this store recorded before it was first enrolled: re-recorded
    /// under you, each record keeping its id and time, with a note in its history.
    #[arg(long)]
    pub carry_over: bool,
    /// With --carry-over, when you are in several teams on the server: the team whose
    /// project the work moves to, if it was in a collaborative founded on this device.
    #[arg(long, requires = "carry_over")]
    pub team: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CollaborativeCommand {
    /// Found a collaborative in this store, with its topic and how people who use
    /// services chose it.
    Found {
        #[arg(long)]
        name: String,
        #[arg(long)]
        topic: String,
        /// How people who use services were involved in choosing the topic.
        #[arg(long)]
        chosen_with: String,
    },
    /// The collaborative: topic, calendar, progress scale, change package, projects.
    Show,
    /// Set (or revise) the calendar: give each phase as KIND:START:END, in order.
    /// KIND is prework, ls1..ls9 (learning session), ap1..ap9 (action period) or closing.
    Schedule {
        #[arg(long = "phase", required = true, value_name = "KIND:START:END")]
        phases: Vec<String>,
    },
    /// Adopt a new version of the progress scale: give each level as SCORE=MEANING.
    Scale {
        #[arg(long)]
        version: u32,
        #[arg(long)]
        name: String,
        #[arg(long = "level", required = true, value_name = "SCORE=MEANING")]
        levels: Vec<String>,
    },
    /// Add an item to the change package, with its evidence.
    PackageItem {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// A research source (knowledge review, practice guide, study).
        #[arg(long)]
        research: Vec<String>,
        /// A source of practice-based knowledge.
        #[arg(long)]
        practice: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProjectCommand {
    /// Start a team's improvement project in the collaborative.
    Start {
        #[arg(long)]
        team: String,
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        title: String,
    },
    /// The projects on this device.
    List,
}

#[derive(Args, Debug)]
pub struct CharterArgs {
    /// What the team will accomplish.
    #[arg(long)]
    pub what: String,
    #[arg(long)]
    pub for_whom: String,
    #[arg(long = "where")]
    pub where_: String,
    /// How much: a number ("some is not a number").
    #[arg(long)]
    pub how_much: String,
    /// By when: a date ("soon is not a time"), YYYY-MM-DD.
    #[arg(long)]
    pub by_when: String,
    #[arg(long)]
    pub senior_leader: String,
    #[arg(long)]
    pub day_to_day_lead: String,
    #[arg(long = "member")]
    pub members: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum KindArg {
    Outcome,
    Process,
    Balancing,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DirectionArg {
    /// Higher is better.
    Up,
    /// Lower is better.
    Down,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FrequencyArg {
    Daily,
    Weekly,
    Fortnightly,
    Monthly,
    Quarterly,
}

#[derive(Args, Debug)]
pub struct MeasureDefinitionArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The operational definition: exactly what is counted, and how.
    #[arg(long)]
    pub definition: String,
    /// The unit of a counted or timed measure ("days", "visits").
    #[arg(long, conflicts_with_all = ["numerator", "denominator"])]
    pub unit: Option<String>,
    /// For a proportion: what the numerator counts.
    #[arg(long, requires = "denominator")]
    pub numerator: Option<String>,
    /// For a proportion: what the denominator counts.
    #[arg(long, requires = "numerator")]
    pub denominator: Option<String>,
    /// Which way is better.
    #[arg(long, value_enum)]
    pub direction: DirectionArg,
    #[arg(long)]
    pub target: Option<f64>,
    #[arg(long, value_enum, default_value = "weekly")]
    pub frequency: FrequencyArg,
}

#[derive(Subcommand, Debug)]
pub enum MeasureCommand {
    /// Define a new measure.
    Define(MeasureDefinitionArgs),
    /// Set how many first points the run chart's median rests on (12 unless set).
    Baseline {
        measure: String,
        /// From 6 to 104.
        #[arg(long)]
        points: u16,
    },
    /// Revise a measure's definition.
    Revise {
        measure: String,
        #[command(flatten)]
        definition: MeasureDefinitionArgs,
    },
    /// Record a measurement for a period.
    Record {
        measure: String,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last day of the period (YYYY-MM-DD); the first day if not given.
        #[arg(long)]
        to: Option<String>,
        /// The value, for a counted or timed measure.
        #[arg(long, conflicts_with_all = ["numerator", "denominator"])]
        value: Option<f64>,
        #[arg(long, requires = "denominator")]
        numerator: Option<f64>,
        #[arg(long, requires = "numerator")]
        denominator: Option<f64>,
        #[arg(long, default_value = "")]
        note: String,
        /// Record it despite a warning (a value already there for the period, a
        /// period that has not begun), saying why; the reason is kept in the note.
        #[arg(long, value_name = "REASON")]
        anyway: Option<String>,
    },
    /// A measure's series of values.
    Show { measure: String },
}

#[derive(Args, Debug)]
pub struct IdeaArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub description: String,
    /// An item of the collaborative's change package this idea draws on.
    #[arg(long = "package-item")]
    pub package_items: Vec<String>,
    #[arg(long)]
    pub research: Vec<String>,
    #[arg(long)]
    pub practice: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ScaleArg {
    VerySmall,
    FollowUp,
    Wider,
    Implementation,
    Spread,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DecisionArg {
    Adopt,
    Adapt,
    Abandon,
}

/// How a measure should move during a cycle's period.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ChangeArg {
    Rise,
    Fall,
    NoChange,
    /// At least --value.
    AtLeast,
    /// At most --value.
    AtMost,
}

#[derive(Subcommand, Debug)]
pub enum CycleCommand {
    /// Plan a test of change.
    Plan {
        #[arg(long)]
        objective: String,
        /// A question the test answers (repeat with --prediction and --reason).
        #[arg(long = "question", required = true)]
        questions: Vec<String>,
        /// What you predict will happen.
        #[arg(long = "prediction", required = true)]
        predictions: Vec<String>,
        /// Why you predict it.
        #[arg(long = "reason", required = true)]
        reasons: Vec<String>,
        #[arg(long)]
        who: String,
        #[arg(long)]
        what: String,
        #[arg(long = "where")]
        where_: String,
        /// When (YYYY-MM-DD).
        #[arg(long)]
        when: String,
        /// What data will be collected.
        #[arg(long)]
        data: String,
        /// The change idea it tests.
        #[arg(long)]
        idea: Option<String>,
        /// The cycle it follows on its ramp.
        #[arg(long)]
        follows: Option<String>,
        #[arg(long, value_enum, default_value = "very-small")]
        scale: ScaleArg,
    },
    /// Do: record that the test was carried out.
    Do {
        cycle: String,
        /// When it was carried out (YYYY-MM-DD).
        #[arg(long)]
        on: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        observations: String,
        #[arg(long, default_value = "")]
        problems: String,
        #[arg(long, default_value = "")]
        surprises: String,
        #[arg(long, default_value = "")]
        data: String,
    },
    /// Study: compare the data with the predictions.
    Study {
        cycle: String,
        #[arg(long, default_value = "")]
        analysis: String,
        #[arg(long)]
        compared: String,
        #[arg(long)]
        learning: String,
    },
    /// Act: adopt, adapt or abandon the change, with reasons.
    Act {
        cycle: String,
        #[arg(long, value_enum)]
        decision: DecisionArg,
        #[arg(long)]
        reasons: String,
        #[arg(long, default_value = "")]
        changes: String,
        /// What the next cycle will test.
        #[arg(long, default_value = "")]
        next: String,
    },
    /// Make a prediction checkable: the measure that should move, which way, and by
    /// when. `praxis cycle show` then checks it against the data.
    Expect {
        cycle: String,
        /// The measure (its id or a word of its name).
        #[arg(long)]
        measure: String,
        #[arg(long, value_enum)]
        change: ChangeArg,
        /// The value for at-least or at-most.
        #[arg(long)]
        value: Option<f64>,
        /// The last day of the cycle's period (YYYY-MM-DD).
        #[arg(long)]
        by: String,
        /// Which of the Plan's predictions it makes checkable (1 for the first).
        #[arg(long)]
        prediction: Option<u16>,
    },
    /// One cycle with its whole Plan, Do, Study and Act, and its checkable predictions
    /// against the data.
    Show { cycle: String },
}

#[derive(Args, Debug)]
pub struct ObserveArgs {
    pub text: String,
    /// The cycle it belongs to.
    #[arg(long)]
    pub cycle: Option<String>,
    /// The person concerned, by pseudonymous reference (e.g. P-0413), never by name.
    #[arg(long)]
    pub subject: Option<String>,
    /// This is case material rather than a free observation.
    #[arg(long)]
    pub case_material: bool,
    /// When it was observed (YYYY-MM-DD); today if not given.
    #[arg(long)]
    pub on: Option<String>,
}

#[derive(Args, Debug)]
pub struct ActionPlanArgs {
    /// Where are we now?
    #[arg(long)]
    pub now: String,
    /// What do we want to achieve?
    #[arg(long)]
    pub achieve: String,
    /// How will we get there?
    #[arg(long)]
    pub how: String,
    /// Who needs to take what action?
    #[arg(long)]
    pub who: String,
    /// Timescales.
    #[arg(long)]
    pub timescales: String,
}

#[derive(Args, Debug)]
pub struct LearningLogArgs {
    #[arg(long)]
    pub learning: String,
    #[arg(long)]
    pub action: String,
    #[arg(long)]
    pub responsibility: String,
    /// Implement by (YYYY-MM-DD).
    #[arg(long)]
    pub implement_by: String,
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Submit the team's monthly report with its self-assessed progress score.
    Submit {
        /// The month reported on (YYYY-MM).
        #[arg(long)]
        month: String,
        #[arg(long)]
        measures: String,
        #[arg(long)]
        cycles: String,
        #[arg(long)]
        learning: String,
        #[arg(long, default_value = "")]
        barriers: String,
        #[arg(long, default_value = "")]
        plans: String,
        /// The team's own progress score, on the collaborative's scale (e.g. 2.5).
        #[arg(long)]
        self_score: String,
    },
    /// The level of the progress scale the project's evidence supports for a month,
    /// with the rule and the evidence. A score is recorded with it.
    Suggest {
        /// The month (YYYY-MM).
        #[arg(long)]
        month: String,
    },
    /// Score a monthly report as coordinator, with a justification.
    Score {
        report: String,
        #[arg(long)]
        score: String,
        #[arg(long)]
        justification: String,
    },
}

#[derive(Args, Debug)]
pub struct DecideArgs {
    #[arg(long)]
    pub decision: String,
    #[arg(long)]
    pub rationale: String,
    /// A record the decision rests on (repeat for each).
    #[arg(long = "rests-on", required = true)]
    pub rests_on: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CorrectArgs {
    pub record: String,
    #[arg(long)]
    pub reason: String,
    /// Withdraw the record instead of replacing it.
    #[arg(long, conflicts_with_all = ["text", "value", "numerator", "replacement"])]
    pub withdraw: bool,
    /// The corrected text of an observation.
    #[arg(long)]
    pub text: Option<String>,
    /// The corrected value of a measurement.
    #[arg(long)]
    pub value: Option<f64>,
    #[arg(long, requires = "denominator")]
    pub numerator: Option<f64>,
    #[arg(long, requires = "numerator")]
    pub denominator: Option<f64>,
    /// The corrected record as JSON, for any other kind.
    #[arg(long)]
    pub replacement: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum HeldCommand {
    /// Withdraw a record of yours the server held back: it stays out of every view.
    Withdraw {
        /// The held-back record (the id `praxis held` shows).
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// As coordinator, release a held-back record: it counts from now on.
    Release {
        /// The held-back record (the id `praxis held` shows).
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// What is in conflict (the id `praxis conflicts` shows).
    pub subject: String,
    /// The version that stands.
    #[arg(long)]
    pub keep: String,
    #[arg(long)]
    pub reason: String,
}
