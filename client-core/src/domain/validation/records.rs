//! What makes the content of each record acceptable on its own: fields filled in,
//! numbers finite and in range, and what a record names existing in the views.

use super::*;

pub(super) fn evidence_sources(sources: &[EvidenceSource]) -> Result<(), Refusal> {
    if sources.is_empty() {
        return refuse(
            "No evidence source is given.",
            "Name at least one source: research or practice knowledge.",
        );
    }
    for s in sources {
        required("evidence source's citation", &s.citation)?;
    }
    Ok(())
}

pub(super) fn measure_definition(d: &MeasureDefinition) -> Result<(), Refusal> {
    required("measure's name", &d.name)?;
    required("operational definition", &d.operational_definition)?;
    match &d.unit {
        MeasureUnit::Unit(u) => required("unit", u)?,
        MeasureUnit::Ratio {
            numerator,
            denominator,
        } => {
            required("numerator", numerator)?;
            required("denominator", denominator)?;
        }
    }
    if let Some(t) = d.target {
        finite("target", t)?;
    }
    Ok(())
}

pub(super) fn measurement(views: &mut impl Views, m: &Measurement) -> Result<(), Refusal> {
    let record = existing(views, m.measure, "measure", EventKind::MeasureDefined)?;
    if m.period_end < m.period_start {
        return refuse(
            format!(
                "The period ends ({}) before it starts ({}).",
                m.period_end, m.period_start
            ),
            "Give the first and last day of the period measured.",
        );
    }
    let Some(definition) = record.measure_definition() else {
        return refuse(
            format!("Measure '{}' has conflicting definitions.", record.title()),
            "Resolve the conflict first (praxis resolve).",
        );
    };
    match (&definition.unit, &m.value) {
        (MeasureUnit::Unit(_), MeasurementValue::Value(v)) => finite("value", *v)?,
        (
            MeasureUnit::Ratio { .. },
            MeasurementValue::Ratio {
                numerator,
                denominator,
            },
        ) => {
            finite("numerator", *numerator)?;
            finite("denominator", *denominator)?;
            if *denominator <= 0.0 || *numerator < 0.0 || numerator > denominator {
                return refuse(
                    format!("{numerator} out of {denominator} is not a proportion."),
                    "Give a denominator above 0 and a numerator from 0 up to the denominator.",
                );
            }
        }
        (MeasureUnit::Unit(u), MeasurementValue::Ratio { .. }) => {
            return refuse(
                format!(
                    "Measure '{}' is counted in {u}, not as a numerator and denominator.",
                    record.title()
                ),
                "Give a single value.",
            );
        }
        (
            MeasureUnit::Ratio {
                numerator,
                denominator,
            },
            MeasurementValue::Value(_),
        ) => {
            return refuse(
                format!(
                    "Measure '{}' is a proportion ({numerator} / {denominator}).",
                    record.title()
                ),
                "Give the numerator and the denominator.",
            );
        }
    }
    Ok(())
}

pub(super) fn change_idea(
    idea: &ChangeIdea,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    required("title", &idea.title)?;
    if idea.evidence.is_empty() {
        return refuse(
            "The change idea is not linked to any evidence.",
            "Link it to a change-package item or name a source.",
        );
    }
    for link in &idea.evidence {
        match link {
            EvidenceLink::Source(s) => required("evidence source's citation", &s.citation)?,
            EvidenceLink::PackageItem(item) => {
                if !collaborative.is_some_and(|c| c.package_items.contains(item)) {
                    return refuse(
                        format!(
                            "There is no change-package item {} in the collaborative.",
                            item.short()
                        ),
                        "Check the id (praxis collaborative show lists the change package).",
                    );
                }
            }
        }
    }
    Ok(())
}

pub(super) fn plan(views: &mut impl Views, plan: &Plan) -> Result<(), Refusal> {
    required("objective", &plan.objective)?;
    if plan.predictions.is_empty() {
        return refuse(
            "The Plan has no question and prediction.",
            "Say what you expect to happen, and why.",
        );
    }
    for p in &plan.predictions {
        required("question", &p.question)?;
        required("prediction", &p.prediction)?;
        required(
            &format!("reason for the prediction '{}'", p.prediction),
            &p.reason,
        )?;
    }
    required("who", &plan.who)?;
    required("what", &plan.what)?;
    required("where", &plan.where_)?;
    required("data to collect", &plan.data_to_collect)?;
    if let Some(idea) = plan.change_idea {
        existing(views, idea, "change idea", EventKind::ChangeIdeaProposed)?;
    }
    if let Some(follows) = plan.follows {
        existing_cycle(views, follows, "follow-up cycle")?;
    }
    Ok(())
}

