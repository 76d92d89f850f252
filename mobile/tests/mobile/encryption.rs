//! The device store at rest, through the phone-facing API: the file holds none of the
//! recorded text in the clear, a wrong key is refused and changes nothing, and nothing
//! is lost across reopenings. Also: a person can use Praxis with no server, for good.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::store::{Store, StoreError, StoreKey};
use praxis_mobile::*;
use praxis_testkit::clear_text::{contains, with_bytes};
use std::path::{Path, PathBuf};

const SECRET: &str = "Mrs Q's neighbour keeps the spare key under the blue pot";
const SUBJECT: &str = "P-7731-QUINCE";

fn key() -> Vec<u8> {
    generate_key().unwrap()
}

/// A new encrypted store in its own temporary directory: the directory (kept until
/// the test ends), the store's path, its key and the store.
fn new_store() -> (
    tempfile::TempDir,
    PathBuf,
    Vec<u8>,
    std::sync::Arc<PraxisStore>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.sqlite3");
    let key = key();
    let store =
        PraxisStore::create(path.display().to_string(), "Asha Patel".into(), key.clone()).unwrap();
    (dir, path, key, store)
}

/// Every file of the store (the database, its write-ahead log and index), in bytes.
fn files(path: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    with_bytes(
        ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| PathBuf::from(format!("{}{suffix}", path.display()))),
    )
}

fn observation(text: &str) -> ObservationInput {
    ObservationInput {
        text: text.into(),
        case_material: true,
        cycle_id: None,
        subject: Some(SUBJECT.into()),
        observed_on: Some("2026-03-11".into()),
    }
}

/// A store with a collaborative and a project; returns the project's id.
fn project(store: &PraxisStore) -> String {
    store
        .found_collaborative(
            "Independence at home".into(),
            "Promoting independence".into(),
            "The service users' forum".into(),
        )
        .unwrap();
    store
        .start_project(
            None,
            "Northside".into(),
            "Northshire CC".into(),
            "Positive risk plans".into(),
        )
        .unwrap()
        .stream_id
}

#[test]
fn the_store_file_holds_none_of_the_recorded_text_in_the_clear() {
    let (dir, path, _key, store) = new_store();
    let p = project(&store);
    store
        .record_observation(p.clone(), observation(SECRET))
        .unwrap();
    // Read while open (the write-ahead log holds the newest pages) and after closing.
    let open_files = files(&path);
    drop(store);
    for (file, bytes) in open_files.iter().chain(files(&path).iter()) {
        for text in [
            SECRET,
            SUBJECT,
            "Asha Patel",
            "Northside",
            "SQLite format 3",
        ] {
            assert!(
                !contains(bytes, text),
                "{} holds '{text}' in the clear",
                file.display()
            );
        }
    }

    // The same record in a plain store is there to be read: the check above can fail.
    let plain = dir.path().join("plain.sqlite3");
    let mut store = Store::create(&plain, "Asha Patel").unwrap();
    store
        .found_collaborative(praxis_core::domain::event::CollaborativeFounded {
            name: SECRET.into(),
            topic: "Promoting independence".into(),
            chosen_with: "The service users' forum".into(),
        })
        .unwrap();
    drop(store);
    assert!(files(&plain).iter().any(|(_, b)| contains(b, SECRET)));
}

