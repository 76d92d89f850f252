//! A sync as it runs (progress lines on stderr) and its per-stream report.

use super::{Output, stream_kind};
use crate::exit::Exit;
use anyhow::Result;
use praxis_core::domain::printable::{one_line, printable};
use praxis_core::sync::{PlannedStream, StreamReport, SyncProgress};
use std::fmt::Write;
use std::time::Duration;

/// Progress lines on stderr while a sync runs (none with `--json`).
pub struct SyncLines {
    pub shown: bool,
    /// The totals last shown for the current stream, so a message that moved
    /// nothing adds no line.
    pub last: (usize, usize),
}

impl SyncLines {
    pub fn new(shown: bool) -> Self {
        SyncLines {
            shown,
            last: (0, 0),
        }
    }
}

impl SyncProgress for SyncLines {
    fn planned(&mut self, streams: &[PlannedStream]) {
        if self.shown {
            eprintln!(
                "Syncing {} stream{}.",
                streams.len(),
                if streams.len() == 1 { "" } else { "s" }
            );
        }
    }

    fn stream_started(&mut self, s: &PlannedStream, index: usize, of: usize) {
        if self.shown {
            let new = if s.add_here {
                ", new here"
            } else if s.new_on_server {
                ", new on the server"
            } else {
                ""
            };
            self.last = (0, 0);
            eprintln!(
                "[{}/{of}] {} {}  {}{new}",
                index + 1,
                stream_kind(s.kind),
                s.stream.short(),
                one_line(&s.name)
            );
        }
    }

    fn round_done(&mut self, _s: &PlannedStream, so_far: &StreamReport) {
        let totals = (so_far.sent_events, so_far.received_events);
        if self.shown && totals != self.last {
            self.last = totals;
            eprintln!(
                "      message {}: {} up, {} down so far",
                so_far.rounds, so_far.sent_events, so_far.received_events
            );
        }
    }

    fn retrying(
        &mut self,
        _s: Option<&PlannedStream>,
        failures: u32,
        delay: Duration,
        reason: &str,
    ) {
        if self.shown {
            let reason = printable(reason);
            eprintln!(
                "      {reason}; trying again in {:.1} s (failed {failures} time{})",
                delay.as_secs_f64(),
                if failures == 1 { "" } else { "s" }
            );
        }
    }

    fn stream_finished(&mut self, r: &StreamReport) {
        if self.shown {
            match &r.error {
                None => eprintln!(
                    "      synced: {} up, {} down",
                    r.sent_events, r.received_events
                ),
                Some(e) => eprintln!("      not synced: {}", printable(&e.message)),
            }
        }
    }
}

/// The per-stream report of a sync: events up and down, why any stream did not sync,
/// and how many records the server holds back (`held`). Ends with
/// `Exit::SomeStreamsUnsynced` when a stream did not sync.
pub fn synced(server: &str, reports: &[StreamReport], held: usize) -> Result<Output> {
    let up: usize = reports.iter().map(|r| r.sent_events).sum();
    let down: usize = reports.iter().map(|r| r.received_events).sum();
    let failed = reports.iter().filter(|r| !r.synced()).count();
    let except = match failed {
        0 => String::new(),
        1 => " except 1 stream".into(),
        n => format!(" except {n} streams"),
    };
    let mut t = format!("Synced with {server}{except}: {up} events up, {down} down.\n");
    if reports.is_empty() {
        t.push_str("The server shares no collaborative or project with this device yet.\n");
    }
    let width = reports
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    for r in reports {
        let _ = write!(
            t,
            "\n{:<14} {}  {:<width$}  ",
            r.kind.map(stream_kind).unwrap_or_else(|| "unknown".into()),
            r.stream.short(),
            r.name
        );
        match &r.error {
            None => {
                let _ = write!(t, "{:>5} up {:>5} down", r.sent_events, r.received_events);
                if r.added_here {
                    t.push_str("  (new here)");
                } else if r.new_on_server {
                    t.push_str("  (new on the server)");
                }
            }
            Some(e) => {
                let _ = write!(t, "NOT SYNCED: {}", e.message);
                for refused in &e.refused {
                    let _ = write!(
                        t,
                        "\n    {} {}: {}",
                        refused.kind.as_deref().unwrap_or("change"),
                        refused.event.map(|id| id.short()).unwrap_or_else(|| refused
                            .change
                            .chars()
                            .take(8)
                            .collect()),
                        refused.reason
                    );
                }
            }
        }
    }
    if held > 0 {
        let _ = write!(
            t,
            "\n\n{held} record{} held back by the server (kept, but in no view): `praxis held` says why.",
            if held == 1 { " is" } else { "s are" }
        );
    }
    if failed > 0 {
        let _ = write!(
            t,
            "\n\n{failed} of {} streams did not sync; everything recorded here is kept on this device. \
             Do what the server says (a refusal for a role is for the office to settle), then sync again.",
            reports.len()
        );
    }
    let mut output = Output::of(
        &serde_json::json!({
            "server": server,
            "sent_events": up,
            "received_events": down,
            "failed": failed,
            "held_back": held,
            "streams": reports,
        }),
        t.trim_end().to_string(),
    )?;
    if failed > 0 {
        output.exit = Exit::SomeStreamsUnsynced;
    }
    Ok(output)
}