pub(super) fn done(done: &Do) -> Result<(), Refusal> {
    required("name of who carried it out", &done.carried_out_by)?;
    required("observations", &done.observations)
}

pub(super) fn study(study: &Study) -> Result<(), Refusal> {
    required(
        "comparison with the predictions",
        &study.compared_with_predictions,
    )?;
    required("learning", &study.learning)
}

/// A pseudonymous reference: short, no spaces, with a number in it ("P-0413"), so a
/// name is not written by mistake.
pub fn pseudonymous(subject: &str) -> bool {
    !subject.is_empty()
        && subject.len() <= 32
        && !subject.chars().any(char::is_whitespace)
        && subject.chars().any(|c| c.is_ascii_digit())
}

pub(super) fn observation(views: &mut impl Views, o: &Observation) -> Result<(), Refusal> {
    required("observation", &o.text)?;
    if let Some(cycle) = o.cycle {
        existing_cycle(views, cycle, "observation linked to a cycle")?;
    }
    if let Some(subject) = &o.subject
        && !pseudonymous(subject)
    {
        return refuse(
            format!("'{subject}' does not look like a pseudonymous reference."),
            "Refer to the person by a reference such as P-0413 (no spaces, with a number), not by name.",
        );
    }
    Ok(())
}

pub(super) fn action_plan_entry(a: &ActionPlanEntry) -> Result<(), Refusal> {
    required("'Where are we now?'", &a.where_are_we_now)?;
    required(
        "'What do we want to achieve?'",
        &a.what_do_we_want_to_achieve,
    )?;
    required("'How will we get there?'", &a.how_will_we_get_there)?;
    required(
        "'Who needs to take what action?'",
        &a.who_needs_to_take_what_action,
    )?;
    required("timescales", &a.timescales)
}

pub(super) fn learning_log_entry(l: &LearningLogEntry) -> Result<(), Refusal> {
    required("learning points", &l.learning_points)?;
    required("action points", &l.action_points)?;
    required("responsibility", &l.responsibility)
}

pub(super) fn on_scale(
    score: Score,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    let Some(c) = collaborative else {
        return refuse(
            "The collaborative's progress scale is not on this device.",
            "Sync the collaborative's stream first.",
        );
    };
    if c.scale.level(score).is_none() {
        return refuse(
            format!(
                "{score} is not on the {} (version {}).",
                c.scale.name, c.scale.version
            ),
            format!("Choose one of: {}.", c.scale.scores()),
        );
    }
    Ok(())
}

pub(super) fn monthly_report(
    r: &MonthlyReport,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    if r.month.day() != 1 {
        return refuse(
            format!("{} is not the first day of a month.", r.month),
            "Give the month reported on as its first day (for example 2026-03-01).",
        );
    }
    required("measures section", &r.measures)?;
    required("cycles section", &r.cycles)?;
    required("learning section", &r.learning)?;
    on_scale(r.self_score, collaborative)
}

pub(super) fn manager_decision(
    views: &mut impl Views,
    decision: &str,
    rationale: &str,
    rests_on: &[EventId],
) -> Result<(), Refusal> {
    required("decision", decision)?;
    required("rationale", rationale)?;
    if rests_on.is_empty() {
        return refuse(
            "The decision names no records it rests on.",
            "Name the reports, cycles or measures behind it.",
        );
    }
    for id in rests_on {
        if views.record(*id).is_none() {
            return refuse(
                format!(
                    "The decision rests on {}, which is not a record of this project.",
                    id.short()
                ),
                "Check the id (praxis overview lists the records).",
            );
        }
    }
    Ok(())
}

