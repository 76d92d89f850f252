//! Putting records right, offline: a correction or withdrawal (the original stays in
//! the history), the resolution of a conflict, an import of events all at once, and
//! the views folded again from the events. Each call is one transaction of the client
//! core, or a refusal that changes nothing.

use crate::error::PraxisError;
use crate::recording::{id, stream};
use crate::store::{PraxisStore, Recorded};
use praxis_core::domain::event::{self as core, Event, Replacement};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Store, held_back, queries};

/// What a correction says: why, and what the record should have been. Withdraw it,
/// give the corrected text of an observation, the corrected value (or numerator and
/// denominator) of a measurement, or for any other record the whole corrected record
/// as JSON (`replacement_json`).
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct CorrectionInput {
    pub reason: String,
    pub withdraw: bool,
    pub text: Option<String>,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub replacement_json: Option<String>,
}

#[uniffi::export]
impl PraxisStore {
    /// Corrects or withdraws the record `record_id` names, in its own stream.
    pub fn correct(
        &self,
        record_id: String,
        correction: CorrectionInput,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        let target = id(&store, &record_id)?;
        let stream = stream_of(&store, target)?;
        let record = queries::record(store.connection(), target)?.ok_or_else(|| {
            PraxisError::invalid(format!(
                "{} is not a record that can be corrected.",
                target.short()
            ))
        })?;
        let replacement = replacement(&record.content, correction.clone())?;
        Ok(store
            .record(
                stream,
                Event::Correction {
                    corrects: target,
                    reason: correction.reason,
                    replacement,
                },
            )?
            .into())
    }

    /// Settles the open conflict on `subject_id`, keeping the version `keep_id`.
    pub fn resolve_conflict(
        &self,
        subject_id: String,
        keep_id: String,
        reason: String,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        let subject = id(&store, &subject_id)?;
        let stream = stream_of(&store, subject)?;
        let summary = queries::summary(store.connection(), stream)?;
        let settles = summary
            .conflicts
            .iter()
            .find(|c| c.subject == subject)
            .map(|c| c.versions.clone())
            .ok_or_else(|| {
                PraxisError::invalid(format!(
                    "There is no open conflict on {}. `praxis conflicts` lists them.",
                    subject.short()
                ))
            })?;
        let keep = id(&store, &keep_id)?;
        Ok(store
            .record(
                stream,
                Event::Resolution {
                    subject,
                    settles,
                    keep,
                    reason,
                },
            )?
            .into())
    }

    /// Imports events into the project, one Praxis event in JSON a line (blank lines
    /// are skipped): all of them, or none when one cannot be read or is refused.
    /// `source` names where the lines came from, for the messages.
    pub fn import_events(
        &self,
        project_id: String,
        source: String,
        lines: String,
    ) -> Result<Vec<Recorded>, PraxisError> {
        let mut events = Vec::new();
        for (n, line) in lines.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let event: Event = serde_json::from_str(line).map_err(|e| {
                PraxisError::invalid(format!(
                    "line {} of {source} is not a Praxis event in JSON; nothing was imported: {e}",
                    n + 1
                ))
            })?;
            events.push(event);
        }
        let mut store = self.lock();
        let project = stream(&store, Some(&project_id), StreamKind::Project)?;
        let recorded = store
            .record_all(project, events)
            .map_err(|e| nothing_imported(e.into()))?;
        Ok(recorded.into_iter().map(Recorded::from).collect())
    }

    /// Folds every view again from the events, and tells how many events there were.
    pub fn rebuild_views(&self) -> Result<u64, PraxisError> {
        Ok(self.lock().rebuild_all_views()? as u64)
    }
}

/// The stream the record `record` is in.
fn stream_of(store: &Store, record: EventId) -> Result<StreamId, PraxisError> {
    queries::event(store.connection(), record)?
        .map(|e| e.stream)
        .ok_or_else(|| PraxisError::invalid(format!("{} is not a record here.", record.short())))
}

