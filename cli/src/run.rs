//! Runs a command: builds the event or loads the view, then hands it to `render`.

use crate::args::*;
use crate::context::{self, date, id, month, today};
use crate::render::{self, Output};
use anyhow::{Context as _, Result, anyhow, bail};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::EventId;
use praxis_core::domain::record::Detail;
use praxis_core::store::{Recorded, Store, StoreError, StoreFile, queries};
use praxis_core::sync::Server;
use praxis_mobile::PraxisStore;
use std::io::BufRead;
use std::sync::atomic::AtomicBool;

pub fn run(cli: Cli) -> Result<Output> {
    let path = context::store_path(&cli.store)?;
    match &cli.command {
        Command::Init(init) => return self::init(&path, init),
        Command::Enrol(enrol) => return self::enrol(&path, enrol),
        Command::Store(StoreCommand::Encrypt) => return encrypt(&path),
        Command::Audit(audit) => return crate::audit::run(&path, audit),
        _ => {}
    }
    let device = context::open(&path)?;
    if let Command::Sync = cli.command {
        return sync(&device, cli.json);
    }
    let mut store = device.lock();
    let sel = &cli.project;
    match cli.command {
        Command::Init(_)
        | Command::Enrol(_)
        | Command::Store(_)
        | Command::Sync
        | Command::Audit(_) => unreachable_init(),
        Command::Status => render::status(&store),
        Command::Collaborative(c) => collaborative(&mut store, sel, c),
        Command::Project(ProjectCommand::Start {
            team,
            organisation,
            title,
        }) => {
            let c = context::collaborative(&store, &None)?;
            let r = store.start_project(ProjectStarted {
                collaborative: c,
                team,
                organisation,
                title,
            })?;
            let mut out = render::recorded(&r, "project started");
            out.text.push_str(&format!(
                "\nName it with --project {} when this device holds several projects.",
                r.stream.short()
            ));
            Ok(out)
        }
        Command::Project(ProjectCommand::List) => render::projects(&store),
        Command::Charter(a) => {
            let p = context::project(&store, sel)?;
            let replaces = charter_heads(&store, p)?;
            let charter = Charter {
                aim: Aim {
                    what: a.what,
                    for_whom: a.for_whom,
                    where_: a.where_,
                    how_much: a.how_much,
                    by_when: date(&a.by_when, "--by-when")?,
                },
                senior_leader: a.senior_leader,
                day_to_day_lead: a.day_to_day_lead,
                members: a.members,
            };
            let r = store.record(p, Event::CharterSet { replaces, charter })?;
            Ok(render::recorded(&r, "charter saved"))
        }
        Command::Measure(m) => measure(&mut store, sel, m),
        Command::Idea(a) => {
            let p = context::project(&store, sel)?;
            let mut evidence = Vec::new();
            for item in &a.package_items {
                evidence.push(EvidenceLink::PackageItem(id(&store, item)?));
            }
            evidence.extend(
                sources(a.research, a.practice)
                    .into_iter()
                    .map(EvidenceLink::Source),
            );
            let r = store.record(
                p,
                Event::ChangeIdeaProposed(ChangeIdea {
                    title: a.title,
                    description: a.description,
                    evidence,
                }),
            )?;
            Ok(render::recorded(&r, "change idea saved"))
        }
        Command::Cycle(c) => cycle(&mut store, sel, c),
        Command::Observe(a) => {
            let p = context::project(&store, sel)?;
            let observation = Observation {
                kind: if a.case_material {
                    ObservationKind::CaseMaterial
                } else {
                    ObservationKind::Observation
                },
                cycle: a.cycle.as_deref().map(|c| id(&store, c)).transpose()?,
                subject: a.subject,
                observed_on: match &a.on {
                    Some(d) => date(d, "--on")?,
                    None => today(),
                },
                text: a.text,
            };
            let r = store.record(p, Event::ObservationRecorded(observation))?;
            Ok(render::recorded(&r, "observation saved"))
        }
        Command::ActionPlan(a) => {
            let p = context::project(&store, sel)?;
            let entry = ActionPlanEntry {
                where_are_we_now: a.now,
                what_do_we_want_to_achieve: a.achieve,
                how_will_we_get_there: a.how,
                who_needs_to_take_what_action: a.who,
                timescales: a.timescales,
            };
            let r = store.record(p, Event::ActionPlanEntryAdded(entry))?;
            Ok(render::recorded(&r, "action plan entry saved"))
        }
        Command::LearningLog(a) => {
            let p = context::project(&store, sel)?;
            let entry = LearningLogEntry {
                learning_points: a.learning,
                action_points: a.action,
                responsibility: a.responsibility,
                implement_by: date(&a.implement_by, "--implement-by")?,
            };
            let r = store.record(p, Event::LearningLogEntryAdded(entry))?;
            Ok(render::recorded(&r, "learning log entry saved"))
        }
        Command::Report(ReportCommand::Submit {
            month: m,
            measures,
            cycles,
            learning,
            barriers,
            plans,
            self_score,
        }) => {
            let p = context::project(&store, sel)?;
            let report = MonthlyReport {
                month: month(&m)?,
                measures,
                cycles,
                learning,
                barriers,
                plans,
                self_score: score(&self_score)?,
            };
            let r = store.record(p, Event::MonthlyReportSubmitted(report))?;
            Ok(render::recorded(&r, "monthly report submitted"))
        }
        Command::Report(ReportCommand::Score {
            report,
            score: s,
            justification,
        }) => {
            let p = context::project(&store, sel)?;
            let report = id(&store, &report)?;
            let r = store.record(
                p,
                Event::CoordinatorScoreGiven {
                    report,
                    score: score(&s)?,
                    justification,
                },
            )?;
            Ok(render::recorded(&r, "coordinator's score saved"))
        }
        Command::Decide(a) => {
            let p = context::project(&store, sel)?;
            let rests_on = a
                .rests_on
                .iter()
                .map(|r| id(&store, r))
                .collect::<Result<Vec<_>>>()?;
            let r = store.record(
                p,
                Event::ManagerDecisionRecorded {
                    decision: a.decision,
                    rationale: a.rationale,
                    rests_on,
                },
            )?;
            Ok(render::recorded(&r, "decision saved"))
        }
        Command::Correct(a) => correct(&mut store, a),
        Command::Resolve(a) => {
            let subject = id(&store, &a.subject)?;
            let stream = stream_of(&store, subject)?;
            let summary = queries::summary(store.connection(), stream)?;
            let conflict = summary
                .conflicts
                .iter()
                .find(|c| c.subject == subject)
                .ok_or_else(|| {
                    anyhow!(
                        "There is no open conflict on {}. `praxis conflicts` lists them.",
                        subject.short()
                    )
                })?;
            let keep = id(&store, &a.keep)?;
            let r = store.record(
                stream,
                Event::Resolution {
                    subject,
                    settles: conflict.versions.clone(),
                    keep,
                    reason: a.reason,
                },
            )?;
            Ok(render::recorded(&r, "conflict resolved"))
        }
        Command::Overview => {
            let p = context::project(&store, sel)?;
            render::overview(&queries::project_overview(store.connection(), p)?)
        }
        Command::Conflicts => render::conflicts(&store),
        Command::Feed { limit } => {
            let p = context::project(&store, sel)?;
            render::feed(&queries::feed(store.connection(), p, limit)?)
        }
        Command::History { id: text } => {
            let i = id(&store, &text)?;
            let h = queries::history(store.connection(), i)?
                .ok_or_else(|| anyhow!("{} is not a record here.", i.short()))?;
            render::history(&h)
        }
        Command::Import { file } => import(&mut store, sel, &file),
        Command::Rebuild => {
            let n = store.rebuild_all_views()?;
            Ok(Output::new(
                serde_json::json!({ "events": n }),
                format!("Views rebuilt from {n} events."),
            ))
        }
    }
}

