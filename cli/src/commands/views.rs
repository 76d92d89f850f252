//! What the store holds, read from the client core's views: `status`, `project list`,
//! `overview`, `conflicts`, `feed` and `history`. Reads only: nothing is recorded here.

use crate::context::{self, id};
use crate::render::{self, Output, VersionShown};
use anyhow::{Result, anyhow};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::queries;
use praxis_mobile::PraxisStore;

pub fn status(device: &PraxisStore) -> Result<Output> {
    let waiting = device.waiting_by_stream()?;
    let enrolled = device.server_url().is_ok();
    device.read(|store| {
        let streams = queries::streams(store.connection())?
            .into_iter()
            .map(|s| Ok((queries::summary(store.connection(), s.id)?, s)))
            .collect::<Result<Vec<_>>>()?;
        render::status(
            store.identity(),
            store.path(),
            &streams,
            (&waiting, enrolled),
        )
    })
}

pub fn projects(device: &PraxisStore) -> Result<Output> {
    let projects: Vec<_> = device
        .read(|store| queries::streams(store.connection()))?
        .into_iter()
        .filter(|s| s.kind == StreamKind::Project)
        .collect();
    render::projects(&projects)
}

pub fn overview(device: &PraxisStore, sel: &Option<String>) -> Result<Output> {
    let (overview, charts) = device.read(|store| -> Result<_> {
        let p = context::project(store, sel)?;
        let overview = queries::project_overview(store.connection(), p)?;
        let mut charts = Vec::new();
        for m in &overview.measures {
            charts.extend(queries::measure_chart(store.connection(), m.id, &[])?);
        }
        Ok((overview, charts))
    })?;
    render::overview(&overview, &charts)
}

/// Every open conflict on this device, with when and by whom each version was recorded.
pub fn conflicts(device: &PraxisStore) -> Result<Output> {
    let (open, names) = device.read(|store| -> Result<_> {
        let mut open = Vec::new();
        for s in queries::streams(store.connection())? {
            for c in queries::summary(store.connection(), s.id)?.conflicts {
                let mut versions = Vec::new();
                for v in &c.versions {
                    if let Some(e) = queries::event(store.connection(), *v)? {
                        versions.push(VersionShown {
                            id: *v,
                            recorded_at: e.recorded_at,
                            author: e.author,
                        });
                    }
                }
                open.push((s.name.clone(), c, versions));
            }
        }
        Ok((open, queries::person_names(store.connection())?))
    })?;
    render::conflicts(&open, &names)
}

pub fn feed(device: &PraxisStore, sel: &Option<String>, limit: u32) -> Result<Output> {
    let items = device.read(|store| -> Result<_> {
        let p = context::project(store, sel)?;
        Ok(queries::feed(store.connection(), p, limit)?)
    })?;
    render::feed(&items)
}

pub fn history(device: &PraxisStore, text: &str) -> Result<Output> {
    let (history, names) = device.read(|store| -> Result<_> {
        let i = id(store, text)?;
        let history = queries::history(store.connection(), i)?
            .ok_or_else(|| anyhow!("{} is not a record here.", i.short()))?;
        Ok((history, queries::person_names(store.connection())?))
    })?;
    render::history(&history, &names)
}
