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

use crate::auth::{hash_password, new_token, token_hash};
use crate::error::ServerError;
use crate::storage::{Device, SqliteStorage, Storage};
use crate::transport::InProcess;
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::store::{Identity, Store};
use praxis_core::sync::{NoProgress, Retry, sync_stream};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
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
/// the coordinator, the auditor and the administrator cover the whole collaborative;
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

/// Seeds the demo collaborative, unless the server already has a collaborative (then
/// nothing changes, so restarting with `--demo` is harmless).
pub fn seed(storage: &mut SqliteStorage) -> Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    seed_as_of(storage, today)
}

/// Seeds the demo as if today were `today`; see [`seed`].
pub fn seed_as_of(storage: &mut SqliteStorage, today: Date) -> Result<()> {
    if !storage.collaboratives()?.is_empty() {
        tracing::info!("the server already has a collaborative: the demo is not seeded");
        return Ok(());
    }
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

/// A demo person's enrolled device with its own client store.
struct Phone {
    username: &'static str,
    device: Device,
    store: Store,
}

impl Phone {
    fn record(&mut self, stream: StreamId, event: Event) -> Result<EventId> {
        let kind = event.kind().name();
        self.store
            .record(stream, event)
            .map(|r| r.id)
            .map_err(|e| internal(format!("{} recording a {kind}", self.username), e))
    }

    fn record_all(&mut self, stream: StreamId, events: Vec<Event>) -> Result<Vec<EventId>> {
        self.store
            .record_all(stream, events)
            .map(|r| r.into_iter().map(|r| r.id).collect())
            .map_err(|e| internal(format!("{} recording", self.username), e))
    }

    /// Syncs one stream with the server until neither side has anything to tell,
    /// through the same session a phone runs over HTTP.
    fn sync(&mut self, storage: &mut SqliteStorage, stream: StreamId) -> Result<()> {
        let who = self.username;
        let mut transport = InProcess::for_device(storage, self.device.clone());
        let report = sync_stream(
            &mut self.store,
            &mut transport,
            stream,
            Retry::never(),
            &mut NoProgress,
            &AtomicBool::new(false),
        )
        .map_err(|e| internal(format!("{who}'s device syncing stream {stream}"), e))?;
        match report.error {
            None => Ok(()),
            Some(failure) => {
                let refused: String = failure
                    .refused
                    .iter()
                    .map(|r| format!(" [{}: {}]", r.kind.as_deref().unwrap_or("?"), r.reason))
                    .collect();
                Err(internal(
                    format!("the server syncing stream {stream} with {who}'s device"),
                    format!("{}{refused}", failure.message),
                ))
            }
        }
    }

    /// Adds a stream the server shares with this device, and syncs it.
    fn follow(
        &mut self,
        storage: &mut SqliteStorage,
        stream: StreamId,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
    ) -> Result<()> {
        self.store
            .add_stream(stream, kind, name, collaborative)
            .map_err(|e| internal(format!("{} adding stream {name}", self.username), e))?;
        self.sync(storage, stream)
    }
}

/// A PDSA cycle of the demo, as far as it got.
struct Pdsa {
    key: &'static str,
    /// An index into the team's change ideas.
    idea: Option<usize>,
    /// The key of the cycle this one follows.
    follows: Option<&'static str>,
    scale: TestScale,
    /// The day of the Plan, from today.
    day: i64,
    objective: &'static str,
    /// Question, prediction, and why.
    prediction: [&'static str; 3],
    /// Who, what, where.
    who_what_where: [&'static str; 3],
    data: &'static str,
    /// By whom, observations, problems, surprises, data gathered (the day after the Plan).
    done: Option<[&'static str; 5]>,
    /// Analysis, comparison with the predictions, learning.
    study: Option<[&'static str; 3]>,
    /// The decision, its reasons, what changes, the next step.
    act: Option<(Decision, [&'static str; 3])>,
}

/// A measure of the demo and its weekly series, oldest first.
struct Series {
    definition: MeasureDefinition,
    values: Vec<MeasurementValue>,
    /// Notes on some weeks: (week index, note).
    notes: &'static [(usize, &'static str)],
}

fn ratio(name: &str, kind: MeasureKind, definition: &str, parts: [&str; 2]) -> MeasureDefinition {
    MeasureDefinition {
        name: name.into(),
        kind,
        operational_definition: definition.into(),
        unit: MeasureUnit::Ratio {
            numerator: parts[0].into(),
            denominator: parts[1].into(),
        },
        direction: Direction::HigherIsBetter,
        target: None,
        frequency: Frequency::Weekly,
    }
}

fn unit(
    name: &str,
    kind: MeasureKind,
    definition: &str,
    unit: &str,
    direction: Direction,
) -> MeasureDefinition {
    MeasureDefinition {
        name: name.into(),
        kind,
        operational_definition: definition.into(),
        unit: MeasureUnit::Unit(unit.into()),
        direction,
        target: None,
        frequency: Frequency::Weekly,
    }
}

fn ratios(pairs: &[(f64, f64)]) -> Vec<MeasurementValue> {
    pairs
        .iter()
        .map(|&(numerator, denominator)| MeasurementValue::Ratio {
            numerator,
            denominator,
        })
        .collect()
}

fn values(values: &[f64]) -> Vec<MeasurementValue> {
    values.iter().map(|&v| MeasurementValue::Value(v)).collect()
}

struct Seeder<'a> {
    storage: &'a mut SqliteStorage,
    dir: PathBuf,
    today: Date,
}

/// What the seeding made that later steps refer to.
struct Made {
    collaborative: StreamId,
    package: Vec<EventId>,
}

impl Seeder<'_> {
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
        // ---- the administrator's work, on the server ----
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
        let mut people: HashMap<&'static str, (PersonId, &'static str)> = HashMap::new();
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

        // ---- the coordinator sets up the collaborative ----
        let made = self.collaborative(&mut sam, collaborative)?;

        // ---- Northside: Amira and Ben, with one conflict ----
        let north = self.northside(&mut amira, &mut ben, &made)?;
        // ---- Riverside: Dev and Chloe ----
        let river = self.riverside(&mut dev, &mut chloe, &made)?;

        // ---- the coordinator scores the reports ----
        for (stream, name, _) in [&north, &river] {
            sam.follow(
                self.storage,
                *stream,
                StreamKind::Project,
                name,
                Some(collaborative),
            )?;
        }
        let scores = [
            (
                north.2[0],
                25,
                "Agree with the team's 2.5: the guide was tested twice and changed after the first test, and every measure has a baseline graphed against its target, but no measure has moved yet.",
            ),
            (
                north.2[1],
                30,
                "The team scored 3.5. Plans agreed with the person show a clear shift (eight weeks above the median) since the one-page guide was adopted, which is real progress; but days to an agreed plan and the guide's use across the whole team have not moved yet, so this is modest improvement (3.0) rather than improvement across the measures.",
            ),
            (
                river.2[0],
                20,
                "Agree with 2.0: a good baseline from case material, and the first small test is planned, but nothing has been tested yet this month.",
            ),
            (
                river.2[1],
                25,
                "The team scored 3.0; I score 2.5. Two changes were tested and one adopted, and reviews in the person's own words are rising, but the run chart shows no signal yet and the family-invitation test was abandoned. Worth watching review length.",
            ),
        ];
        for (report, score, justification) in scores {
            let stream = if north.2.contains(&report) {
                north.0
            } else {
                river.0
            };
            sam.record(
                stream,
                Event::CoordinatorScoreGiven {
                    report,
                    score: Score(score),
                    justification: justification.into(),
                },
            )?;
        }
        sam.sync(self.storage, north.0)?;
        sam.sync(self.storage, river.0)?;

        // ---- the senior managers decide, resting on the reports ----
        for (manager, (stream, name, reports), decision, rationale) in [
            (
                &mut grace,
                &north,
                "Build the one-page risk conversation guide into the Northside assessment form, and fund large-print and easy-read versions",
                "The report for last month shows plans agreed with the person rising from about a quarter of assessments to three quarters since the guide was adopted, with visits only slightly longer. Making it part of the form holds the gain and lets it spread.",
            ),
            (
                &mut henry,
                &river,
                "Give Riverside support workers 15 minutes more per review for the next three months",
                "The report shows reviews in the person's own words rising after the 'what matters to you?' opening was adopted, and review length rising with them. Protecting the time keeps the change from being squeezed out while the team tests the next step.",
            ),
        ] {
            manager.follow(
                self.storage,
                collaborative,
                StreamKind::Collaborative,
                DEMO_COLLABORATIVE,
                None,
            )?;
            manager.follow(
                self.storage,
                *stream,
                StreamKind::Project,
                name,
                Some(collaborative),
            )?;
            manager.record(
                *stream,
                Event::ManagerDecisionRecorded {
                    decision: decision.into(),
                    rationale: rationale.into(),
                    rests_on: reports.clone(),
                },
            )?;
            manager.sync(self.storage, *stream)?;
        }

        // Everyone who recorded catches up, as they would at their next sync.
        for p in [&mut amira, &mut ben] {
            p.sync(self.storage, north.0)?;
        }
        for p in [&mut dev, &mut chloe] {
            p.sync(self.storage, river.0)?;
        }
        Ok(())
    }

    /// Enrols a device for the person and gives it a client store of its own.
    fn phone(
        &mut self,
        person: PersonId,
        username: &'static str,
        name: &str,
        device_name: &str,
    ) -> Result<Phone> {
        let hash = token_hash(&new_token()?);
        let id = self
            .storage
            .enrol_device(person, device_name, &hash, DEVICE_DAYS)?;
        let device = self
            .storage
            .device_by_token(&hash)?
            .ok_or_else(|| internal(format!("enrolling {username}'s device"), "it is not there"))?;
        let path = self.dir.join(format!("{username}.sqlite3"));
        let mut store = Store::create(&path, name)
            .map_err(|e| internal(format!("creating {username}'s store"), e))?;
        store
            .adopt_identity(Identity {
                person,
                name: name.to_string(),
                device: id,
            })
            .map_err(|e| internal(format!("enrolling {username}'s store"), e))?;
        Ok(Phone {
            username,
            device,
            store,
        })
    }

    /// The coordinator's schedule and change package.
    fn collaborative(&mut self, sam: &mut Phone, collaborative: StreamId) -> Result<Made> {
        sam.follow(
            self.storage,
            collaborative,
            StreamKind::Collaborative,
            DEMO_COLLABORATIVE,
            None,
        )?;
        let phases = [
            (PhaseKind::Prework, -150, -122),
            (PhaseKind::LearningSession(1), -121, -121),
            (PhaseKind::ActionPeriod(1), -120, -64),
            (PhaseKind::LearningSession(2), -63, -63),
            (PhaseKind::ActionPeriod(2), -62, 28),
            (PhaseKind::LearningSession(3), 29, 29),
            (PhaseKind::ActionPeriod(3), 30, 120),
            (PhaseKind::ClosingEvent, 150, 150),
        ];
        let schedule = phases
            .iter()
            .map(|&(kind, starts, ends)| {
                Ok(Phase {
                    kind,
                    starts: self.day(starts)?,
                    ends: self.day(ends)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let package = sam.record_all(
            collaborative,
            vec![
                Event::ScheduleSet {
                    replaces: vec![],
                    schedule,
                },
                Event::ChangePackageItemAdded(ChangePackageItem {
                    title: "Positive risk-taking conversations".into(),
                    description: "Start from what the person wants to keep doing, talk through the risks with them (and the people they choose), and agree a plan that enables rather than restricts.".into(),
                    evidence: vec![
                        EvidenceSource {
                            kind: EvidenceKind::Research,
                            citation: "Carr S (2010) Enabling risk, ensuring safety: self-directed support and personal budgets. SCIE Report 36. London: Social Care Institute for Excellence".into(),
                        },
                        EvidenceSource {
                            kind: EvidenceKind::Research,
                            citation: "Mitchell W, Baxter K, Glendinning C (2012) Updated review of research on risk and adult social care in England. York: Joseph Rowntree Foundation".into(),
                        },
                        EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Northshire practitioners' forum: what made risk conversations work on home visits (expert panel notes, prework)".into(),
                        },
                    ],
                }),
                Event::ChangePackageItemAdded(ChangePackageItem {
                    title: "Outcomes-focused assessment and review".into(),
                    description: "Ask what matters to the person and record the outcomes they want in their own words, then review against those outcomes rather than against services delivered.".into(),
                    evidence: vec![
                        EvidenceSource {
                            kind: EvidenceKind::Research,
                            citation: "Glendinning C, Clarke S, Hare P, Kotchetkova I, Maddison J, Newbronner L (2006) Outcomes-focused services for older people. SCIE Knowledge Review 13. Bristol: Policy Press".into(),
                        },
                        EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Riverside carers' group: what a good review felt like (workshop notes, prework)".into(),
                        },
                    ],
                }),
            ],
        )?;
        sam.sync(self.storage, collaborative)?;
        Ok(Made {
            collaborative,
            package: package[1..].to_vec(),
        })
    }

    /// Starts a team's project on the lead's device and records its charter, measures,
    /// their weekly series and its change ideas; returns the stream, its name, the
    /// measures and the ideas.
    fn project(
        &mut self,
        lead: &mut Phone,
        made: &Made,
        started: ProjectStarted,
        charter: Charter,
        series: &[Series],
        ideas: Vec<ChangeIdea>,
    ) -> Result<(StreamId, String, Vec<EventId>, Vec<EventId>)> {
        lead.follow(
            self.storage,
            made.collaborative,
            StreamKind::Collaborative,
            DEMO_COLLABORATIVE,
            None,
        )?;
        let name = format!("{} ({})", started.title, started.team);
        let stream = lead
            .store
            .start_project(started)
            .map_err(|e| internal(format!("{} starting a project", lead.username), e))?
            .stream;
        lead.record(
            stream,
            Event::CharterSet {
                replaces: vec![],
                charter,
            },
        )?;
        let measures = lead.record_all(
            stream,
            series
                .iter()
                .map(|s| Event::MeasureDefined(s.definition.clone()))
                .collect(),
        )?;
        let ideas = lead.record_all(
            stream,
            ideas.into_iter().map(Event::ChangeIdeaProposed).collect(),
        )?;
        Ok((stream, name, measures, ideas))
    }

    /// Records a measure's weekly series on the device.
    fn measurements(
        &self,
        phone: &mut Phone,
        stream: StreamId,
        measure: EventId,
        series: &Series,
    ) -> Result<()> {
        let weeks = self.weeks()?;
        let events = weeks
            .iter()
            .zip(&series.values)
            .enumerate()
            .map(|(i, (&start, value))| {
                Ok(Event::MeasurementRecorded(Measurement {
                    measure,
                    period_start: start,
                    period_end: start
                        .checked_add(Duration::days(6))
                        .ok_or_else(|| internal("a week", "past the calendar"))?,
                    value: value.clone(),
                    note: series
                        .notes
                        .iter()
                        .find(|(w, _)| *w == i)
                        .map(|(_, n)| n.to_string())
                        .unwrap_or_default(),
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        phone.record_all(stream, events)?;
        Ok(())
    }

    /// Records the cycles on the device, each as far as it got; `keys` names the
    /// cycles recorded so far, for `follows`.
    fn cycles(
        &self,
        phone: &mut Phone,
        stream: StreamId,
        ideas: &[EventId],
        cycles: &[Pdsa],
        keys: &mut HashMap<&'static str, EventId>,
    ) -> Result<()> {
        for c in cycles {
            let when = self.day(c.day)?;
            let follows = match c.follows {
                Some(key) => Some(*keys.get(key).ok_or_else(|| {
                    internal(
                        format!("planning cycle {}", c.key),
                        format!("no cycle {key}"),
                    )
                })?),
                None => None,
            };
            let idea = match c.idea {
                Some(i) => Some(*ideas.get(i).ok_or_else(|| {
                    internal(format!("planning cycle {}", c.key), format!("no idea {i}"))
                })?),
                None => None,
            };
            let cycle = phone.record(
                stream,
                Event::CyclePlanned(Plan {
                    change_idea: idea,
                    follows,
                    scale: c.scale,
                    objective: c.objective.into(),
                    predictions: vec![Prediction {
                        question: c.prediction[0].into(),
                        prediction: c.prediction[1].into(),
                        reason: c.prediction[2].into(),
                    }],
                    who: c.who_what_where[0].into(),
                    what: c.who_what_where[1].into(),
                    where_: c.who_what_where[2].into(),
                    when,
                    data_to_collect: c.data.into(),
                }),
            )?;
            keys.insert(c.key, cycle);
            let mut rest = Vec::new();
            if let Some([by, observations, problems, surprises, data]) = c.done {
                rest.push(Event::CycleDone {
                    cycle,
                    done: Do {
                        carried_out_on: self.day(c.day + 1)?,
                        carried_out_by: by.into(),
                        observations: observations.into(),
                        problems: problems.into(),
                        surprises: surprises.into(),
                        data_gathered: data.into(),
                    },
                });
            }
            if let Some([analysis, compared, learning]) = c.study {
                rest.push(Event::CycleStudied {
                    cycle,
                    study: Study {
                        analysis: analysis.into(),
                        compared_with_predictions: compared.into(),
                        learning: learning.into(),
                    },
                });
            }
            if let Some((decision, [reasons, changes, next_step])) = c.act {
                rest.push(Event::CycleActed {
                    cycle,
                    replaces: vec![],
                    act: Act {
                        decision,
                        reasons: reasons.into(),
                        changes: changes.into(),
                        next_step: next_step.into(),
                    },
                });
            }
            if !rest.is_empty() {
                phone.record_all(stream, rest)?;
            }
        }
        Ok(())
    }

    fn observation(
        &self,
        kind: ObservationKind,
        cycle: Option<EventId>,
        subject: Option<&str>,
        day: i64,
        text: &str,
    ) -> Result<Event> {
        Ok(Event::ObservationRecorded(Observation {
            kind,
            cycle,
            subject: subject.map(str::to_string),
            observed_on: self.day(day)?,
            text: text.into(),
        }))
    }

    fn report(&self, back: u32, text: [&str; 5], self_score: u16) -> Result<Event> {
        Ok(Event::MonthlyReportSubmitted(MonthlyReport {
            month: self.month(back)?,
            measures: text[0].into(),
            cycles: text[1].into(),
            learning: text[2].into(),
            barriers: text[3].into(),
            plans: text[4].into(),
            self_score: Score(self_score),
        }))
    }

    /// Northside: Amira starts the project; Ben joins; both decide the Act of the
    /// wider test of the guide while offline, differently. Returns the stream, its
    /// name and its two monthly reports.
    fn northside(
        &mut self,
        amira: &mut Phone,
        ben: &mut Phone,
        made: &Made,
    ) -> Result<(StreamId, String, Vec<EventId>)> {
        let series = [
            Series {
                definition: MeasureDefinition {
                    target: Some(75.0),
                    ..ratio(
                        "Plans agreed with the person",
                        MeasureKind::Outcome,
                        "Assessments of people referred with home-safety concerns that end with a positive risk plan agreed with the person (signed or recorded as agreed in their words)",
                        [
                            "assessments with a plan agreed with the person",
                            "assessments completed",
                        ],
                    )
                },
                values: ratios(&[
                    (2.0, 9.0),
                    (3.0, 11.0),
                    (2.0, 10.0),
                    (1.0, 8.0),
                    (3.0, 12.0),
                    (2.0, 10.0),
                    (3.0, 11.0),
                    (2.0, 9.0),
                    (5.0, 10.0),
                    (6.0, 9.0),
                    (7.0, 11.0),
                    (7.0, 10.0),
                    (8.0, 11.0),
                    (7.0, 9.0),
                    (9.0, 12.0),
                    (8.0, 10.0),
                ]),
                notes: &[(8, "One-page guide adopted for every first visit (cycle 2)")],
            },
            Series {
                definition: MeasureDefinition {
                    target: Some(90.0),
                    ..ratio(
                        "First visits using the risk conversation guide",
                        MeasureKind::Process,
                        "First assessment visits where the practitioner used the risk conversation guide, from the visit record",
                        ["first visits using the guide", "first visits"],
                    )
                },
                values: ratios(&[
                    (0.0, 9.0),
                    (1.0, 11.0),
                    (2.0, 10.0),
                    (1.0, 8.0),
                    (2.0, 12.0),
                    (3.0, 10.0),
                    (2.0, 11.0),
                    (4.0, 9.0),
                    (8.0, 10.0),
                    (8.0, 9.0),
                    (10.0, 11.0),
                    (9.0, 10.0),
                    (10.0, 11.0),
                    (9.0, 9.0),
                    (11.0, 12.0),
                    (10.0, 10.0),
                ]),
                notes: &[],
            },
            Series {
                definition: MeasureDefinition {
                    target: Some(10.0),
                    ..unit(
                        "Days from referral to an agreed plan",
                        MeasureKind::Outcome,
                        "Median calendar days from the referral being received to the plan being agreed with the person, for plans agreed that week",
                        "days",
                        Direction::LowerIsBetter,
                    )
                },
                values: values(&[
                    24.0, 27.0, 22.0, 25.0, 26.0, 23.0, 28.0, 24.0, 21.0, 22.0, 19.0, 20.0, 18.0,
                    19.0, 17.0, 18.0,
                ]),
                notes: &[(6, "Two practitioners on leave")],
            },
            Series {
                definition: unit(
                    "Length of the first assessment visit",
                    MeasureKind::Balancing,
                    "Average minutes from arrival to leaving on first assessment visits, from the visit record: the guide must not make visits much longer",
                    "minutes",
                    Direction::LowerIsBetter,
                ),
                values: values(&[
                    62.0, 58.0, 65.0, 60.0, 63.0, 59.0, 61.0, 64.0, 70.0, 72.0, 68.0, 69.0, 66.0,
                    67.0, 65.0, 66.0,
                ]),
                notes: &[],
            },
        ];
        let (stream, name, measures, ideas) = self.project(
            amira,
            made,
            ProjectStarted {
                collaborative: made.collaborative,
                team: DEMO_TEAMS[0].0.into(),
                organisation: DEMO_TEAMS[0].1.into(),
                title: "Positive risk-taking on home visits".into(),
            },
            Charter {
                aim: Aim {
                    what: "Agree a positive risk plan with the person at their assessment".into(),
                    for_whom: "people over 75 referred because of worries about safety at home".into(),
                    where_: "Northside adult social care team".into(),
                    how_much: "from 22% to 75% of assessments".into(),
                    by_when: self.day(120)?,
                },
                senior_leader: "Grace Mensah, Head of Adult Social Care".into(),
                day_to_day_lead: "Amira Hassan".into(),
                members: vec![
                    "Amira Hassan".into(),
                    "Ben Carter".into(),
                    "Two members of the service users' forum".into(),
                ],
            },
            &series,
            vec![
                ChangeIdea {
                    title: "A one-page risk conversation guide for first visits".into(),
                    description: "Open with what the person wants to keep doing, then talk through what could go wrong and what would make it safer, in their words.".into(),
                    evidence: vec![EvidenceLink::PackageItem(made.package[0])],
                },
                ChangeIdea {
                    title: "Agree the plan on the visit, not back at the office".into(),
                    description: "Write the plan with the person before leaving, so it is theirs and nothing waits for a second contact.".into(),
                    evidence: vec![
                        EvidenceLink::PackageItem(made.package[0]),
                        EvidenceLink::Source(EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Northside team meeting: plans written later are often not the person's".into(),
                        }),
                    ],
                },
            ],
        )?;
        self.measurements(amira, stream, measures[0], &series[0])?;
        self.measurements(amira, stream, measures[1], &series[1])?;
        let mut keys = HashMap::new();
        self.cycles(amira, stream, &ideas, &[
            Pdsa {
                key: "guide-1",
                idea: Some(0),
                follows: None,
                scale: TestScale::VerySmall,
                day: -104,
                objective: "Try the risk conversation guide on two first visits",
                prediction: [
                    "Will both people agree a plan on the visit?",
                    "One of the two will",
                    "The guide starts from what matters to them, but it is long",
                ],
                who_what_where: ["Amira Hassan", "Use the four-page guide from the first question", "Two first visits in Northside"],
                data: "Whether a plan was agreed, and how long the conversation took",
                done: Some([
                    "Amira Hassan",
                    "Both people talked readily about what they wanted to keep doing; one agreed a plan",
                    "The guide was too long to follow while talking; I lost my place",
                    "A neighbour who helps every day had ideas nobody had asked for",
                    "1 of 2 plans agreed; conversations took 25 and 40 minutes",
                ]),
                study: Some([
                    "1 of 2 plans agreed, as predicted; the second person needed more time to think",
                    "As predicted for the plans; the length of the guide got in the way more than expected",
                    "The opening question works; the rest of the guide needs to fit on one page",
                ]),
                act: Some((Decision::Adapt, [
                    "The opening question works, the length does not",
                    "Cut the guide to one page with three questions",
                    "Test the one-page guide on all first visits for two weeks",
                ])),
            },
            Pdsa {
                key: "guide-2",
                idea: Some(0),
                follows: Some("guide-1"),
                scale: TestScale::FollowUp,
                day: -70,
                objective: "Use the one-page guide on every first visit for two weeks",
                prediction: [
                    "Will plans be agreed on at least half of the visits?",
                    "Yes, on at least half",
                    "The short guide keeps the conversation on what the person wants",
                ],
                who_what_where: ["Amira Hassan and Ben Carter", "Use the one-page guide on every first visit", "All first visits in Northside"],
                data: "Plans agreed, visits using the guide, visit length",
                done: Some([
                    "Amira Hassan and Ben Carter",
                    "Used on 16 of 19 first visits; plans agreed on 11",
                    "Three visits were urgent and the guide was skipped",
                    "People asked to keep a copy of the guide",
                    "11 of 19 plans agreed; visits about 8 minutes longer",
                ]),
                study: Some([
                    "58% of visits ended with an agreed plan, against about 22% before",
                    "Better than predicted",
                    "The one-page guide works in ordinary visits; urgent visits need another way",
                ]),
                act: Some((Decision::Adopt, [
                    "Plans agreed more than doubled and visits grew only a little",
                    "The guide is used on every first visit from now on",
                    "Test it across the whole team for a month",
                ])),
            },
            Pdsa {
                key: "guide-3",
                idea: Some(0),
                follows: Some("guide-2"),
                scale: TestScale::Wider,
                day: -30,
                objective: "Use the one-page guide across the whole Northside team for a month",
                prediction: [
                    "Will colleagues who were not in the tests use it as well?",
                    "Most will, on most visits",
                    "It is one page and people have heard about it at team meetings",
                ],
                who_what_where: ["All eight Northside practitioners", "Use the one-page guide on every first visit", "Northside team"],
                data: "Visits using the guide, plans agreed, what colleagues say about it",
                done: Some([
                    "Northside team",
                    "Used on most first visits; colleagues adapted the wording to their own style",
                    "Two colleagues found the third question awkward with people with dementia",
                    "Carers used the guide's questions themselves between visits",
                    "Guide used on 38 of 42 first visits; 30 plans agreed",
                ]),
                study: Some([
                    "90% of first visits used the guide and 71% ended with a plan",
                    "As predicted for use; plans better than predicted",
                    "The guide spreads by itself; the third question needs another form for people with dementia",
                ]),
                act: None,
            },
            Pdsa {
                key: "large-print",
                idea: Some(0),
                follows: None,
                scale: TestScale::VerySmall,
                day: 5,
                objective: "Offer the guide in large print and easy read on three visits",
                prediction: [
                    "Will people read along and add their own points?",
                    "Two of three will",
                    "Several people asked for a copy they could read",
                ],
                who_what_where: ["Amira Hassan", "Bring large-print and easy-read copies", "Three first visits"],
                data: "Whether the person used the copy, and what they added",
                done: None,
                study: None,
                act: None,
            },
            Pdsa {
                key: "who-joins",
                idea: Some(0),
                follows: None,
                scale: TestScale::VerySmall,
                day: -10,
                objective: "Ask the person who they would like to join the risk conversation",
                prediction: [
                    "Will people name someone other than family?",
                    "Some will name a neighbour or friend",
                    "The first test showed neighbours matter",
                ],
                who_what_where: ["Amira Hassan", "Ask before the visit who should be there", "Two first visits"],
                data: "Who was named, and who came",
                done: Some([
                    "Amira Hassan",
                    "One person asked for her neighbour, one for her son",
                    "The son could only join by phone",
                    "The neighbour brought a list of questions",
                    "2 of 2 named someone; both came or called",
                ]),
                study: None,
                act: None,
            },
        ], &mut keys)?;
        let guide_1 = keys.get("guide-1").copied();
        let events = vec![
            self.observation(
                ObservationKind::Observation,
                guide_1,
                Some("P-0413"),
                -103,
                "P-0413 wants to keep going down the garden steps to feed the birds. We agreed a second handrail and a phone check-in at eleven instead of the move downstairs that was first suggested.",
            )?,
            self.observation(
                ObservationKind::Observation,
                None,
                None,
                -20,
                "At the team meeting colleagues said the guide helps most when the person's family is worried and the person is not.",
            )?,
            Event::ActionPlanEntryAdded(ActionPlanEntry {
                where_are_we_now: "About a fifth of assessments end with a risk plan agreed with the person; most record risks only as hazards".into(),
                what_do_we_want_to_achieve: "Three quarters of assessments end with a positive risk plan agreed with the person".into(),
                how_will_we_get_there: "Test a short risk conversation guide on first visits, then agree plans on the visit".into(),
                who_needs_to_take_what_action: "Amira and Ben test the guide; the team manager protects time at team meetings to share results".into(),
                timescales: "Guide tested by the end of Action Period 1; in use across the team by the end of Action Period 2".into(),
            }),
        ];
        amira.record_all(stream, events)?;
        amira.sync(self.storage, stream)?;

        // Ben joins: he gets everything so far, the Study of the wider test included.
        ben.follow(
            self.storage,
            made.collaborative,
            StreamKind::Collaborative,
            DEMO_COLLABORATIVE,
            None,
        )?;
        ben.follow(
            self.storage,
            stream,
            StreamKind::Project,
            &name,
            Some(made.collaborative),
        )?;
        self.measurements(ben, stream, measures[2], &series[2])?;
        self.measurements(ben, stream, measures[3], &series[3])?;
        self.cycles(ben, stream, &ideas, &[
            Pdsa {
                key: "kitchen-table",
                idea: Some(1),
                follows: None,
                scale: TestScale::VerySmall,
                day: -90,
                objective: "Write the plan with the person at the kitchen table on three visits",
                prediction: [
                    "Will the plan be agreed before leaving?",
                    "Yes, on all three",
                    "Nothing is left to do after the visit",
                ],
                who_what_where: ["Ben Carter", "Write the plan on the visit with the person", "Three first visits"],
                data: "Plans agreed before leaving; how the person felt about it",
                done: Some([
                    "Ben Carter",
                    "Two people agreed a plan but said afterwards they had felt rushed",
                    "The third visit ran out of time before the plan was written",
                    "People wanted to talk it over with family before agreeing",
                    "2 of 3 agreed; both said they felt rushed",
                ]),
                study: Some([
                    "2 of 3 plans agreed, both felt rushed",
                    "Worse than predicted",
                    "Agreeing on the first visit takes the decision away from the person; they want time",
                ]),
                act: Some((Decision::Abandon, [
                    "People felt rushed into agreeing; that is the opposite of the aim",
                    "Stop asking for agreement on the first visit",
                    "Try leaving a draft and agreeing it at a follow-up call",
                ])),
            },
            Pdsa {
                key: "draft-plan",
                idea: Some(1),
                follows: Some("kitchen-table"),
                scale: TestScale::VerySmall,
                day: -40,
                objective: "Leave a draft plan and agree it at a phone call two days later",
                prediction: [
                    "Will people agree the plan at the call?",
                    "Most will, with a change or two",
                    "They have had time to talk it over",
                ],
                who_what_where: ["Ben Carter", "Leave a draft, call two days later", "Four first visits"],
                data: "Plans agreed at the call; changes people made; days to an agreed plan",
                done: Some([
                    "Ben Carter",
                    "Three of four agreed at the call, each with changes of their own",
                    "One person could not be reached for a week",
                    "A daughter rewrote the plan with her mother, in her mother's words",
                    "3 of 4 agreed at the call; 2 to 9 days to an agreed plan",
                ]),
                study: Some([
                    "3 of 4 agreed, all with their own changes",
                    "As predicted",
                    "A draft left behind makes the plan the person's; the call needs a fixed time",
                ]),
                act: None,
            },
        ], &mut keys)?;
        let events = vec![
            self.observation(
                ObservationKind::CaseMaterial,
                None,
                Some("P-0587"),
                -118,
                "Baseline case review: of ten recent assessments, eight recorded risks only as hazards to remove; two recorded what the person wanted to keep doing. P-0587's record lists 'falls risk: stairs' and nothing of her wish to keep her bedroom upstairs.",
            )?,
            Event::LearningLogEntryAdded(LearningLogEntry {
                learning_points: "Asking for agreement on the first visit rushes people; a draft left behind and a call two days later makes the plan theirs".into(),
                action_points: "Book the follow-up call before leaving the visit".into(),
                responsibility: "Ben Carter".into(),
                implement_by: self.day(14)?,
            }),
        ];
        ben.record_all(stream, events)?;

        // Offline, neither having seen the other's, Ben and Amira decide the wider test.
        let wider = *keys
            .get("guide-3")
            .ok_or_else(|| internal("the conflict", "no wider test"))?;
        ben.record(
            stream,
            Event::CycleActed {
                cycle: wider,
                replaces: vec![],
                act: Act {
                    decision: Decision::Adapt,
                    reasons:
                        "Two colleagues found the third question awkward with people with dementia"
                            .into(),
                    changes: "Add a picture-based version of the third question".into(),
                    next_step: "Test the picture version with two people with dementia".into(),
                },
            },
        )?;
        amira.record(
            stream,
            Event::CycleActed {
                cycle: wider,
                replaces: vec![],
                act: Act {
                    decision: Decision::Adopt,
                    reasons:
                        "Used on 90% of first visits and plans agreed on 71%: ready to implement"
                            .into(),
                    changes: "The guide becomes part of the assessment form".into(),
                    next_step: "Ask the senior manager to build it into the form".into(),
                },
            },
        )?;
        let reports = vec![
            self.report(2, [
                "Plans agreed with the person 12-27% a week (baseline, median about 22%); guide used on up to 4 of 9 first visits; 22-28 days to a plan; visits about an hour",
                "Guide tested on two visits and adapted to one page; plan written at the kitchen table abandoned",
                "The opening question works; people want time before agreeing",
                "Urgent visits leave no time for the guide; two practitioners on leave",
                "Test the one-page guide on every first visit for two weeks",
            ], 25)?,
            self.report(1, [
                "Plans agreed with the person up from about 22% to 64-80% a week since the guide was adopted: eight weeks above the median; days to a plan 17-22; visits about 6 minutes longer",
                "One-page guide adopted and tested across the team; draft plan with a follow-up call tested",
                "The guide spreads by itself; the third question needs another form for people with dementia",
                "Visit length is creeping up; the form has no place for the plan",
                "Ask for the guide to be built into the assessment form; test a picture version of the third question",
            ], 35)?,
        ];
        let reports = amira.record_all(stream, reports)?;
        amira.sync(self.storage, stream)?;
        ben.sync(self.storage, stream)?;
        Ok((stream, name, reports))
    }

    /// Riverside: Dev starts the project; Chloe, the team's advisor, joins. Returns the
    /// stream, its name and its two monthly reports.
    fn riverside(
        &mut self,
        dev: &mut Phone,
        chloe: &mut Phone,
        made: &Made,
    ) -> Result<(StreamId, String, Vec<EventId>)> {
        let series = [
            Series {
                definition: MeasureDefinition {
                    target: Some(80.0),
                    ..ratio(
                        "Reviews recording the person's own outcomes",
                        MeasureKind::Outcome,
                        "Reviews of people over 85 where the review form records at least one outcome in the person's own words",
                        [
                            "reviews with outcomes in the person's words",
                            "reviews completed",
                        ],
                    )
                },
                values: ratios(&[
                    (2.0, 7.0),
                    (3.0, 8.0),
                    (2.0, 6.0),
                    (3.0, 8.0),
                    (4.0, 9.0),
                    (5.0, 8.0),
                    (5.0, 7.0),
                    (6.0, 9.0),
                    (6.0, 8.0),
                    (7.0, 9.0),
                    (6.0, 8.0),
                    (7.0, 8.0),
                    (6.0, 7.0),
                    (8.0, 9.0),
                    (7.0, 8.0),
                    (7.0, 9.0),
                ]),
                notes: &[(4, "'What matters to you?' opening adopted")],
            },
            Series {
                definition: MeasureDefinition {
                    target: Some(70.0),
                    ..ratio(
                        "Reviews where the person chose who joins",
                        MeasureKind::Process,
                        "Reviews where the person was asked beforehand who they would like to be there, from the review form",
                        [
                            "reviews where the person chose who joins",
                            "reviews completed",
                        ],
                    )
                },
                values: ratios(&[
                    (0.0, 7.0),
                    (0.0, 8.0),
                    (1.0, 6.0),
                    (1.0, 8.0),
                    (2.0, 9.0),
                    (2.0, 8.0),
                    (3.0, 7.0),
                    (4.0, 9.0),
                    (4.0, 8.0),
                    (5.0, 9.0),
                    (5.0, 8.0),
                    (6.0, 8.0),
                    (5.0, 7.0),
                    (6.0, 9.0),
                    (6.0, 8.0),
                    (7.0, 9.0),
                ]),
                notes: &[],
            },
            Series {
                definition: unit(
                    "Review length",
                    MeasureKind::Balancing,
                    "Average minutes per review, from the visit log: reviews must not grow so long that other visits suffer",
                    "minutes",
                    Direction::LowerIsBetter,
                ),
                values: values(&[
                    45.0, 50.0, 48.0, 52.0, 55.0, 58.0, 54.0, 56.0, 53.0, 55.0, 52.0, 54.0, 51.0,
                    53.0, 52.0, 50.0,
                ]),
                notes: &[],
            },
        ];
        let (stream, name, measures, ideas) = self.project(
            dev,
            made,
            ProjectStarted {
                collaborative: made.collaborative,
                team: DEMO_TEAMS[1].0.into(),
                organisation: DEMO_TEAMS[1].1.into(),
                title: "Outcomes-focused reviews for people over 85".into(),
            },
            Charter {
                aim: Aim {
                    what: "Record the outcomes the person wants, in their own words, at every review".into(),
                    for_whom: "people over 85 receiving home support".into(),
                    where_: "Riverside home support team".into(),
                    how_much: "from 30% to 80% of reviews".into(),
                    by_when: self.day(120)?,
                },
                senior_leader: "Henry Walsh, Director of Operations".into(),
                day_to_day_lead: "Dev Patel".into(),
                members: vec!["Dev Patel".into(), "Chloe Evans".into()],
            },
            &series,
            vec![
                ChangeIdea {
                    title: "Open every review with 'What matters to you?'".into(),
                    description: "Ask first what matters to the person now, before going through the care plan.".into(),
                    evidence: vec![EvidenceLink::PackageItem(made.package[1])],
                },
                ChangeIdea {
                    title: "Let the person choose who joins the review".into(),
                    description: "Ask beforehand who they would like there: family, a friend, a neighbour, nobody.".into(),
                    evidence: vec![
                        EvidenceLink::PackageItem(made.package[1]),
                        EvidenceLink::Source(EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Riverside carers' group workshop: reviews felt like being talked about".into(),
                        }),
                    ],
                },
            ],
        )?;
        for (m, s) in measures.iter().zip(&series) {
            self.measurements(dev, stream, *m, s)?;
        }
        let mut keys = HashMap::new();
        self.cycles(dev, stream, &ideas, &[
            Pdsa {
                key: "opening-1",
                idea: Some(0),
                follows: None,
                scale: TestScale::VerySmall,
                day: -95,
                objective: "Open three reviews with 'What matters to you?'",
                prediction: [
                    "Will people name outcomes of their own?",
                    "Two of three will",
                    "The question invites them to, where the care plan does not",
                ],
                who_what_where: ["Dev Patel", "Ask the question before the care plan", "Three reviews"],
                data: "Outcomes recorded in the person's words",
                done: Some([
                    "Dev Patel",
                    "All three named something: a walk to the shop, a grandson's visit, cooking again",
                    "One review ran 20 minutes over",
                    "One person had never been asked before and was moved",
                    "3 of 3 recorded outcomes in their own words",
                ]),
                study: Some([
                    "3 of 3 reviews recorded the person's own outcomes",
                    "Better than predicted",
                    "The question works; the form has nowhere good to write the answer",
                ]),
                act: Some((Decision::Adopt, [
                    "It worked for everyone it was tried with",
                    "Every review starts with the question",
                    "Use it in all reviews for two weeks",
                ])),
            },
            Pdsa {
                key: "opening-2",
                idea: Some(0),
                follows: Some("opening-1"),
                scale: TestScale::FollowUp,
                day: -60,
                objective: "Use the opening question in every review for two weeks",
                prediction: [
                    "Will outcomes be recorded in most reviews?",
                    "In at least three quarters",
                    "It worked three times out of three",
                ],
                who_what_where: ["Dev Patel and Chloe Evans", "Open every review with the question", "All Riverside reviews"],
                data: "Reviews with outcomes in the person's words; review length",
                done: Some([
                    "Dev Patel and Chloe Evans",
                    "Used in 15 of 17 reviews",
                    "People with memory difficulties found the open question hard",
                    "Families often answered for the person",
                    "11 of 17 recorded outcomes in the person's words",
                ]),
                study: Some([
                    "65% recorded outcomes, up from about 30%",
                    "Below the three quarters predicted",
                    "An open question alone does not work for people with memory difficulties",
                ]),
                act: Some((Decision::Adapt, [
                    "It works for most people but not for people with memory difficulties",
                    "Add a prompt card with pictures of everyday things",
                    "Test the prompt card in a wider group of reviews",
                ])),
            },
            Pdsa {
                key: "opening-3",
                idea: Some(0),
                follows: Some("opening-2"),
                scale: TestScale::Wider,
                day: -25,
                objective: "Use the question with the prompt card in all reviews for a month",
                prediction: [
                    "Will people with memory difficulties name outcomes too?",
                    "Most will",
                    "The pictures give them something to point to",
                ],
                who_what_where: ["Riverside support workers", "Question and prompt card at every review", "All Riverside reviews"],
                data: "Outcomes recorded, split by whether the person has memory difficulties",
                done: Some([
                    "Riverside support workers",
                    "Used in 31 of 33 reviews; people pointed at the garden and the kettle most",
                    "The cards got lost between visits",
                    "People kept the cards and used them with their carers",
                    "25 of 33 recorded outcomes; 7 of 10 with memory difficulties",
                ]),
                study: Some([
                    "76% recorded outcomes; 70% of people with memory difficulties",
                    "As predicted",
                    "The card makes the question work for people with memory difficulties",
                ]),
                act: None,
            },
        ], &mut keys)?;
        let opening_1 = keys.get("opening-1").copied();
        let events = vec![
            self.observation(
                ObservationKind::Observation,
                opening_1,
                Some("P-1128"),
                -94,
                "P-1128 said what matters is walking to the corner shop on her own again. Nobody had written that down in three years of reviews.",
            )?,
            Event::LearningLogEntryAdded(LearningLogEntry {
                learning_points: "An open question alone does not work for people with memory difficulties; a picture card does".into(),
                action_points: "Keep a set of prompt cards in every support worker's bag".into(),
                responsibility: "Dev Patel".into(),
                implement_by: self.day(21)?,
            }),
        ];
        dev.record_all(stream, events)?;
        dev.sync(self.storage, stream)?;

        // Chloe, the team's advisor, joins.
        chloe.follow(
            self.storage,
            made.collaborative,
            StreamKind::Collaborative,
            DEMO_COLLABORATIVE,
            None,
        )?;
        chloe.follow(
            self.storage,
            stream,
            StreamKind::Project,
            &name,
            Some(made.collaborative),
        )?;
        self.cycles(chloe, stream, &ideas, &[
            Pdsa {
                key: "family-invite",
                idea: Some(1),
                follows: None,
                scale: TestScale::VerySmall,
                day: -80,
                objective: "Invite a family member to two reviews by phone",
                prediction: [
                    "Will families help the person say what matters?",
                    "Yes",
                    "Families know the person well",
                ],
                who_what_where: ["Chloe Evans", "Phone a family member and invite them", "Two reviews"],
                data: "Who spoke; outcomes recorded in the person's words",
                done: Some([
                    "Chloe Evans",
                    "In both reviews the family member did most of the talking",
                    "One person said afterwards she had not wanted her son there",
                    "The son had worries the person did not share",
                    "0 of 2 outcomes in the person's own words",
                ]),
                study: Some([
                    "No outcomes in the person's words",
                    "The opposite of the prediction",
                    "Inviting family by default takes the review away from the person",
                ]),
                act: Some((Decision::Abandon, [
                    "It made the review less the person's own",
                    "Do not invite family by default",
                    "Ask the person who they would like to join instead",
                ])),
            },
            Pdsa {
                key: "person-chooses",
                idea: Some(1),
                follows: Some("family-invite"),
                scale: TestScale::VerySmall,
                day: -12,
                objective: "Ask the person beforehand who they would like at their review",
                prediction: [
                    "Will people choose someone, and will they still speak for themselves?",
                    "Most will choose someone and still lead",
                    "They chose them",
                ],
                who_what_where: ["Chloe Evans", "Ask at the visit before the review", "Three reviews"],
                data: "Who was chosen; who spoke; outcomes in the person's words",
                done: Some([
                    "Chloe Evans",
                    "Two chose a friend, one chose nobody; all three led their review",
                    "Arranging a time that suited the friend took two calls",
                    "The person who chose nobody said it was the best review she had had",
                    "3 of 3 outcomes in the person's own words",
                ]),
                study: None,
                act: None,
            },
            Pdsa {
                key: "own-words-form",
                idea: Some(0),
                follows: None,
                scale: TestScale::VerySmall,
                day: 7,
                objective: "Try a review form with a box for outcomes in the person's words at the top",
                prediction: [
                    "Will support workers fill the box in?",
                    "Yes, on most reviews",
                    "It is the first thing on the form",
                ],
                who_what_where: ["Chloe Evans", "Use the new form", "Four reviews"],
                data: "Boxes filled in; how long the form takes",
                done: None,
                study: None,
                act: None,
            },
        ], &mut keys)?;
        let events = vec![
            self.observation(
                ObservationKind::CaseMaterial,
                None,
                Some("P-0932"),
                -115,
                "Baseline case review: in eight of the last ten reviews, outcomes were written as services ('continue 2 calls a day'). P-0932's review records her carer's view but not her own.",
            )?,
            Event::ActionPlanEntryAdded(ActionPlanEntry {
                where_are_we_now: "About 30% of reviews record any outcome in the person's own words".into(),
                what_do_we_want_to_achieve: "80% of reviews record the outcomes the person wants, in their words".into(),
                how_will_we_get_there: "Open every review with 'What matters to you?'; let the person choose who joins; change the form".into(),
                who_needs_to_take_what_action: "Dev and Chloe run the tests; Henry Walsh agrees the new review form with quality assurance".into(),
                timescales: "Opening question in use by the end of Action Period 2; new form by Learning Session 3".into(),
            }),
            self.report(2, [
                "Outcomes in the person's words 50-75% a week, up from about 30%; the person chose who joins in up to 4 of 9 reviews; reviews 52-58 minutes",
                "Opening question adopted; family invitations abandoned",
                "The question works; inviting family by default does not",
                "People with memory difficulties find the open question hard",
                "Test the question in all reviews and adapt it for people with memory difficulties",
            ], 20)?,
            self.report(1, [
                "Outcomes in the person's words 75-89% a week; the person chose who joins in 5-7 of 9 reviews; reviews about 53 minutes",
                "Prompt card tested across the team; the person choosing who joins tested on three reviews",
                "The prompt card makes the question work for people with memory difficulties",
                "Cards get lost; the review form has nowhere to write outcomes",
                "Test a new review form; keep prompt cards in every bag",
            ], 30)?,
        ];
        let recorded = chloe.record_all(stream, events)?;
        chloe.sync(self.storage, stream)?;
        Ok((stream, name, recorded[2..].to_vec()))
    }
}
