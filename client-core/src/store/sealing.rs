//! Personal content sealed as it is recorded, and opened as it is read: an observation
//! (or a correction of one) sealed under its person's key in the stream; read back with
//! the key, or with the words saying it was erased in its place. A server taking sealed
//! events from a device checks it holds their keys (`Unsealer`).

use super::data_keys::{day_of, key_for};
use super::keyring::{Keyring, split_opened};
use super::*;
use crate::domain::envelope::Body;
use crate::domain::event::{Do, Observation, Replacement, SealedDo, SealedObservation};
use crate::domain::ids::DataKeyId;
use crate::domain::ids::EventId;
use crate::domain::record::Record;
use crate::domain::sealing::DataKey;

/// A key as a read finds it: opened (NULL once erased), when and why erased.
type KeyRow = (Option<Vec<u8>>, Option<i64>, Option<String>);

/// `event` as it is recorded: an observation (or a correction of one) sealed under its
/// person's key in the stream; any other event as it is.
pub(super) fn seal_event(
    tx: &Connection,
    keyring: &Keyring,
    stream: StreamId,
    event: Event,
    now: i64,
) -> Result<Event, StoreError> {
    let seal = |o: &Observation| -> Result<SealedObservation, StoreError> {
        let (id, key) = key_for(tx, keyring, stream, o.subject.as_deref(), now)?;
        Ok(SealedObservation::seal(o, id, &key)?)
    };
    // A Do names no person: its free text has a key of its own.
    let seal_do = |d: &Do| -> Result<SealedDo, StoreError> {
        let (id, key) = key_for(tx, keyring, stream, None, now)?;
        Ok(SealedDo::seal(d, id, &key)?)
    };
    let not_erased = |corrects: EventId, what: &str| -> Result<(), StoreError> {
        match erased_on(tx, corrects)? {
            None => Ok(()),
            Some(day) => Err(crate::domain::validation::Refusal {
                problem: format!(
                    "This {what}'s content was erased on {day}: there is nothing left to correct."
                ),
                fix: format!(
                    "Record a new {what} if something needs saying, or withdraw this one."
                ),
            }
            .into()),
        }
    };
    Ok(match event {
        Event::ObservationRecorded(o) => Event::ObservationSealed(seal(&o)?),
        Event::CycleDone { cycle, done } => Event::CycleDoneSealed {
            cycle,
            done: seal_do(&done)?,
        },
        Event::Correction {
            corrects,
            reason,
            replacement: Some(Replacement::Observation(o)),
        } => {
            not_erased(corrects, "observation")?;
            Event::Correction {
                corrects,
                reason,
                replacement: Some(Replacement::SealedObservation(seal(&o)?)),
            }
        }
        Event::Correction {
            corrects,
            reason,
            replacement: Some(Replacement::Do(d)),
        } => {
            not_erased(corrects, "Do")?;
            Event::Correction {
                corrects,
                reason,
                replacement: Some(Replacement::SealedDo(seal_do(&d)?)),
            }
        }
        other => other,
    })
}

/// A record as the views keep it, its content still sealed (see `codec::read_kept_record`).
pub(super) fn record_kept(conn: &Connection, id: EventId) -> Result<Option<Record>, StoreError> {
    let body: Option<Vec<u8>> = conn
        .prepare_cached("SELECT body FROM records WHERE id = ?1")?
        .query_row([uuid_blob(&id.0)], |r| r.get(0))
        .optional()?;
    body.map(|b| super::codec::read_kept_record(conn, &b))
        .transpose()
}

/// The day the content of `record` (as the views keep it, sealed) was erased, if it was.
fn erased_on(tx: &Connection, record: EventId) -> Result<Option<String>, StoreError> {
    let Some(kept) = record_kept(tx, record)? else {
        return Ok(None);
    };
    let Some(key) = kept.content.sealed_key() else {
        return Ok(None);
    };
    let at: Option<Option<i64>> = tx
        .prepare_cached("SELECT erased_at FROM data_keys WHERE id = ?1 AND wrapped IS NULL")?
        .query_row([uuid_blob(&key.0)], |r| r.get(0))
        .optional()?;
    Ok(at.map(|at| day_of(at.unwrap_or(0))))
}

impl Store {
    /// `event` sealed as recording would seal it, in `stream`, for a server taking a
    /// record made elsewhere in the clear (the field app's, over TLS): the key made
    /// (or found) is kept at once.
    pub fn seal(&self, stream: StreamId, event: Event) -> Result<Event, StoreError> {
        let keyring = self.keyring.clone();
        let now = self.wall_now();
        let tx = self.conn.unchecked_transaction()?;
        let sealed = seal_event(&tx, &keyring, stream, event, now)?;
        tx.commit()?;
        Ok(sealed)
    }
}

/// A record as readers show it: as the views keep it (`codec::read_kept_record`), its
/// sealed content opened with its key, or the words saying it was erased.
pub(super) fn read_record(conn: &Connection, body: &[u8]) -> Result<Record, StoreError> {
    let mut record = super::codec::read_kept_record(conn, body)?;
    record.content = open_event(conn, record.content)?;
    Ok(record)
}

/// A sealed record's key as a reader finds it.
enum Found {
    Opened(DataKey),
    /// Erased, or not held here: the words that stand in place of the content.
    Gone(String),
}