fn unreachable_init() -> Result<Output> {
    bail!("init, enrol, store, sync and audit are handled before the store is locked")
}

/// Encrypts a store made before stores were encrypted, with the key `praxis init` would
/// use (making the key file if there is none). Refused before any key file is made
/// unless the file is a plain device store; a key file made here is removed again if
/// the store could not be encrypted (it is then still the plain store it was).
fn encrypt(path: &std::path::Path) -> Result<Output> {
    match praxis_core::store::inspect(path) {
        StoreFile::Plain => {}
        StoreFile::Missing => return Err(StoreError::NotFound(path.to_path_buf()).into()),
        StoreFile::Encrypted => {
            return Err(StoreError::AlreadyEncrypted(path.to_path_buf()).into());
        }
        StoreFile::PlainOther(why) => {
            return Err(StoreError::NotAStore(path.to_path_buf(), why).into());
        }
        StoreFile::Unreadable => {
            return Err(StoreError::NotAStore(
                path.to_path_buf(),
                "it is neither a plain SQLite database nor an encrypted store".into(),
            )
            .into());
        }
    }
    let (key, new_key_file) = context::new_key(path)?;
    let kept = match PraxisStore::encrypt_plain_with_key(path, &key) {
        Ok(kept) => kept,
        Err(e) => {
            if let Some(file) = &new_key_file {
                let _ = std::fs::remove_file(file);
            }
            return Err(e.into());
        }
    };
    let key_place = if std::env::var(context::KEY_VARIABLE).is_ok_and(|k| !k.trim().is_empty()) {
        format!("the key in {}", context::KEY_VARIABLE)
    } else {
        context::key_file(path).display().to_string()
    };
    render::encrypted(path, &kept, &key_place, new_key_file.is_some())
}