#[test]
fn a_wrong_key_is_refused_cleanly_and_changes_nothing() {
    let (_dir, path, right, store) = new_store();
    let p = project(&store);
    store
        .record_observation(p.clone(), observation(SECRET))
        .unwrap();
    drop(store);
    let before = files(&path);

    let wrong = key();
    let error = PraxisStore::open(path.display().to_string(), wrong)
        .err()
        .unwrap();
    assert!(matches!(error, PraxisError::WrongKey(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("key"), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");
    assert!(!message.contains("file is not a database"), "{message}");

    let error = PraxisStore::open(path.display().to_string(), vec![7; 16])
        .err()
        .unwrap();
    assert!(matches!(error, PraxisError::BadKey(_)), "{error:?}");
    assert!(error.to_string().contains("32 bytes"), "{error}");

    // Without any key (as plain SQLite) it is not a store either.
    let error = Store::open(&path).err().unwrap();
    assert!(matches!(error, StoreError::NotAStore(..)), "{error:?}");

    assert_eq!(
        files(&path),
        before,
        "a refused open changed the store's files"
    );
    let store = PraxisStore::open(path.display().to_string(), right).unwrap();
    let p = store.projects().unwrap()[0].id.clone();
    assert_eq!(store.overview(p).unwrap().events, 2);
}

#[test]
fn nothing_is_lost_across_reopenings() {
    let (_dir, path, key, store) = new_store();
    let p = project(&store);
    drop(store);
    let mut texts = Vec::new();
    for round in 0..6 {
        let store = PraxisStore::open(path.display().to_string(), key.clone()).unwrap();
        assert_eq!(store.identity().unwrap().name, "Asha Patel");
        let cycle = store
            .plan_cycle(
                p.clone(),
                PlanInput {
                    change_idea_id: None,
                    follows_id: None,
                    scale: TestScale::VerySmall,
                    objective: format!("Test {round}"),
                    predictions: vec![PredictionInput {
                        question: "Will it help?".into(),
                        prediction: "Yes".into(),
                        reason: "It did elsewhere".into(),
                    }],
                    who: "Asha".into(),
                    what: "The guide".into(),
                    place: "Home visits".into(),
                    when: "2026-03-10".into(),
                    data_to_collect: "Plans agreed".into(),
                },
            )
            .unwrap();
        let text = format!("Round {round}: the plan was agreed");
        let mut o = observation(&text);
        o.cycle_id = Some(cycle.id.clone());
        store.record_observation(p.clone(), o).unwrap();
        texts.push((cycle.id, text));
        // Every round's records are there, whatever happened before.
        for (cycle, text) in &texts {
            let detail = store.cycle(cycle.clone()).unwrap();
            assert_eq!(detail.observations.len(), 1);
            assert_eq!(&detail.observations[0].text, text);
        }
        assert_eq!(store.overview(p.clone()).unwrap().cycles.len(), round + 1);
        // Offline: everything waits to sync.
        assert_eq!(store.waiting_to_sync().unwrap(), 2 + 2 * (round as u64 + 1));
    }
    // The client core opens it with the same key and sees the same.
    let core = Store::open_encrypted(&path, &StoreKey::from_bytes(&key).unwrap()).unwrap();
    assert_eq!(core.identity().name, "Asha Patel");
}

/// With no server at all: every kind of record, every read, forever; a sync says the
/// device is not enrolled and changes nothing.
#[test]
fn a_person_can_use_praxis_offline_with_no_server() {
    let (_dir, path, key, store) = new_store();
    assert_eq!(store.identity().unwrap().server, None);
    let p = project(&store);
    let measure = store
        .define_measure(
            p.clone(),
            MeasureInput {
                name: "Plans agreed".into(),
                kind: MeasureKind::Outcome,
                operational_definition: "Assessments with a plan agreed".into(),
                unit: None,
                numerator: Some("with a plan".into()),
                denominator: Some("assessments".into()),
                direction: Direction::HigherIsBetter,
                target: Some(75.0),
                frequency: Frequency::Weekly,
            },
        )
        .unwrap();
    // Twelve weeks of values, the last six all above the first six: a shift.
    for week in 0..12u32 {
        let start = time::Date::from_calendar_date(2026, time::Month::January, 5).unwrap()
            + time::Duration::weeks(week as i64);
        let end = start + time::Duration::days(6);
        let numerator = if week < 6 {
            2.0 + (week % 2) as f64
        } else {
            8.0 + (week % 2) as f64
        };
        store
            .record_measurement(
                p.clone(),
                MeasurementInput {
                    measure_id: measure.id.clone(),
                    period_start: start.to_string(),
                    period_end: end.to_string(),
                    value: None,
                    numerator: Some(numerator),
                    denominator: Some(10.0),
                    note: String::new(),
                },
            )
            .unwrap();
    }
    let cycle = store
        .plan_cycle(
            p.clone(),
            PlanInput {
                change_idea_id: None,
                follows_id: None,
                scale: TestScale::VerySmall,
                objective: "Try a risk conversation guide".into(),
                predictions: vec![PredictionInput {
                    question: "Will people take part?".into(),
                    prediction: "Yes".into(),
                    reason: "It starts from what matters to them".into(),
                }],
                who: "A. Lee".into(),
                what: "Use the guide".into(),
                place: "Home visits".into(),
                when: "2026-03-10".into(),
                data_to_collect: "Whether a plan was agreed".into(),
            },
        )
        .unwrap();
    // Study before Do is refused, and nothing is written.
    let study = StudyInput {
        analysis: "2 of 2".into(),
        compared_with_predictions: "As predicted".into(),
        learning: "The guide helps".into(),
    };
    let refused = store
        .record_study(p.clone(), cycle.id.clone(), study.clone())
        .err()
        .unwrap();
    assert!(matches!(refused, PraxisError::Refused(_)), "{refused:?}");
    store
        .record_do(
            p.clone(),
            cycle.id.clone(),
            DoInput {
                carried_out_on: "2026-03-11".into(),
                carried_out_by: "A. Lee".into(),
                observations: "Both engaged".into(),
                problems: String::new(),
                surprises: String::new(),
                data_gathered: "2 plans".into(),
            },
        )
        .unwrap();
    store
        .record_study(p.clone(), cycle.id.clone(), study)
        .unwrap();
    store
        .record_act(
            p.clone(),
            cycle.id.clone(),
            ActInput {
                decision: Decision::Adopt,
                reasons: "Worked on both visits".into(),
                changes: "Use it on every first visit".into(),
                next_step: "Spread to Riverside".into(),
            },
        )
        .unwrap();
    store
        .record_observation(p.clone(), observation("A note"))
        .unwrap();
    store
        .add_action_plan_entry(
            p.clone(),
            ActionPlanInput {
                where_are_we_now: "A fifth".into(),
                what_do_we_want_to_achieve: "Three quarters".into(),
                how_will_we_get_there: "The guide".into(),
                who_needs_to_take_what_action: "Asha".into(),
                timescales: "June".into(),
            },
        )
        .unwrap();
    store
        .add_learning_log_entry(
            p.clone(),
            LearningLogInput {
                learning_points: "Families help".into(),
                action_points: "Invite them".into(),
                responsibility: "Asha".into(),
                implement_by: "2026-04-30".into(),
            },
        )
        .unwrap();
    store
        .submit_monthly_report(
            p.clone(),
            MonthlyReportInput {
                month: "2026-03".into(),
                measures: "Up".into(),
                cycles: "One".into(),
                learning: "The guide helps".into(),
                barriers: "Time".into(),
                plans: "Spread".into(),
                self_score: "3.0".into(),
            },
        )
        .unwrap();
    drop(store);

    let store = PraxisStore::open(path.display().to_string(), key).unwrap();
    let projects = store.projects().unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].team, "Northside");
    let overview = store.overview(p.clone()).unwrap();
    assert_eq!(overview.measures.len(), 1);
    assert_eq!(overview.measures[0].measurements, 12);
    assert_eq!(overview.measures[0].latest_value, Some(90.0));
    assert_eq!(overview.monthly_reports, 1);
    assert_eq!(overview.cycles.len(), 1);
    assert_eq!(overview.cycles[0].stage, "act: adopt");
    let detail = store.cycle(cycle.id.clone()).unwrap();
    assert_eq!(detail.dos.len(), 1);
    assert_eq!(detail.act.unwrap().decision, Decision::Adopt);
    let series = store.measure(measure.id.clone(), 0).unwrap();
    assert_eq!(series.points.len(), 12);
    assert!(series.proportion);
    assert!(
        series.signals.iter().any(|s| s.chart == "xmr"
            && s.rule == "outside the limits"
            && s.label == "outside the limits (improvement) on the XmR chart"
            && s.reading.as_deref() == Some("improvement")),
        "{:?} {:?} {:?}",
        series.signals,
        series.warnings,
        series.median
    );
    let recent = store.measure(measure.id, 4).unwrap();
    assert_eq!(recent.points.len(), 4);
    assert_eq!(recent.points[3].value, 90.0);
    assert!(store.conflicts().unwrap().is_empty());
    let waiting = store.waiting_to_sync().unwrap();
    // The report brings the level its evidence suggested with it.
    assert_eq!(waiting, 2 + 1 + 12 + 4 + 4 + 1);
    // The same, stream by stream: everything here is in the collaborative or the
    // project, and the project holds all but the collaborative's founding.
    let by_stream = store.waiting_by_stream().unwrap();
    assert_eq!(by_stream.len(), 2, "{by_stream:?}");
    assert_eq!(by_stream.iter().map(|w| w.records).sum::<u64>(), waiting);
    assert!(
        by_stream
            .iter()
            .all(|w| !w.name.is_empty() && w.records > 0)
    );

    let error = store
        .sync(std::sync::Arc::new(crate::Quiet), CancelToken::new())
        .err()
        .unwrap();
    assert!(matches!(error, PraxisError::NotEnrolled(_)), "{error:?}");
    assert!(error.to_string().contains("enrol"), "{error}");
    assert_eq!(store.waiting_to_sync().unwrap(), waiting);
}
