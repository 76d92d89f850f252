//! The demo collaborative `praxis-server serve --demo` seeds on first start.
//!
//! Everything is seeded through the real paths: an administrator's work (the
//! collaborative, its teams, people, memberships and devices) through [`Storage`], and
//! every record of the work by the person who would make it, on their own enrolled
//! device: a client store per device records offline, then syncs with the server
//! through the same sync session a phone runs over HTTP, carried to [`Storage::sync`]
//! in process.
//! The server's gate and the domain's rules check all of it.
//!
//! The demo is "living": its schedule, measurements, cycles and reports are dated
//! around the day it is seeded, so that day falls in Action Period 2, the measures run
//! to last week, and one measure shows a clear shift after a change was adopted. Two
//! practitioners of the Northside team decided the Act of the same cycle differently
//! while offline, so the demo has exactly one open conflict to resolve.
//!
//! Every demo person signs in with [`DEMO_PASSWORD`]; [`DEMO_PEOPLE`] lists them.

mod collaborative;
mod northside;
mod oversight;
mod phone;
mod records;
mod riverside;

use crate::auth::hash_password;
use crate::error::ServerError;
use crate::storage::{SqliteStorage, Storage};
use phone::Phone;
use praxis_core::domain::event::{CollaborativeFounded, ObservationKind, RetentionPeriod, Scope};
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use std::collections::HashMap;
use std::path::PathBuf;
use time::{Date, Duration};

/// The password of every demo person.
pub const DEMO_PASSWORD: &str = "praxis-demo";

/// The demo collaborative's name.
pub const DEMO_COLLABORATIVE: &str = "Independence at home";

/// The demo teams: (team, organisation).
pub const DEMO_TEAMS: &[(&str, &str)] = &[
    (
        "Northside adult social care team",
        "Northshire County Council",
    ),
    ("Riverside home support team", "Riverside Care Trust"),
];

/// The demo people: (username, name, role as `Role::name` spells it). Memberships:
/// the coordinator, the auditor, the administrator and the data protection officer
/// cover the whole collaborative;
/// Amira Hassan, Ben Carter (practitioners) and Grace Mensah (senior manager) the
/// Northside team; Dev Patel (practitioner), Chloe Evans (advisor) and Henry Walsh
/// (senior manager) the Riverside team.
pub const DEMO_PEOPLE: &[(&str, &str, &str)] = &[
    ("sam.okafor", "Sam Okafor", "coordinator"),
    ("amira.hassan", "Amira Hassan", "practitioner"),
    ("ben.carter", "Ben Carter", "practitioner"),
    ("dev.patel", "Dev Patel", "practitioner"),
    ("chloe.evans", "Chloe Evans", "advisor"),
    ("grace.mensah", "Grace Mensah", "senior-manager"),
    ("henry.walsh", "Henry Walsh", "senior-manager"),
    ("irene.novak", "Irene Novak", "auditor"),
    ("jordan.lee", "Jordan Lee", "administrator"),
    ("kate.obi", "Kate Obi", "data-protection-officer"),
];

/// Which team each team member belongs to (an index into [`DEMO_TEAMS`]); everyone
/// else covers the whole collaborative.
const TEAM_OF: &[(&str, usize)] = &[
    ("amira.hassan", 0),
    ("ben.carter", 0),
    ("grace.mensah", 0),
    ("dev.patel", 1),
    ("chloe.evans", 1),
    ("henry.walsh", 1),
];

/// How long the demo devices' tokens stay valid. The tokens are never shown: people
/// sign in with the demo password to enrol devices of their own.
const DEVICE_DAYS: i64 = 30;

/// How many weeks of measurements each measure has, ending last week.
const WEEKS: usize = 16;

type Result<T> = std::result::Result<T, ServerError>;

fn internal(context: impl std::fmt::Display, e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("seeding the demo, {context}: {e}"))
}

/// The story clock a server to be seeded opens its storage with: at the start of
/// the demo's story, 150 days before today (`SqliteStorage::open_with_clock`), so
/// the organisation a new data directory founds is founded then.
pub fn story_clock() -> WallClock {
    let today = time::OffsetDateTime::now_utc().date();
    WallClock::story(u64::try_from(story_millis(today, STORY_STARTS, 8 * 60)).unwrap_or(0))
}

/// The day the story starts, from today.
const STORY_STARTS: i64 = -150;

/// Milliseconds since the epoch of `minutes` past midnight (UTC) on the day `day`
/// days from `today`.
fn story_millis(today: Date, day: i64, minutes: i64) -> i64 {
    let midnight = today.midnight().assume_utc().unix_timestamp() * 1000;
    midnight + day * 86_400_000 + minutes * 60_000
}

/// Seeds the demo collaborative, unless the server already has a collaborative (then
/// nothing changes, so restarting with `--demo` is harmless). Its months of work are
/// recorded, and reach the office, at the times the story gives them, by `story`, the
/// clock the storage was opened with; the story ends (every store follows the system
/// clock again) when the seed does, whatever happens.
pub fn seed(storage: &mut SqliteStorage, story: &WallClock) -> Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    let seeded = seed_as_of(storage, today, story);
    story.end_story();
    seeded
}