/// What replaces `content`, or `None` when it is withdrawn.
fn replacement(content: &Event, c: CorrectionInput) -> Result<Option<Replacement>, PraxisError> {
    if c.withdraw {
        return Ok(None);
    }
    if let Some(json) = &c.replacement_json {
        return serde_json::from_str::<Replacement>(json)
            .map(Some)
            .map_err(|e| {
                PraxisError::invalid(format!(
                    "The replacement is not a corrected record in JSON: {e}"
                ))
            });
    }
    Ok(Some(
        match (content, c.text, c.value, c.numerator, c.denominator) {
            (Event::ObservationRecorded(o), Some(text), None, None, None) => {
                Replacement::Observation(core::Observation { text, ..o.clone() })
            }
            (Event::MeasurementRecorded(m), None, Some(v), None, None) => {
                Replacement::Measurement(core::Measurement {
                    value: core::MeasurementValue::Value(v),
                    ..m.clone()
                })
            }
            (Event::MeasurementRecorded(m), None, None, Some(numerator), Some(denominator)) => {
                Replacement::Measurement(core::Measurement {
                    value: core::MeasurementValue::Ratio {
                        numerator,
                        denominator,
                    },
                    ..m.clone()
                })
            }
            (content, ..) => {
                return Err(PraxisError::invalid(format!(
                    "Say what the corrected {} is: the text for an observation, the value or the numerator and denominator for a measurement, the whole corrected record in JSON for anything else, or withdraw it.",
                    content.kind().name()
                )));
            }
        },
    ))
}

/// An import refused or failed as a whole: the message says nothing was imported.
fn nothing_imported(error: PraxisError) -> PraxisError {
    let say = |m: String| format!("Nothing was imported: {m}");
    match error {
        PraxisError::Refused(m) => PraxisError::Refused(say(m)),
        PraxisError::InvalidInput(m) => PraxisError::InvalidInput(say(m)),
        PraxisError::Storage(m) => PraxisError::Storage(say(m)),
        other => other,
    }
}

/// A record the server held back when this device synced it (a role that ended while
/// the device was offline, a rule the server applies): kept in the history, left out
/// of every view until a coordinator releases it or its author withdraws it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct HeldLine {
    /// The id to release or withdraw it by.
    pub quarantine_id: String,
    pub stream_id: String,
    pub event_id: String,
    /// The held record's kind ("manager-decision-recorded"...).
    pub kind: String,
    /// Its text or title.
    pub title: String,
    pub author_id: String,
    /// The author's name, when this device knows it (its own person always; others
    /// once a sync has listed them).
    pub author_name: Option<String>,
    /// Why the server held it back.
    pub reason: String,
    /// "held", "released" or "withdrawn".
    pub status: String,
    /// Why it was released or withdrawn, once it was.
    pub settled_because: Option<String>,
}

#[uniffi::export]
impl PraxisStore {
    /// The records the server held back, in every stream on this device: those still
    /// held, or every one with `settled_too`.
    pub fn held_back(&self, settled_too: bool) -> Result<Vec<HeldLine>, PraxisError> {
        let store = self.lock();
        let mut lines = Vec::new();
        let names = queries::person_names(store.connection())?;
        for s in queries::streams(store.connection())? {
            for h in held_back(store.connection(), s.id, settled_too)? {
                lines.push(HeldLine {
                    quarantine_id: h.quarantine.0.to_string(),
                    stream_id: h.stream.0.to_string(),
                    event_id: h.event.0.to_string(),
                    kind: h.kind,
                    title: h.title,
                    author_id: h.author.0.to_string(),
                    author_name: names.get(&h.author).cloned(),
                    reason: h.reason,
                    status: match &h.settled {
                        None => "held",
                        Some(s) if s.released => "released",
                        Some(_) => "withdrawn",
                    }
                    .to_string(),
                    settled_because: h.settled.map(|s| s.reason),
                });
            }
        }
        Ok(lines)
    }

    /// Withdraws a record of this device's person that the server held back: it stays
    /// in the history, out of every view, and leaves the coordinator's queue.
    pub fn withdraw_held(
        &self,
        quarantine_id: String,
        reason: String,
    ) -> Result<Recorded, PraxisError> {
        self.settle_held(&quarantine_id, |quarantine| Event::QuarantineWithdrawn {
            quarantine,
            reason,
        })
    }

    /// Releases a held-back record, as coordinator: it counts from now on, in its
    /// place in the history.
    pub fn release_held(
        &self,
        quarantine_id: String,
        reason: String,
    ) -> Result<Recorded, PraxisError> {
        self.settle_held(&quarantine_id, |quarantine| Event::QuarantineReleased {
            quarantine,
            reason,
        })
    }
}

impl PraxisStore {
    /// Records the settling of the quarantine `quarantine_id` names, in its stream.
    fn settle_held(
        &self,
        quarantine_id: &str,
        settling: impl FnOnce(EventId) -> Event,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        let quarantine = id(&store, quarantine_id)?;
        let stream = stream_of(&store, quarantine)?;
        Ok(store.record(stream, settling(quarantine))?.into())
    }
}
