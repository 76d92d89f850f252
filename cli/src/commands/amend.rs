//! Putting records right: `correct`, `resolve`, `import` and `rebuild`. The checks
//! and the records are `PraxisStore`'s; this reads the arguments and the file.

use crate::args::{CorrectArgs, HeldCommand, ResolveArgs};
use crate::context::{self, project_id, record_id};
use crate::render::{self, Output};
use anyhow::{Context as _, Result, bail};
use praxis_core::domain::event::EventKind;
use praxis_core::store::queries;
use praxis_mobile::{CorrectionInput, PraxisStore};
use std::path::Path;

pub fn correct(device: &PraxisStore, a: CorrectArgs) -> Result<Output> {
    let target = record_id(device, &a.record)?;
    match &a.replacement {
        Some(json) => {
            serde_json::from_str::<serde_json::Value>(json)
                .context("--replacement is not a corrected record in JSON")?;
        }
        None if !a.withdraw => says_what_the_correction_is(device, &a)?,
        None => {}
    }
    let withdrawn = a.withdraw;
    let r = device.correct(
        target,
        CorrectionInput {
            reason: a.reason,
            withdraw: a.withdraw,
            text: a.text,
            value: a.value,
            numerator: a.numerator,
            denominator: a.denominator,
            replacement_json: a.replacement,
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

/// Whether the flags given fit the record corrected (`--text` an observation, `--value`
/// or `--numerator`/`--denominator` a measurement), so a mismatch is told in flags.
fn says_what_the_correction_is(device: &PraxisStore, a: &CorrectArgs) -> Result<()> {
    let kind = device.read(|store| -> Result<_> {
        let target = context::id(store, &a.record)?;
        Ok(queries::record(store.connection(), target)?.map(|r| r.content.kind()))
    })?;
    let fits = match kind {
        Some(EventKind::ObservationRecorded) => {
            a.text.is_some() && a.value.is_none() && a.numerator.is_none()
        }
        Some(EventKind::MeasurementRecorded) => {
            a.text.is_none() && (a.value.is_some() != a.numerator.is_some())
        }
        _ => false,
    };
    match kind {
        Some(kind) if !fits => bail!(
            "Say what the corrected {} is: --text for an observation, --value or --numerator/--denominator for a measurement, --replacement JSON for anything else, or --withdraw.",
            kind.name()
        ),
        _ => Ok(()),
    }
}

pub fn resolve(device: &PraxisStore, a: ResolveArgs) -> Result<Output> {
    let subject = record_id(device, &a.subject)?;
    let keep = record_id(device, &a.keep)?;
    let r = device.resolve_conflict(subject, keep, a.reason)?;
    Ok(render::recorded(&r, "conflict resolved"))
}

/// Lists the records the server held back, or withdraws or releases one.
pub fn held(device: &PraxisStore, all: bool, action: Option<HeldCommand>) -> Result<Output> {
    match action {
        None => render::held(&device.held_back(all)?),
        Some(HeldCommand::Withdraw { id, reason }) => {
            let r = device.withdraw_held(record_id(device, &id)?, reason)?;
            Ok(render::recorded(&r, "held-back record withdrawn"))
        }
        Some(HeldCommand::Release { id, reason }) => {
            let r = device.release_held(record_id(device, &id)?, reason)?;
            Ok(render::recorded(&r, "held-back record released"))
        }
    }
}

/// Imports a file of events, one Praxis event in JSON a line: all, or none.
pub fn import(device: &PraxisStore, sel: &Option<String>, file: &Path) -> Result<Output> {
    let p = project_id(device, sel)?;
    let lines =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let recorded = device.import_events(p, file.display().to_string(), lines)?;
    Ok(Output::new(
        serde_json::json!({
            "imported": recorded.len(),
            "ids": recorded.iter().map(|r| &r.id).collect::<Vec<_>>(),
        }),
        format!("Imported {} events.", recorded.len()),
    ))
}

pub fn rebuild(device: &PraxisStore) -> Result<Output> {
    let n = device.rebuild_views()?;
    Ok(Output::new(
        serde_json::json!({ "events": n }),
        format!("Views rebuilt from {n} events."),
    ))
}