fn find_key(conn: &Connection, key: DataKeyId) -> Result<Found, StoreError> {
    let found: Option<KeyRow> = conn
        .prepare_cached(
            "SELECT praxis_open_key(id, wrapped), erased_at, erasure FROM data_keys WHERE id = ?1",
        )?
        .query_row([uuid_blob(&key.0)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(match found {
        Some((Some(plain), _, _)) => Found::Opened(split_opened(&plain)?.0),
        Some((None, at, reason)) => Found::Gone(format!(
            "erased on {} ({})",
            at.map(day_of).unwrap_or_else(|| "an unknown day".into()),
            reason.unwrap_or_default()
        )),
        None => Found::Gone("sealed under a key not held here".into()),
    })
}

/// `event` as readers show it: sealed content opened with its key, or, when the key was
/// erased or is not held here, the words saying so in its place.
pub fn open_event(conn: &Connection, event: Event) -> Result<Event, StoreError> {
    Ok(match &event {
        Event::ObservationSealed(sealed) => {
            Event::ObservationRecorded(match find_key(conn, sealed.key())? {
                Found::Opened(key) => sealed.open(&key).unwrap_or_else(|e| {
                    sealed.without_content(format!("sealed content that does not open ({e})"))
                }),
                Found::Gone(words) => sealed.without_content(words),
            })
        }
        Event::CycleDoneSealed { cycle, done } => Event::CycleDone {
            cycle: *cycle,
            done: match find_key(conn, done.content.key)? {
                Found::Opened(key) => done.open(&key).unwrap_or_else(|e| {
                    done.without_content(format!("sealed content that does not open ({e})"))
                }),
                Found::Gone(words) => done.without_content(words),
            },
        },
        _ => event,
    })
}

/// The sealed observation `event` carries, if any (new, or as a correction's
/// replacement).
pub fn sealed_in(event: &Event) -> Option<&SealedObservation> {
    event.sealed()
}

/// A data key as a store holding keys (a server) finds it.
#[derive(Clone)]
enum KeyHere {
    Missing,
    Erased,
    Opened(DataKey),
}

/// Checks that a store holding keys (a server) can take events as sealed
/// (`unsealable`), each key looked up and opened once, however many of the events
/// it seals: a backlog of 10,000 observations about a caseload of 30 opens 30 keys.
/// Made for one batch, in its transaction, so a key erased after it is not kept.
#[derive(Default)]
pub struct Unsealer {
    keys: std::collections::HashMap<DataKeyId, KeyHere>,
}

impl Unsealer {
    fn key(&mut self, conn: &Connection, id: DataKeyId) -> Result<KeyHere, StoreError> {
        if let Some(held) = self.keys.get(&id) {
            return Ok(held.clone());
        }
        let found: Option<Option<Vec<u8>>> = conn
            .prepare_cached("SELECT praxis_open_key(id, wrapped) FROM data_keys WHERE id = ?1")?
            .query_row([uuid_blob(&id.0)], |r| r.get(0))
            .optional()?;
        let held = match found {
            None => KeyHere::Missing,
            Some(None) => KeyHere::Erased,
            Some(Some(plain)) => KeyHere::Opened(split_opened(&plain)?.0),
        };
        self.keys.insert(id, held.clone());
        Ok(held)
    }

    /// Why `event` cannot be taken as sealed, if it cannot: its key is not held here,
    /// or its content, opened, is not what a device may record. A key erased here
    /// takes it as it is: nothing of it can be read anywhere.
    pub fn unsealable(
        &mut self,
        conn: &Connection,
        event: &Event,
    ) -> Result<Option<String>, StoreError> {
        let Some(id) = event.sealed_key() else {
            return Ok(None);
        };
        let key = match self.key(conn, id)? {
            KeyHere::Missing => {
                return Ok(Some(format!(
                    "it is sealed under data key {id}, which the server does not hold. A device gives its keys before its changes at every sync (`praxis sync` does): sync again"
                )));
            }
            KeyHere::Erased => return Ok(None),
            KeyHere::Opened(key) => key,
        };
        Ok(opened_content_refusal(event, &key))
    }
}

/// Why `event`'s sealed content, opened with `key`, is not what a device may record.
fn opened_content_refusal(event: &Event, key: &DataKey) -> Option<String> {
    let does_not_open = |e: crate::domain::sealing::SealError| {
        Some(format!("its sealed content does not open: {e}"))
    };
    if let Some(sealed) = event.sealed() {
        let observation = match sealed.open(key) {
            Ok(o) => o,
            Err(e) => return does_not_open(e),
        };
        if observation.text.trim().is_empty() {
            return Some("the observation's text is empty".into());
        }
        if let Some(subject) = &observation.subject
            && !crate::domain::validation::pseudonymous(subject)
        {
            return Some(format!(
                "'{subject}' is not a pseudonymous reference such as P-0413"
            ));
        }
    }
    if let Event::CycleDoneSealed { done, .. }
    | Event::Correction {
        replacement: Some(Replacement::SealedDo(done)),
        ..
    } = event
    {
        let done = match done.open(key) {
            Ok(d) => d,
            Err(e) => return does_not_open(e),
        };
        if done.observations.trim().is_empty() {
            return Some("the Do's observations are empty".into());
        }
    }
    None
}

/// `envelope` with its event as readers show it (see `open_event`).
pub fn open_envelope(conn: &Connection, mut envelope: Envelope) -> Result<Envelope, StoreError> {
    envelope.body = match envelope.body {
        Body::Known(event) => Body::Known(open_event(conn, event)?),
        unknown => unknown,
    };
    Ok(envelope)
}

/// `record` as readers show it (see `open_event`): for views folded in memory from a
/// store's events, shown as the store shows its own.
pub fn open_record(conn: &Connection, mut record: Record) -> Result<Record, StoreError> {
    record.content = open_event(conn, record.content)?;
    Ok(record)
}
