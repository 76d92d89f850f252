//! The server's key registry: the data keys of every stream, wrapped under the master
//! key (praxis-core's `data_keys` table, beside the streams). Devices give the keys
//! they made and take the keys of the streams they may read (`offered`, `take`,
//! `changes`); a data protection officer erases a person's content by destroying their
//! keys (`erasure_plan`, `erase`).

use super::columns::timestamp;
use super::people::memberships;
use super::streams;
use crate::storage::{Erasure, Result, StorageError, SubjectRecord};
use praxis_core::domain::event::{Event, LegalBasis, ObservationKind};
use praxis_core::domain::ids::{DataKeyId, EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::protocol::keys::{KeyUpdate, KeysAnswer, KeysRequest};
use praxis_core::store::{
    Identity, KeyRefused, PlainKey, Store, erase_key, key_changes, keys_of_subject,
    note_subject_erased, queries, sealed_in,
};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The keys offered, checked: each a key, for a pseudonymous reference or none. A
/// device may give keys for any stream: a key opens nothing by itself, only the events
/// sealed under it, which reach a stream only through the gate; and a device whose role
/// ended while it was offline must still give the keys of what it recorded, so the
/// server can hold those records back instead of refusing them.
pub fn offered(request: &KeysRequest) -> Result<Vec<PlainKey>> {
    let mut keys = Vec::with_capacity(request.made.len());
    for offered in &request.made {
        let key = offered.plain().map_err(|e| {
            StorageError::BadInput(format!("The key {} cannot be taken: {e}.", offered.id))
        })?;
        if let Some(subject) = &key.subject
            && !praxis_core::domain::validation::pseudonymous(subject)
        {
            return Err(StorageError::BadInput(format!(
                "The key {} names '{subject}', which is not a pseudonymous reference such as P-0413.",
                key.id
            )));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// Takes the offered keys (all or none).
pub fn take(store: &mut Store, keys: &[PlainKey]) -> Result<()> {
    store.offer_keys(keys).map_err(|e| match e {
        KeyRefused::Erased(..) => StorageError::KeyErased(e.to_string()),
        KeyRefused::Conflicting(_) => StorageError::Conflict(e.to_string()),
        // PostgreSQL refusing the commit says why; anything else is the store's.
        KeyRefused::Store(m) => {
            crate::storage::error::take_commit_failure().unwrap_or(StorageError::Corrupt(m))
        }
    })
}

/// The changes to the keys of the streams asked about that the person may read, after
/// each stream's cursor.
pub fn changes(conn: &Connection, person: PersonId, request: &KeysRequest) -> Result<KeysAnswer> {
    let readable: BTreeSet<StreamId> = streams::streams_for(conn, person)?
        .into_iter()
        .map(|a| a.stream_id)
        .collect();
    let mut changes = Vec::new();
    for cursor in request
        .streams
        .iter()
        .filter(|c| readable.contains(&c.stream))
    {
        for (seq, change) in key_changes(conn, cursor.stream, cursor.since)? {
            changes.push(KeyUpdate::of(seq, &change));
        }
    }
    Ok(KeysAnswer {
        taken: request.made.len(),
        changes,
    })
}

/// The collaboratives a data protection officer acts for, each with its streams (its
/// own and its projects').
pub fn officer_streams(
    conn: &Connection,
    officer: PersonId,
) -> Result<HashMap<StreamId, StreamId>> {
    let collaboratives: Vec<StreamId> = memberships(conn)?
        .into_iter()
        .filter(|m| m.person == officer && m.role == Role::DataProtectionOfficer && !m.revoked())
        .filter_map(|m| match m.scope {
            praxis_core::domain::event::Scope::Collaborative(c) => Some(c),
            praxis_core::domain::event::Scope::Team(_) => None,
        })
        .collect();
    if collaboratives.is_empty() {
        return Err(StorageError::NotAllowed(
            "Only a data protection officer may erase personal content. An administrator grants the role with `praxis-server admin grant --role data-protection-officer --collaborative …`.".into(),
        ));
    }
    let mut streams = HashMap::new();
    for c in collaboratives {
        streams.insert(c, c);
        for project in streams::projects_of(conn, c)? {
            streams.insert(project, c);
        }
    }
    Ok(streams)
}

/// What erasing the person `tag` names (`Keyring::tag`) destroys, for `officer`: their
/// unerased keys in the streams the officer acts for, by collaborative. Refused for
/// anyone else, and when there is nothing to erase.
pub fn erasure_plan(
    conn: &Connection,
    officer: PersonId,
    tag: &[u8],
    reference: &str,
    reason: &str,
) -> Result<BTreeMap<StreamId, Vec<(DataKeyId, StreamId)>>> {
    let streams = officer_streams(conn, officer)?;
    if reason.trim().is_empty() {
        return Err(StorageError::BadInput(
            "Say why the content is erased: the reason is kept with the erasure.".into(),
        ));
    }
    let mut plan: BTreeMap<StreamId, Vec<(DataKeyId, StreamId)>> = BTreeMap::new();
    for (key, stream) in keys_of_subject(conn, tag)? {
        if let Some(collaborative) = streams.get(&stream) {
            plan.entry(*collaborative).or_default().push((key, stream));
        }
    }
    if plan.is_empty() {
        return Err(StorageError::NotFound(format!(
            "No personal content about {reference} is held in the streams you are data protection officer for (or it was erased already). Check the reference."
        )));
    }
    Ok(plan)
}

/// Destroys `keys` (of streams of `collaborative`) and records the erasure in the
/// collaborative's stream, its author the officer, in one transaction; then empties the
/// log of the pages that held them.
pub fn erase(
    store: &mut Store,
    collaborative: StreamId,
    officer: &(PersonId, String),
    (tag, keys): (Option<&[u8]>, &[(DataKeyId, StreamId)]),
    reason: &str,
    legal_basis: LegalBasis,
) -> Result<Erasure> {
    let streams: Vec<StreamId> = keys
        .iter()
        .map(|(_, s)| *s)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reason = reason.trim().to_string();
    let event = Event::DataErased {
        keys: keys.iter().map(|(k, _)| *k).collect(),
        streams: streams.clone(),
        reason: reason.clone(),
        legal_basis,
    };
    let identity = Identity {
        person: officer.0,
        name: officer.1.clone(),
        device: store.identity().device,
    };
    let now = store.wall_now();
    let recorded = store.record_as(&identity, collaborative, vec![event], |tx, _, _| {
        for (key, stream) in keys {
            erase_key(tx, *key, *stream, now, &reason)?;
        }
        if let Some(tag) = tag {
            note_subject_erased(tx, tag, now, &reason)?;
        }
        Ok(())
    })?;
    store.empty_log();
    Ok(Erasure {
        events: vec![recorded[0].id],
        keys: keys.len(),
        streams,
        erased_at: store.wall_now(),
    })
}

/// What erasing one record destroys, for `officer`: the keys of its own that seal it
/// and its corrections, with its collaborative. Refused for anyone else; a record in
/// a stream they do not act for is one that does not exist. A record about a named
/// person shares that person's key in the stream: it is the person who is erased.
pub fn record_erasure_plan(
    conn: &Connection,
    officer: PersonId,
    record: EventId,
    reason: &str,
) -> Result<(StreamId, Vec<(DataKeyId, StreamId)>)> {
    let streams = officer_streams(conn, officer)?;
    if reason.trim().is_empty() {
        return Err(StorageError::BadInput(
            "Say why the content is erased: the reason is kept with the erasure.".into(),
        ));
    }
    let not_here = || {
        StorageError::NotFound(format!(
            "There is no record {record} in the streams you are data protection officer for."
        ))
    };
    let envelope = queries::event(conn, record)?.ok_or_else(not_here)?;
    let collaborative = *streams.get(&envelope.stream).ok_or_else(not_here)?;
    let Some(first) = envelope.event().and_then(Event::sealed_key) else {
        return Err(StorageError::BadInput(format!(
            "Record {record} holds no sealed content: it is not an observation or a Do, or it was recorded before sealing, in the clear, and erasure by key cannot reach it."
        )));
    };
    let mut keys = vec![(first, envelope.stream)];
    for other in queries::events(conn, envelope.stream)? {
        if let Some(Event::Correction { corrects, .. }) = other.event()
            && *corrects == record
            && let Some(key) = other.event().and_then(Event::sealed_key)
        {
            keys.push((key, envelope.stream));
        }
    }
    let mut held = Vec::new();
    for (key, stream) in keys {
        let row: Option<(bool, bool)> = conn
            .prepare_cached(
                "SELECT subject IS NOT NULL, wrapped IS NOT NULL FROM data_keys WHERE id = ?1",
            )?
            .query_row([key.as_uuid().as_bytes().as_slice()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match row {
            Some((true, _)) => {
                return Err(StorageError::BadInput(format!(
                    "Record {record} is about a named person: it is sealed under their key, with their other records in the stream. Erase the person, by their reference."
                )));
            }
            Some((false, true)) => held.push((key, stream)),
            _ => {}
        }
    }
    if held.is_empty() {
        return Err(StorageError::NotFound(format!(
            "Record {record} was erased already."
        )));
    }
    Ok((collaborative, held))
}

/// The records sealed under `keys` (each with its stream), as they now stand: a new
/// observation's record, and the record a sealed correction corrects.
pub fn subject_records(
    conn: &Connection,
    keys: &[(DataKeyId, StreamId)],
    names: &HashMap<PersonId, String>,
) -> Result<Vec<SubjectRecord>> {
    let streams: BTreeSet<StreamId> = keys.iter().map(|(_, s)| *s).collect();
    let wanted: BTreeSet<DataKeyId> = keys.iter().map(|(k, _)| *k).collect();
    let mut records = Vec::new();
    for stream in streams {
        let info = queries::stream_info(conn, stream)?;
        let mut ids = Vec::new();
        for envelope in queries::events(conn, stream)? {
            let Some(event) = envelope.event() else {
                continue;
            };
            let Some(sealed) = sealed_in(event) else {
                continue;
            };
            if !wanted.contains(&sealed.key()) {
                continue;
            }
            let id = match event {
                Event::Correction { corrects, .. } => *corrects,
                _ => envelope.id,
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for id in ids {
            let Some(record) = queries::record(conn, id)? else {
                continue;
            };
            let Event::ObservationRecorded(o) = &record.content else {
                continue;
            };
            records.push(SubjectRecord {
                stream,
                stream_name: info.name.clone(),
                record: id,
                kind: match o.kind {
                    ObservationKind::Observation => "observation",
                    ObservationKind::CaseMaterial => "case material",
                }
                .into(),
                observed_on: o.observed_on.to_string(),
                recorded_at: timestamp(record.created.at.millis as i64),
                recorded_by: names
                    .get(&record.created.author)
                    .cloned()
                    .unwrap_or_else(|| record.created.author.to_string()),
                text: o.text.clone(),
                corrected: record.history.len() > 1,
                withdrawn: record.withdrawn,
            });
        }
    }
    Ok(records)
}