pub(super) fn correction(
    views: &mut impl Views,
    corrects: EventId,
    reason: &str,
    replacement: Option<&Replacement>,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    required("reason for the correction", reason)?;
    let Some(record) = views.record(corrects) else {
        return refuse(
            format!("There is no record {} to correct.", corrects.short()),
            "Check the id (praxis history shows a record's id).",
        );
    };
    if matches!(
        record.detail,
        Detail::Collaborative { .. } | Detail::Project { .. } | Detail::Measure { .. }
    ) {
        return refuse(
            format!("A {} is not corrected but revised.", record.kind.name()),
            "Revise it instead (praxis charter, praxis measure revise, praxis collaborative schedule).",
        );
    }
    let Some(replacement) = replacement else {
        return Ok(());
    };
    let Some(corrected) = record.content.corrected_by(replacement) else {
        return refuse(
            format!(
                "The correction does not match the record: {} is a {}.",
                corrects.short(),
                record.kind.name()
            ),
            "Give the corrected content of the same kind of record.",
        );
    };
    if corrected.parent() != record.content.parent()
        || matches!((&corrected, &record.content), (Event::CyclePlanned(a), Event::CyclePlanned(b)) if a.follows != b.follows)
        || matches!((&corrected, &record.content), (Event::MonthlyReportSubmitted(a), Event::MonthlyReportSubmitted(b)) if a.month != b.month)
    {
        return refuse(
            "A correction changes what was recorded, not what it belongs to.",
            "Keep the same measure, cycle, report or month; withdraw the record and record a new one to move it.",
        );
    }
    match &corrected {
        Event::ChangePackageItemAdded(i) => {
            required("title", &i.title)?;
            evidence_sources(&i.evidence)
        }
        Event::MeasurementRecorded(m) => measurement(views, m),
        Event::ChangeIdeaProposed(i) => change_idea(i, collaborative),
        Event::CyclePlanned(p) => plan(views, p),
        Event::CycleDone { done: d, .. } => done(d),
        Event::CycleStudied { study: s, .. } => study(s),
        Event::ObservationRecorded(o) => observation(views, o),
        Event::ActionPlanEntryAdded(a) => action_plan_entry(a),
        Event::LearningLogEntryAdded(l) => learning_log_entry(l),
        Event::MonthlyReportSubmitted(r) => monthly_report(r, collaborative),
        Event::CoordinatorScoreGiven {
            score,
            justification,
            ..
        } => {
            on_scale(*score, collaborative)?;
            required("justification of the score", justification)
        }
        Event::ManagerDecisionRecorded {
            decision,
            rationale,
            rests_on,
        } => manager_decision(views, decision, rationale, rests_on),
        _ => Ok(()),
    }
}

pub(super) fn resolution(
    views: &mut impl Views,
    subject: EventId,
    settles: &[EventId],
    keep: EventId,
    reason: &str,
    mode: Mode,
) -> Result<(), Refusal> {
    required("reason for the resolution", reason)?;
    let Some(record) = views.record(subject) else {
        return refuse(
            format!("There is no record {}.", subject.short()),
            "Check the id (praxis conflicts lists them).",
        );
    };
    let heads = match &record.detail {
        Detail::Collaborative { schedule, .. } => schedule.heads.clone(),
        Detail::Project { charter, .. } => charter.heads.clone(),
        Detail::Measure { definition } => definition.heads.clone(),
        Detail::Cycle { act, .. } => act.heads.clone(),
        Detail::Plain | Detail::Report { .. } | Detail::Quarantine { .. } => Vec::new(),
    };
    if heads.len() < 2 && mode == Mode::Device {
        return refuse(
            format!("There is no open conflict on {}.", record.title()),
            "praxis conflicts lists the open conflicts.",
        );
    }
    let mut named = settles.to_vec();
    named.sort();
    named.dedup();
    if mode == Mode::Replica {
        // Another version may have arrived since the author resolved: the resolution
        // must only name versions of this thing, and keep one of them.
        let versions: Vec<EventId> = match &record.detail {
            Detail::Collaborative { schedule, .. } => {
                schedule.versions.iter().map(|v| v.stamp.event).collect()
            }
            Detail::Project { charter, .. } => {
                charter.versions.iter().map(|v| v.stamp.event).collect()
            }
            Detail::Measure { definition } => {
                definition.versions.iter().map(|v| v.stamp.event).collect()
            }
            Detail::Cycle { act, .. } => act.versions.iter().map(|v| v.stamp.event).collect(),
            Detail::Plain | Detail::Report { .. } | Detail::Quarantine { .. } => Vec::new(),
        };
        if named.len() < 2 || !named.iter().all(|n| versions.contains(n)) || !named.contains(&keep)
        {
            return refuse(
                "The resolution names versions that are not versions of this record.",
                "Name the conflicting versions and keep one of them.",
            );
        }
        return Ok(());
    }
    if named != heads {
        let list = heads
            .iter()
            .map(|h| h.short())
            .collect::<Vec<_>>()
            .join(", ");
        return refuse(
            "The resolution must name every conflicting version, and only those.",
            format!("Name these versions: {list}."),
        );
    }
    if !heads.contains(&keep) {
        return refuse(
            format!("{} is not one of the conflicting versions.", keep.short()),
            "Keep one of the versions the resolution names.",
        );
    }
    Ok(())
}