/// Enrols the store, creating it first if there is none yet (the server says who
/// its person is). A failed enrolment changes nothing, and leaves no new store behind.
fn enrol(path: &std::path::Path, a: &EnrolArgs) -> Result<Output> {
    let password = a.password.clone().filter(|p| !p.is_empty()).ok_or_else(|| {
        anyhow!(
            "Give your password with --password, or in PRAXIS_PASSWORD to keep it out of the shell history."
        )
    })?;
    Server::new(&a.server)?;
    let device_name = a.device_name.clone().unwrap_or_else(this_computer);
    let created = !path.exists();
    let (device, new_key_file) = if created {
        let (key, key_file) = context::new_key(path)?;
        match PraxisStore::create_with_key(path, &a.username, &key) {
            Ok(device) => (device, key_file),
            Err(e) => {
                remove_store(path, key_file.as_deref());
                return Err(e.into());
            }
        }
    } else {
        (context::open(path)?, None)
    };
    match device.enrol_with(&a.server, &a.username, &password, &device_name) {
        Ok(enrolment) => render::enrolled(&enrolment, path),
        Err(e) => {
            if created {
                drop(device);
                remove_store(path, new_key_file.as_deref());
            }
            Err(e.into())
        }
    }
}

/// What to call this device when none is given: its host name.
fn this_computer() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .map(|h| format!("praxis on {h}"))
        .unwrap_or_else(|| "praxis terminal".into())
}

fn sync(device: &PraxisStore, json: bool) -> Result<Output> {
    let server = device.server_url()?;
    let mut progress = render::SyncLines::new(!json);
    // The terminal stops a sync with Ctrl-C, which ends the process: every answer
    // already merged was saved, so nothing is lost.
    let cancel = AtomicBool::new(false);
    let reports = device.sync_with(&mut progress, &cancel)?;
    render::synced(&server, &reports)
}

/// Leaves nothing of a store that could not be made: its files, and its key file when
/// it was made for it.
fn remove_store(path: &std::path::Path, key_file: Option<&std::path::Path>) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Some(file) = key_file {
        let _ = std::fs::remove_file(file);
    }
}

