//! The collaborative: its view, schedule, progress scale and change package. The
//! phases and levels are read from their `KIND:START:END` and `SCORE=MEANING` forms
//! here; each record goes through `PraxisStore`.

use crate::args::CollaborativeCommand;
use crate::context::{self, collaborative_id, date};
use crate::render::{self, Output};
use anyhow::{Result, anyhow, bail};
use praxis_core::store::queries;
use praxis_mobile::{
    ChangePackageItemInput, EvidenceInput, PhaseInput, PhaseKind, PraxisStore, ProgressLevelInput,
    ProgressScaleInput,
};

pub fn run(
    device: &PraxisStore,
    sel: &Option<String>,
    command: CollaborativeCommand,
) -> Result<Output> {
    match command {
        CollaborativeCommand::Found {
            name,
            topic,
            chosen_with,
        } => {
            let r = device.found_collaborative(name.clone(), topic, chosen_with)?;
            let id = render::short(&r.stream_id);
            Ok(Output::new(
                render::recorded_json(&r),
                format!(
                    "Collaborative '{name}' founded: {id}.\nNext: `praxis project start --team ... --organisation ... --title ...`."
                ),
            ))
        }
        CollaborativeCommand::Show => {
            let view = device.read(|store| -> Result<_> {
                let c = context::collaborative(store, sel)?;
                queries::collaborative(store.connection(), c)?
                    .ok_or_else(|| anyhow!("The collaborative is not founded yet."))
            })?;
            render::collaborative(&view)
        }
        CollaborativeCommand::Schedule { phases } => {
            let c = collaborative_id(device, sel)?;
            let phases = phases
                .iter()
                .map(|p| phase(p))
                .collect::<Result<Vec<_>>>()?;
            let r = device.set_schedule(Some(c), phases)?;
            Ok(render::recorded(&r, "schedule saved"))
        }
        CollaborativeCommand::Scale {
            version,
            name,
            levels,
        } => {
            let c = collaborative_id(device, sel)?;
            let levels = levels
                .iter()
                .map(|l| {
                    let (s, meaning) = l.split_once('=').ok_or_else(|| {
                        anyhow!("'{l}' is not SCORE=MEANING, for example '2.5=Changes tested'")
                    })?;
                    context::score(s)?;
                    Ok(ProgressLevelInput {
                        score: s.to_string(),
                        meaning: meaning.trim().to_string(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let r = device.adopt_progress_scale(
                Some(c),
                ProgressScaleInput {
                    version,
                    name,
                    levels,
                },
            )?;
            Ok(render::recorded(&r, "progress scale adopted"))
        }
        CollaborativeCommand::PackageItem {
            title,
            description,
            research,
            practice,
        } => {
            let c = collaborative_id(device, sel)?;
            let r = device.add_change_package_item(
                Some(c),
                ChangePackageItemInput {
                    title,
                    description,
                    evidence: EvidenceInput { research, practice },
                },
            )?;
            Ok(render::recorded(&r, "change package item saved"))
        }
    }
}

/// A phase as `KIND:START:END`, for example `ls1:2026-01-12:2026-01-12`.
fn phase(text: &str) -> Result<PhaseInput> {
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
        k if k.starts_with("ls") => PhaseKind::LearningSession {
            number: number(&k[2..])?,
        },
        k if k.starts_with("ap") => PhaseKind::ActionPeriod {
            number: number(&k[2..])?,
        },
        other => bail!("'{other}' is not a phase: use prework, ls1..ls9, ap1..ap9 or closing"),
    };
    date(starts, "the phase's start")?;
    date(ends, "the phase's end")?;
    Ok(PhaseInput {
        kind,
        starts: starts.to_string(),
        ends: ends.to_string(),
    })
}
