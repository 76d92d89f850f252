//! `praxis audit`: the auditor's commands. All but `verify` read from the server with
//! this enrolled device's token (the auditor role is needed there); `verify` checks an
//! audit bundle with no server, no network and no store.

mod text;

use crate::exit::Exit;
use crate::render::Output;
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use praxis_core::audit::bundle;
use praxis_core::protocol::audit::{AsItStood, DecisionContext, Decisions, Integrity, Timeline};
use praxis_core::store::{Store, queries};
use praxis_core::sync::{Retry, Server};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Every event (author, role, device, device time, when it reached the office,
    /// content; late arrivals marked) and every read of the records, in the order they
    /// reached the server.
    Timeline(TimelineArgs),
    /// A view as it stood at a date and time, or just after an event reached the server.
    AsItStood(AsItStoodArgs),
    /// The decisions of a stream: Acts, coordinator scores, manager decisions, resolutions.
    Decisions {
        /// The stream (a project or collaborative), by id or a word of its name.
        #[arg(long)]
        stream: String,
    },
    /// What the maker of a decision had seen when making it, and what they had not.
    Decision {
        /// The decision's event id.
        id: String,
    },
    /// Check on the server that a stream's history is intact.
    Integrity {
        #[arg(long)]
        stream: String,
    },
    /// Who read which records, and when.
    Access(AccessArgs),
    /// Download an audit bundle (the streams' changes, receipt log and manifest).
    Export {
        /// Where to write the bundle (a tar archive).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only this stream; every stream you audit by default.
        #[arg(long)]
        stream: Option<String>,
    },
    /// Check an audit bundle on this computer alone (no server, no network): says
    /// exactly what was altered if anything was.
    Verify {
        /// The bundle file.
        bundle: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    /// Only this stream, by id or a word of its name.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only this person (id, username or name).
    #[arg(long)]
    pub person: Option<String>,
    /// Only this team's projects (id or name).
    #[arg(long)]
    pub team: Option<String>,
    /// Only this cycle's events (its id).
    #[arg(long)]
    pub cycle: Option<String>,
    /// Only this kind of record (such as cycle-acted), or `access` for reads.
    #[arg(long)]
    pub kind: Option<String>,
    /// From this date (YYYY-MM-DD) or date and time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this date or date and time.
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Args, Debug)]
pub struct AsItStoodArgs {
    /// The stream, by id or a word of its name.
    #[arg(long)]
    pub stream: String,
    /// A date and time (RFC 3339, such as 2026-03-10T17:40:00Z) or a date (its end).
    #[arg(long, conflicts_with = "after", required_unless_present = "after")]
    pub at: Option<String>,
    /// An event id: the server's knowledge just after that event reached it.
    #[arg(long)]
    pub after: Option<String>,
    /// overview, cycle, measure, report or history; for a collaborative, also
    /// dashboard (every team you audit side by side, as of that moment's date).
    #[arg(long, default_value = "overview")]
    pub view: String,
    /// The record the view is of (for cycle, measure, report, history).
    #[arg(long)]
    pub id: Option<String>,
}

#[derive(Args, Debug)]
pub struct AccessArgs {
    /// Only reads of this stream, by id or a word of its name.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only reads by this person (id, username or name).
    #[arg(long)]
    pub person: Option<String>,
    /// From this date (YYYY-MM-DD) or date and time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this date or date and time.
    #[arg(long)]
    pub to: Option<String>,
}

/// A query string (`?stream=…&from=…`) of the values given, or nothing when none is.
/// Encoded by `form_urlencoded`, as the server's `Query` extractor decodes it.
fn query(pairs: &[(&str, &Option<String>)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        query
    } else {
        format!("?{query}")
    }
}

/// A stream given by id, or by a word of the name of a stream this device holds.
fn stream_id(store: &Store, text: &str) -> Result<String> {
    if let Ok(id) = uuid::Uuid::parse_str(text.trim()) {
        return Ok(id.to_string());
    }
    let found = queries::resolve_stream(store.connection(), text)?;
    match found.as_slice() {
        [one] => Ok(one.id.to_string()),
        [] => bail!(
            "No stream on this device matches '{text}'. Sync first, or give the stream's full id."
        ),
        _ => bail!("Several streams match '{text}'; give more of the name or the full id."),
    }
}

/// A record id given in full (the server's records need not be on this device).
fn record_id(text: &str) -> Result<String> {
    uuid::Uuid::parse_str(text.trim())
        .map(|u| u.to_string())
        .map_err(|_| {
            anyhow!("'{text}' is not a full record id (a UUID); copy it from the timeline")
        })
}

/// The server's answer to `path`, read as the protocol type it answers with.
fn read<T: DeserializeOwned>(server: &Server, store: &Store, path: &str) -> Result<T> {
    let bytes = server
        .read(store, path)
        .with_context(|| "the audit trail could not be read")?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the server's answer to {path} is not what this version of praxis reads; update praxis to the server's version"
        )
    })
}

/// An answer shown as the text made of it, and as itself with `--json`.
fn answer<T: Serialize>(value: &T, text: String, exit: Exit) -> Result<Output> {
    Ok(Output {
        json: serde_json::to_value(value).context("the server's answer could not be shown")?,
        text,
        exit,
    })
}