/// Seeds the demo as if today were `today`; see [`seed`].
pub fn seed_as_of(storage: &mut SqliteStorage, today: Date, story: &WallClock) -> Result<()> {
    if !storage.collaboratives()?.is_empty() {
        tracing::info!("the server already has a collaborative: the demo is not seeded");
        return Ok(());
    }
    // The story's days are counted from its last day, and its measures' weeks run
    // Monday to Sunday: told as of any other weekday, its records would fall nearer to
    // or further from the weeks' ends (a cycle adopted in one week would fall a week
    // early among the points). So it is told as of the last Sunday, whatever the day,
    // and its weeks are the same all week; the week that ended then is the one still
    // to be recorded.
    let today = today - time::Duration::days(today.weekday().number_days_from_sunday().into());
    // Nothing of the story may be stamped later than the moment it is seeded.
    let end = praxis_core::domain::hlc::wall_millis_now() as i64 - 10 * 60_000;
    story.set(u64::try_from(story_millis(today, STORY_STARTS, 9 * 60).min(end)).unwrap_or(0));
    let dir = std::env::temp_dir().join(format!(
        "praxis-demo-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| internal(format!("creating {}", dir.display()), e))?;
    let result = Seeder {
        storage,
        dir: dir.clone(),
        today,
        story: story.clone(),
        end,
    }
    .run();
    // The devices' stores are closed by now; they were only the way in.
    let removed = std::fs::remove_dir_all(&dir);
    result?;
    removed.map_err(|e| internal(format!("removing {}", dir.display()), e))?;
    tracing::info!(
        "seeded the demo collaborative '{DEMO_COLLABORATIVE}': sign in as {} with the password '{DEMO_PASSWORD}'",
        DEMO_PEOPLE
            .iter()
            .map(|(username, _, role)| format!("{username} ({role})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

struct Seeder<'a> {
    storage: &'a mut SqliteStorage,
    dir: PathBuf,
    today: Date,
    /// The story's clock, which every demo device and the server read.
    story: WallClock,
    /// The story's last moment (milliseconds): just before it was seeded.
    end: i64,
}

/// What the seeding made that later steps refer to.
struct Made {
    collaborative: StreamId,
    package: Vec<EventId>,
}

/// Who the demo people are on the server: username to (person, name).
type People = HashMap<&'static str, (PersonId, &'static str)>;

/// A team's project as the seeding made it: its stream, its name and its monthly
/// reports.
type TeamProject = (StreamId, String, Vec<EventId>);

impl Seeder<'_> {
    /// Moves the story on to `minutes` past midnight on the day `day` days from today
    /// (never past its end), after the devices whose habit has them sync by then have
    /// synced, each at its own moment, in turn.
    fn at(&mut self, day: i64, minutes: i64, phones: &mut [&mut Phone]) -> Result<()> {
        let moment = story_millis(self.today, day, minutes).min(self.end);
        loop {
            let next = phones
                .iter_mut()
                .filter_map(|p| p.syncs_at().map(|at| (at, p)))
                .filter(|(at, _)| *at <= moment)
                .min_by_key(|(at, _)| *at);
            let Some((at, phone)) = next else { break };
            self.story
                .set(u64::try_from(at.min(self.end).max(self.now())).unwrap_or(0));
            phone.sync_waiting(self.storage)?;
        }
        self.story
            .set(u64::try_from(moment.max(self.now())).unwrap_or(0));
        Ok(())
    }

    /// Brings in whatever the devices still hold back, at the story's end at the
    /// latest: a team's months end with everything at the office.
    fn flush(&mut self, phones: &mut [&mut Phone]) -> Result<()> {
        self.at(0, 0, phones)?;
        let mut waiting: Vec<&mut &mut Phone> = phones
            .iter_mut()
            .filter(|p| p.syncs_at().is_some())
            .collect();
        waiting.sort_by_key(|p| p.syncs_at());
        for phone in waiting {
            let at = phone.syncs_at().unwrap_or(self.end).min(self.end);
            self.story
                .set(u64::try_from(at.max(self.now())).unwrap_or(0));
            phone.sync_waiting(self.storage)?;
        }
        Ok(())
    }

    /// Sets the story back to `minutes` past midnight on the day `day` days from today,
    /// to tell another team's months from their start (each team's stream takes its
    /// own months in order).
    fn rewind(&mut self, day: i64, minutes: i64) {
        let moment = story_millis(self.today, day, minutes).min(self.end);
        self.story.set(u64::try_from(moment).unwrap_or(0));
    }

    /// The story's time now.
    fn now(&self) -> i64 {
        i64::try_from(self.story.now()).unwrap_or(i64::MAX)
    }

    /// The day of `date`, from today.
    fn offset(&self, date: Date) -> i64 {
        (date - self.today).whole_days()
    }

    fn day(&self, offset: i64) -> Result<Date> {
        self.today
            .checked_add(Duration::days(offset))
            .ok_or_else(|| internal("dating a record", format!("{offset} days from today")))
    }

    /// The first day of the month `back` months before this one.
    fn month(&self, back: u32) -> Result<Date> {
        let mut first = self
            .today
            .replace_day(1)
            .map_err(|e| internal("a month", e))?;
        for _ in 0..back {
            first = first
                .previous_day()
                .ok_or_else(|| internal("a month", "before the calendar"))?
                .replace_day(1)
                .map_err(|e| internal("a month", e))?;
        }
        Ok(first)
    }

    /// The Mondays of the last `WEEKS` full weeks, oldest first.
    fn weeks(&self) -> Result<Vec<Date>> {
        let this_monday = -(self.today.weekday().number_days_from_monday() as i64);
        (0..WEEKS as i64)
            .map(|k| self.day(this_monday - 7 * (WEEKS as i64 - k)))
            .collect()
    }

    fn run(mut self) -> Result<()> {
        let (collaborative, people) = self.administer()?;
        let phone = |seeder: &mut Self, username: &'static str, device_name: &str| {
            let &(person, name) = people
                .get(username)
                .ok_or_else(|| internal("enrolling a device", format!("no person {username}")))?;
            seeder.phone(person, username, name, device_name)
        };
        let mut sam = phone(&mut self, "sam.okafor", "Sam's laptop")?;
        let mut amira = phone(&mut self, "amira.hassan", "Amira's phone")?;
        let mut ben = phone(&mut self, "ben.carter", "Ben's phone")?;
        let mut dev = phone(&mut self, "dev.patel", "Dev's phone")?;
        let mut chloe = phone(&mut self, "chloe.evans", "Chloe's tablet")?;
        let mut grace = phone(&mut self, "grace.mensah", "Grace's laptop")?;
        let mut henry = phone(&mut self, "henry.walsh", "Henry's laptop")?;
        // Ben and Chloe work where there is seldom a signal: their devices sync on
        // Fridays, so some of what they record reaches the office after later records.
        ben.set_habit(phone::Habit::Fridays);
        chloe.set_habit(phone::Habit::Fridays);

        // ---- the coordinator sets up the collaborative, in the prework ----
        self.at(STORY_STARTS + 1, 10 * 60, &mut [])?;
        let made = self.collaborative(&mut sam, collaborative)?;
        // The data protection officer sets the councils' retention schedule.
        let &(kate, _) = people
            .get("kate.obi")
            .ok_or_else(|| internal("the retention schedule", "no person kate.obi"))?;
        let eight_years = [ObservationKind::Observation, ObservationKind::CaseMaterial]
            .map(|kind| RetentionPeriod { kind, years: 8 });
        self.storage.set_retention(
            kate,
            collaborative,
            eight_years.to_vec(),
            "Both councils keep adult social care records 8 years after the work ends",
        )?;

        // ---- Northside: Amira and Ben, with one conflict ----
        let north = self.northside(&mut amira, &mut ben, &made)?;
        // ---- Riverside: Dev and Chloe ----
        let river = self.riverside(&mut dev, &mut chloe, &made)?;

        // The coordinator scores the reports and the managers decide, once every
        // report is in.
        self.at(0, 30, &mut [])?;
        self.coordinator_scores(&mut sam, collaborative, &north, &river)?;
        self.at(0, 60, &mut [])?;
        self.managers_decide(&mut grace, &mut henry, collaborative, &north, &river)?;

        // Everyone who recorded catches up, as they would at their next sync, at the
        // story's end.
        self.rewind(0, 0);
        for p in [&mut amira, &mut ben] {
            p.sync(self.storage, north.0)?;
        }
        for p in [&mut dev, &mut chloe] {
            p.sync(self.storage, river.0)?;
        }
        Ok(())
    }

    /// The administrator's work, on the server: the collaborative, its teams, and the
    /// people with their memberships.
    fn administer(&mut self) -> Result<(StreamId, People)> {
        let collaborative = self.storage.add_collaborative(CollaborativeFounded {
            name: DEMO_COLLABORATIVE.into(),
            topic: "Promoting independence for older people living at home where health-and-safety worries get in the way".into(),
            chosen_with: "Chosen at two workshops with the Northshire service users' forum and Riverside's carers' group, who ranked it first of six topics; two forum members sit on the expert panel".into(),
        })?;
        let mut teams = Vec::new();
        for (name, organisation) in DEMO_TEAMS {
            teams.push(self.storage.add_team(collaborative, name, organisation)?);
        }
        let password = hash_password(DEMO_PASSWORD)?;
        let mut people = People::new();
        for &(username, name, role) in DEMO_PEOPLE {
            let person = self.storage.add_person(username, name, &password)?;
            let role = Role::from_name(role)
                .ok_or_else(|| internal(format!("granting {username}"), "an unknown role"))?;
            let scope = match TEAM_OF.iter().find(|(u, _)| *u == username) {
                Some(&(_, team)) => Scope::Team(teams[team]),
                None => Scope::Collaborative(collaborative),
            };
            self.storage.grant(person, role, scope)?;
            people.insert(username, (person, name));
        }
        Ok((collaborative, people))
    }
}