fn init(path: &std::path::Path, init: &Init) -> Result<Output> {
    let (key, key_file) = context::new_key(path)?;
    let device = match PraxisStore::create_with_key(path, &init.name, &key) {
        Ok(device) => device,
        Err(e) => {
            if let Some(file) = &key_file {
                let _ = std::fs::remove_file(file);
            }
            return Err(e.into());
        }
    };
    let mut store = device.lock();
    let mut text = format!("Store created at {} for {}.", path.display(), init.name);
    let mut founded = None;
    if let Some(name) = &init.collaborative {
        let r = store.found_collaborative(CollaborativeFounded {
            name: name.clone(),
            topic: init.topic.clone().unwrap_or_default(),
            chosen_with: init.chosen_with.clone().unwrap_or_default(),
        });
        match r {
            Ok(r) => {
                text.push_str(&format!(
                    "\nCollaborative '{name}' founded ({}).",
                    r.stream.short()
                ));
                founded = Some(r);
            }
            Err(e) => {
                drop(store);
                drop(device);
                // Nothing of a half-made store is left behind.
                remove_store(path, key_file.as_deref());
                return Err(e.into());
            }
        }
    }
    text.push_str("\nNext: `praxis project start --team ... --organisation ... --title ...`.");
    Ok(Output::new(
        serde_json::json!({ "store": path, "identity": store.identity(), "collaborative": founded }),
        text,
    ))
}

fn sources(research: Vec<String>, practice: Vec<String>) -> Vec<EvidenceSource> {
    research
        .into_iter()
        .map(|citation| EvidenceSource {
            kind: EvidenceKind::Research,
            citation,
        })
        .chain(practice.into_iter().map(|citation| EvidenceSource {
            kind: EvidenceKind::PracticeKnowledge,
            citation,
        }))
        .collect()
}

fn score(text: &str) -> Result<Score> {
    text.parse::<Score>().map_err(|e| anyhow!(e))
}