fn verify(path: &Path) -> Result<Output> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the bundle {}", path.display()))?;
    let verification = bundle::verify(&bytes)?;
    let mut text = Vec::new();
    for s in &verification.streams {
        text.push(format!(
            "stream {} ({}): {} changes, {} events, {} receipts",
            s.stream, s.name, s.changes, s.events, s.receipts
        ));
    }
    text.push(format!(
        "manifest SHA-256 {} (made {})",
        verification.manifest_sha256, verification.created_at
    ));
    let exit = if verification.intact() {
        text.push("The bundle is intact: every change, dependency and receipt checks out.".into());
        Exit::Done
    } else {
        text.push(format!(
            "The bundle was ALTERED ({} findings):",
            verification.findings.len()
        ));
        text.extend(verification.findings.iter().map(|f| format!("  - {f}")));
        Exit::Altered
    };
    Ok(Output {
        json: json!({
            "intact": verification.intact(),
            "problems": verification.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            "verification": verification,
        }),
        text: text.join("\n"),
        exit,
    })
}

/// Runs an audit command. `verify` opens nothing but the bundle.
pub fn run(store_path: &Path, command: &AuditCommand) -> Result<Output> {
    if let AuditCommand::Verify { bundle } = command {
        return verify(bundle);
    }
    let device = crate::device::open(store_path)?;
    device.read(|store| audit(store, command))
}

/// An audit command that reads the server, with the device's enrolment in `store`.
fn audit(store: &Store, command: &AuditCommand) -> Result<Output> {
    let server = Server::from_store(store)?.with_retry(Retry::never());
    match command {
        AuditCommand::Verify { .. } => unreachable_verify(),
        AuditCommand::Timeline(a) => {
            let stream = a
                .stream
                .as_deref()
                .map(|s| stream_id(store, s))
                .transpose()?;
            let cycle = a.cycle.as_deref().map(record_id).transpose()?;
            let path = format!(
                "/api/v1/audit/timeline{}",
                query(&[
                    ("stream", &stream),
                    ("person", &a.person),
                    ("team", &a.team),
                    ("cycle", &cycle),
                    ("kind", &a.kind),
                    ("from", &a.from),
                    ("to", &a.to),
                ])
            );
            let timeline: Timeline = read(&server, store, &path)?;
            answer(&timeline, text::timeline(&timeline.entries), Exit::Done)
        }
        AuditCommand::Access(a) => {
            let stream = a
                .stream
                .as_deref()
                .map(|s| stream_id(store, s))
                .transpose()?;
            let path = format!(
                "/api/v1/audit/access{}",
                query(&[
                    ("stream", &stream),
                    ("person", &a.person),
                    ("from", &a.from),
                    ("to", &a.to),
                ])
            );
            let timeline: Timeline = read(&server, store, &path)?;
            answer(&timeline, text::timeline(&timeline.entries), Exit::Done)
        }
        AuditCommand::AsItStood(a) => {
            let stream = stream_id(store, &a.stream)?;
            let after = a.after.as_deref().map(record_id).transpose()?;
            let id = a.id.as_deref().map(record_id).transpose()?;
            let path = format!(
                "/api/v1/audit/streams/{stream}/as-it-stood{}",
                query(&[
                    ("at", &a.at),
                    ("after", &after),
                    ("view", &Some(a.view.clone())),
                    ("id", &id),
                ])
            );
            let stood: AsItStood<Value> = read(&server, store, &path)?;
            let text = serde_json::to_string_pretty(&stood).unwrap_or_default();
            answer(&stood, text, Exit::Done)
        }
        AuditCommand::Decisions { stream } => {
            let stream = stream_id(store, stream)?;
            let listed: Decisions = read(
                &server,
                store,
                &format!("/api/v1/audit/streams/{stream}/decisions"),
            )?;
            answer(&listed, text::decisions(&listed.decisions), Exit::Done)
        }
        AuditCommand::Decision { id } => {
            let id = record_id(id)?;
            let context: DecisionContext<Value> =
                read(&server, store, &format!("/api/v1/audit/decisions/{id}"))?;
            answer(&context, text::decision(&context), Exit::Done)
        }
        AuditCommand::Integrity { stream } => {
            let stream = stream_id(store, stream)?;
            // The verifier's findings are shown as the server wrote them.
            let integrity: Integrity<Value> = read(
                &server,
                store,
                &format!("/api/v1/audit/streams/{stream}/integrity"),
            )?;
            let exit = if integrity.intact {
                Exit::Done
            } else {
                Exit::Altered
            };
            answer(&integrity, text::integrity(&integrity), exit)
        }
        AuditCommand::Export { out, stream } => {
            let stream = stream.as_deref().map(|s| stream_id(store, s)).transpose()?;
            let bytes = server
                .read(
                    store,
                    &format!("/api/v1/audit/bundle{}", query(&[("stream", &stream)])),
                )
                .context("the audit bundle could not be downloaded")?;
            let verification = bundle::verify(&bytes)?;
            std::fs::write(out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            Ok(Output {
                text: format!(
                    "Wrote {} ({} streams, {} bytes); manifest SHA-256 {}. Check it any time with `praxis audit verify {}`.",
                    out.display(),
                    verification.streams.len(),
                    bytes.len(),
                    verification.manifest_sha256,
                    out.display()
                ),
                json: json!({
                    "file": out,
                    "bytes": bytes.len(),
                    "manifest_sha256": verification.manifest_sha256,
                    "streams": verification.streams,
                }),
                exit: Exit::Done,
            })
        }
    }
}

fn unreachable_verify() -> Result<Output> {
    Err(anyhow!("verify is handled before the store is opened"))
}

#[cfg(test)]
mod tests {
    use super::query;

    #[test]
    fn a_query_carries_only_the_values_given_encoded_as_the_server_decodes_them() {
        assert_eq!(query(&[("stream", &None), ("to", &None)]), "");
        let query = query(&[
            ("person", &Some("Zoë Adeyemi & co".into())),
            ("team", &None),
            ("from", &Some("2026-03-10T17:40:00+01:00".into())),
        ]);
        assert_eq!(
            query,
            "?person=Zo%C3%AB+Adeyemi+%26+co&from=2026-03-10T17%3A40%3A00%2B01%3A00"
        );
    }
}