fn collaborative(
    store: &mut Store,
    sel: &Option<String>,
    command: CollaborativeCommand,
) -> Result<Output> {
    let c = context::collaborative(store, sel)?;
    match command {
        CollaborativeCommand::Show => {
            let view = queries::collaborative(store.connection(), c)?
                .ok_or_else(|| anyhow!("The collaborative is not founded yet."))?;
            render::collaborative(&view)
        }
        CollaborativeCommand::Schedule { phases } => {
            let schedule = phases
                .iter()
                .map(|p| phase(p))
                .collect::<Result<Vec<_>>>()?;
            let replaces = match founding_detail(store, c)? {
                Some(Detail::Collaborative { schedule, .. }) => schedule.heads,
                _ => Vec::new(),
            };
            let r = store.record(c, Event::ScheduleSet { replaces, schedule })?;
            Ok(render::recorded(&r, "schedule saved"))
        }
        CollaborativeCommand::Scale {
            version,
            name,
            levels,
        } => {
            let levels = levels
                .iter()
                .map(|l| {
                    let (s, meaning) = l.split_once('=').ok_or_else(|| {
                        anyhow!("'{l}' is not SCORE=MEANING, for example '2.5=Changes tested'")
                    })?;
                    Ok(ProgressLevel {
                        score: score(s)?,
                        meaning: meaning.trim().to_string(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let r = store.record(
                c,
                Event::ProgressScaleAdopted(ProgressScale {
                    version,
                    name,
                    levels,
                }),
            )?;
            Ok(render::recorded(&r, "progress scale adopted"))
        }
        CollaborativeCommand::PackageItem {
            title,
            description,
            research,
            practice,
        } => {
            let item = ChangePackageItem {
                title,
                description,
                evidence: sources(research, practice),
            };
            let r = store.record(c, Event::ChangePackageItemAdded(item))?;
            Ok(render::recorded(&r, "change package item saved"))
        }
    }
}

fn phase(text: &str) -> Result<Phase> {
    let parts: Vec<&str> = text.split(':').collect();
    let [kind, starts, ends] = parts.as_slice() else {
        bail!("'{text}' is not KIND:START:END, for example ls1:2026-01-12:2026-01-12");
    };
    let number = |s: &str| -> Result<u8> {
        s.parse::<u8>()
            .ok()
            .filter(|n| (1..=9).contains(n))
            .ok_or_else(|| anyhow!("'{kind}' needs a number from 1 to 9"))
    };
    let kind = match *kind {
        "prework" => PhaseKind::Prework,
        "closing" => PhaseKind::ClosingEvent,
        k if k.starts_with("ls") => PhaseKind::LearningSession(number(&k[2..])?),
        k if k.starts_with("ap") => PhaseKind::ActionPeriod(number(&k[2..])?),
        other => bail!("'{other}' is not a phase: use prework, ls1..ls9, ap1..ap9 or closing"),
    };
    Ok(Phase {
        kind,
        starts: date(starts, "the phase's start")?,
        ends: date(ends, "the phase's end")?,
    })
}

fn founding_detail(
    store: &Store,
    stream: praxis_core::domain::ids::StreamId,
) -> Result<Option<Detail>> {
    let summary = queries::summary(store.connection(), stream)?;
    Ok(summary
        .founding
        .map(|f| queries::record(store.connection(), f))
        .transpose()?
        .flatten()
        .map(|r| r.detail))
}

fn charter_heads(store: &Store, p: praxis_core::domain::ids::StreamId) -> Result<Vec<EventId>> {
    Ok(match founding_detail(store, p)? {
        Some(Detail::Project { charter, .. }) => charter.heads,
        _ => Vec::new(),
    })
}

fn definition(a: MeasureDefinitionArgs) -> Result<MeasureDefinition> {
    let unit = match (a.unit, a.numerator, a.denominator) {
        (Some(u), None, None) => MeasureUnit::Unit(u),
        (None, Some(numerator), Some(denominator)) => MeasureUnit::Ratio {
            numerator,
            denominator,
        },
        _ => bail!(
            "Give either --unit (for a count or time) or --numerator and --denominator (for a proportion)."
        ),
    };
    Ok(MeasureDefinition {
        name: a.name,
        kind: match a.kind {
            KindArg::Outcome => MeasureKind::Outcome,
            KindArg::Process => MeasureKind::Process,
            KindArg::Balancing => MeasureKind::Balancing,
        },
        operational_definition: a.definition,
        unit,
        direction: match a.direction {
            DirectionArg::Up => Direction::HigherIsBetter,
            DirectionArg::Down => Direction::LowerIsBetter,
        },
        target: a.target,
        frequency: match a.frequency {
            FrequencyArg::Daily => Frequency::Daily,
            FrequencyArg::Weekly => Frequency::Weekly,
            FrequencyArg::Fortnightly => Frequency::Fortnightly,
            FrequencyArg::Monthly => Frequency::Monthly,
            FrequencyArg::Quarterly => Frequency::Quarterly,
        },
    })
}

fn measure(store: &mut Store, sel: &Option<String>, command: MeasureCommand) -> Result<Output> {
    let p = context::project(store, sel)?;
    match command {
        MeasureCommand::Define(a) => {
            let r = store.record(p, Event::MeasureDefined(definition(a)?))?;
            Ok(render::recorded(&r, "measure defined"))
        }
        MeasureCommand::Revise {
            measure,
            definition: a,
        } => {
            let measure = id(store, &measure)?;
            let replaces = match queries::record(store.connection(), measure)?.map(|r| r.detail) {
                Some(Detail::Measure { definition }) => definition.heads,
                _ => Vec::new(),
            };
            let r = store.record(
                p,
                Event::MeasureRevised {
                    measure,
                    replaces,
                    definition: definition(a)?,
                },
            )?;
            Ok(render::recorded(&r, "measure revised"))
        }
        MeasureCommand::Record {
            measure,
            from,
            to,
            value,
            numerator,
            denominator,
            note,
        } => {
            let measure = id(store, &measure)?;
            let period_start = date(&from, "--from")?;
            let period_end = match to {
                Some(t) => date(&t, "--to")?,
                None => period_start,
            };
            let value = match (value, numerator, denominator) {
                (Some(v), None, None) => MeasurementValue::Value(v),
                (None, Some(numerator), Some(denominator)) => MeasurementValue::Ratio {
                    numerator,
                    denominator,
                },
                _ => bail!("Give either --value, or --numerator and --denominator."),
            };
            let r = store.record(
                p,
                Event::MeasurementRecorded(Measurement {
                    measure,
                    period_start,
                    period_end,
                    value,
                    note,
                }),
            )?;
            Ok(render::recorded(&r, "measurement saved"))
        }
        MeasureCommand::Show { measure } => {
            let measure = id(store, &measure)?;
            let series =
                queries::measure_series(store.connection(), measure)?.ok_or_else(|| {
                    anyhow!(
                        "{} is not a measure. `praxis overview` lists the measures.",
                        measure.short()
                    )
                })?;
            render::series(&series)
        }
    }
}

fn cycle(store: &mut Store, sel: &Option<String>, command: CycleCommand) -> Result<Output> {
    let p = context::project(store, sel)?;
    match command {
        CycleCommand::Plan {
            objective,
            questions,
            predictions,
            reasons,
            who,
            what,
            where_,
            when,
            data,
            idea,
            follows,
            scale,
        } => {
            if questions.len() != predictions.len() || questions.len() != reasons.len() {
                bail!(
                    "Give one --prediction and one --reason for each --question ({} questions, {} predictions, {} reasons).",
                    questions.len(),
                    predictions.len(),
                    reasons.len()
                );
            }
            let predictions = questions
                .into_iter()
                .zip(predictions)
                .zip(reasons)
                .map(|((question, prediction), reason)| Prediction {
                    question,
                    prediction,
                    reason,
                })
                .collect();
            let plan = Plan {
                change_idea: idea.as_deref().map(|i| id(store, i)).transpose()?,
                follows: follows.as_deref().map(|f| id(store, f)).transpose()?,
                scale: match scale {
                    ScaleArg::VerySmall => TestScale::VerySmall,
                    ScaleArg::FollowUp => TestScale::FollowUp,
                    ScaleArg::Wider => TestScale::Wider,
                    ScaleArg::Implementation => TestScale::Implementation,
                    ScaleArg::Spread => TestScale::Spread,
                },
                objective,
                predictions,
                who,
                what,
                where_,
                when: date(&when, "--when")?,
                data_to_collect: data,
            };
            let r = store.record(p, Event::CyclePlanned(plan))?;
            Ok(render::recorded(&r, "cycle planned"))
        }
        CycleCommand::Do {
            cycle,
            on,
            by,
            observations,
            problems,
            surprises,
            data,
        } => {
            let cycle = id(store, &cycle)?;
            let done = Do {
                carried_out_on: date(&on, "--on")?,
                carried_out_by: by,
                observations,
                problems,
                surprises,
                data_gathered: data,
            };
            let r = store.record(p, Event::CycleDone { cycle, done })?;
            Ok(render::recorded(&r, "Do recorded"))
        }
        CycleCommand::Study {
            cycle,
            analysis,
            compared,
            learning,
        } => {
            let cycle = id(store, &cycle)?;
            let r = store.record(
                p,
                Event::CycleStudied {
                    cycle,
                    study: Study {
                        analysis,
                        compared_with_predictions: compared,
                        learning,
                    },
                },
            )?;
            Ok(render::recorded(&r, "Study recorded"))
        }
        CycleCommand::Act {
            cycle,
            decision,
            reasons,
            changes,
            next,
        } => {
            let cycle = id(store, &cycle)?;
            let replaces = match queries::record(store.connection(), cycle)?.map(|r| r.detail) {
                Some(Detail::Cycle { act, .. }) => act.heads,
                _ => Vec::new(),
            };
            let decision = match decision {
                DecisionArg::Adopt => Decision::Adopt,
                DecisionArg::Adapt => Decision::Adapt,
                DecisionArg::Abandon => Decision::Abandon,
            };
            let r = store.record(
                p,
                Event::CycleActed {
                    cycle,
                    replaces,
                    act: Act {
                        decision,
                        reasons,
                        changes,
                        next_step: next,
                    },
                },
            )?;
            Ok(render::recorded(&r, "Act recorded"))
        }
        CycleCommand::Show { cycle } => {
            let cycle = id(store, &cycle)?;
            let view = queries::cycle(store.connection(), cycle)?.ok_or_else(|| {
                anyhow!(
                    "{} is not a cycle. `praxis overview` lists the cycles.",
                    cycle.short()
                )
            })?;
            render::cycle(&view)
        }
    }
}

fn stream_of(store: &Store, record: EventId) -> Result<praxis_core::domain::ids::StreamId> {
    queries::event(store.connection(), record)?
        .map(|e| e.stream)
        .ok_or_else(|| anyhow!("{} is not a record here.", record.short()))
}

fn correct(store: &mut Store, a: CorrectArgs) -> Result<Output> {
    let target = id(store, &a.record)?;
    let stream = stream_of(store, target)?;
    let record = queries::record(store.connection(), target)?
        .ok_or_else(|| anyhow!("{} is not a record that can be corrected.", target.short()))?;
    let replacement = if a.withdraw {
        None
    } else if let Some(json) = &a.replacement {
        Some(
            serde_json::from_str::<Replacement>(json)
                .context("--replacement is not a corrected record in JSON")?,
        )
    } else {
        Some(
            match (&record.content, a.text, a.value, a.numerator, a.denominator) {
                (Event::ObservationRecorded(o), Some(text), None, None, None) => {
                    Replacement::Observation(Observation { text, ..o.clone() })
                }
                (Event::MeasurementRecorded(m), None, Some(v), None, None) => {
                    Replacement::Measurement(Measurement {
                        value: MeasurementValue::Value(v),
                        ..m.clone()
                    })
                }
                (Event::MeasurementRecorded(m), None, None, Some(numerator), Some(denominator)) => {
                    Replacement::Measurement(Measurement {
                        value: MeasurementValue::Ratio {
                            numerator,
                            denominator,
                        },
                        ..m.clone()
                    })
                }
                (content, ..) => bail!(
                    "Say what the corrected {} is: --text for an observation, --value or --numerator/--denominator for a measurement, --replacement JSON for anything else, or --withdraw.",
                    content.kind().name()
                ),
            },
        )
    };
    let withdrawn = replacement.is_none();
    let r = store.record(
        stream,
        Event::Correction {
            corrects: target,
            reason: a.reason,
            replacement,
        },
    )?;
    Ok(render::recorded(
        &r,
        if withdrawn {
            "record withdrawn"
        } else {
            "correction saved"
        },
    ))
}

fn import(store: &mut Store, sel: &Option<String>, file: &std::path::Path) -> Result<Output> {
    let p = context::project(store, sel)?;
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?,
    );
    let mut events = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line =
            line.with_context(|| format!("cannot read line {} of {}", n + 1, file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let event: Event = serde_json::from_str(&line).with_context(|| {
            format!(
                "line {} of {} is not a Praxis event in JSON; nothing was imported",
                n + 1,
                file.display()
            )
        })?;
        events.push(event);
    }
    let count = events.len();
    let recorded: Vec<Recorded> = store
        .record_all(p, events)
        .context("Nothing was imported")?;
    Ok(Output::new(
        serde_json::json!({ "imported": recorded.len(), "ids": recorded.iter().map(|r| r.id).collect::<Vec<_>>() }),
        format!("Imported {count} events."),
    ))
}
