//! Merging changes from another replica, through a `Gate` that may refuse them:
//! all or nothing, folded incrementally or, when an event arrives out of order, by a
//! rebuild of the stream's views in the same transaction.

use super::*;

impl Store {
    /// Merges changes from another replica of a stream this device holds. Changes
    /// already here change nothing. All or nothing: an unreadable event or one from
    /// another stream refuses the whole merge.
    pub fn merge_changes(
        &mut self,
        stream: StreamId,
        changes: &[Vec<u8>],
    ) -> Result<Merged, StoreError> {
        let parsed = StreamDocument::parse_changes(changes)?;
        let (mut document, seen) = self.take_document(stream)?;
        let incoming = document.apply(parsed)?;
        self.write_with(stream, document, seen, |tx, clock, document| {
            let merged = merge_in(tx, clock, stream, &incoming, None)?;
            maybe_compact(tx, stream, document)?;
            Ok(merged)
        })
    }

    /// Takes events made on `device`, one that keeps no replica of the stream (the
    /// field app in a browser), with the ids and times the device gave them. Each
    /// becomes a change of the device's own actor in this replica, merged through
    /// `gate` exactly as the same change synced from the device would be: checked,
    /// folded (in order, or by a rebuild when one is older than what is folded) and
    /// stored in one transaction, all or nothing. The caller leaves out events the
    /// stream already holds.
    pub fn take_made_elsewhere(
        &mut self,
        stream: StreamId,
        device: DeviceId,
        envelopes: &[Envelope],
        gate: &mut dyn Gate,
    ) -> Result<Merged, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let before = document.heads();
        for envelope in envelopes {
            if envelope.stream != stream {
                return Err(StoreError::WrongStream {
                    expected: stream,
                    found: envelope.stream,
                });
            }
            if envelope.device != device {
                return Err(StoreError::BadChange(format!(
                    "event {} was made on device {}, not on {device}",
                    envelope.id, envelope.device
                )));
            }
            let secs = i64::try_from(envelope.recorded_at.millis / 1000).unwrap_or(i64::MAX);
            document.append(device, envelope.kind_name(), secs, &envelope.encode())?;
        }
        let incoming = document.appended_since(&before);
        let identity = self.identity.clone();
        let wall = self.wall.now();
        self.write_with(stream, document, seen, |tx, clock, document| {
            let merged = merge_in(tx, clock, stream, &incoming, Some(&mut *gate))?;
            hold_in(tx, (clock, wall), &identity, stream, document, &merged.held)?;
            maybe_compact(tx, stream, document)?;
            gate.round(tx)?;
            Ok(merged)
        })
    }

    /// Adds a stream known elsewhere (to merge into), starting from the shared genesis.
    pub fn add_stream(
        &mut self,
        stream: StreamId,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
    ) -> Result<(), StoreError> {
        let exists: bool = self.conn.query_row(
            "SELECT count(*) FROM streams WHERE id = ?1",
            [uuid_blob(&stream.0)],
            |r| r.get::<_, i64>(0),
        )? > 0;
        if exists {
            return Ok(());
        }
        let saved = StreamDocument::genesis(stream)?.save();
        let tx = self.conn.transaction()?;
        insert_stream(&tx, stream, kind, name, collaborative, &saved)?;
        tx.commit()?;
        Ok(())
    }

    /// Drops a stream's views and folds them again from its events.
    pub fn rebuild_views(&mut self, stream: StreamId) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let n = rebuild_in(&tx, stream)?;
        tx.commit()?;
        Ok(n)
    }

    pub fn rebuild_all_views(&mut self) -> Result<usize, StoreError> {
        // Not through `queries::streams`: it reads the summaries, which may be in the
        // form an older fold wrote.
        let streams: Vec<StreamId> = self
            .conn
            .prepare("SELECT id FROM streams ORDER BY id")?
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .map(|id| Ok(StreamId(blob_uuid(&id?)?)))
            .collect::<Result<_, StoreError>>()?;
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for stream in streams {
            n += rebuild_in(&tx, stream)?;
        }
        tx.commit()?;
        Ok(n)
    }
}

/// What a replica that trusts no one checks of each change it receives, beyond the
/// domain's own rules (see `Store::receive_sync_message`).
pub trait Gate {
    /// Whether the change and the event it carries may be accepted; if not, whether it
    /// is refused outright or kept and held back.
    fn admit(&mut self, change: &IncomingChange, event: &Envelope) -> Result<(), NotAdmitted>;
    /// Called inside the merging transaction once every change is admitted or held,
    /// with the events held back (by the gate, or by the domain's rules).
    fn accepted(
        &mut self,
        tx: &Connection,
        changes: &[IncomingChange],
        held: &[HeldBack],
    ) -> Result<(), StoreError>;
    /// Called inside the transaction of each round of sync, whatever its message
    /// carried, once everything in it is merged.
    fn round(&mut self, _tx: &Connection) -> Result<(), StoreError> {
        Ok(())
    }
    /// Whether what may not be applied is held back (the default: the sender keeps a
    /// replica, and its later changes depend on this one) or refused like what is not
    /// authentic (a sender that keeps no replica, and can change the record and send
    /// it again).
    fn holds(&self) -> bool {
        true
    }
}

/// Why a gate did not admit a change as it came.
#[derive(Clone, Debug, PartialEq)]
pub enum NotAdmitted {
    /// It is not what it claims to be (another device's actor, another author, more
    /// than one event): the whole message is refused and nothing of it is kept.
    Refuse(String),
    /// It is authentic, but not to be applied here (a role that ended while its device
    /// was offline): it is kept in the history and held back from the views, and the
    /// replica records why (`Event::Quarantined`), so what came after it goes through.
    Hold(String),
}

/// A change a gated merge refused, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefusedChange {
    pub change: String,
    pub event: Option<EventId>,
    pub kind: Option<String>,
    pub reason: String,
}

pub(super) fn merge_in<'g>(
    tx: &Transaction,
    clock: &mut Hlc,
    stream: StreamId,
    incoming: &[IncomingChange],
    gate: Option<&mut (dyn Gate + 'g)>,
) -> Result<Merged, StoreError> {
    merge_in_kept(tx, clock, stream, incoming, gate, true)
}

/// As `merge_in`; with `keep_changes` false the changes are not stored as rows (the
/// caller stores the document that holds them).
pub(super) fn merge_in_kept<'g>(
    tx: &Transaction,
    clock: &mut Hlc,
    stream: StreamId,
    incoming: &[IncomingChange],
    mut gate: Option<&mut (dyn Gate + 'g)>,
    keep_changes: bool,
) -> Result<Merged, StoreError> {
    let (last_hlc, last_id): (i64, Vec<u8>) = tx
        .query_row(
            "SELECT last_applied_hlc, last_applied_id FROM streams WHERE id = ?1",
            [uuid_blob(&stream.0)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(StoreError::UnknownStream(stream))?;
    let last = if last_id.is_empty() {
        None
    } else {
        Some((Hlc::from_sort_key(last_hlc), EventId(blob_uuid(&last_id)?)))
    };
    let mut refused = Vec::new();
    // Each new event with the reason it is held back, if it is.
    let mut new_events: Vec<(Envelope, &Vec<u8>, Option<String>)> = Vec::new();
    for change in incoming {
        let refuse =
            |refused: &mut Vec<RefusedChange>, event: Option<&Envelope>, reason: String| {
                refused.push(RefusedChange {
                    change: change.hash.to_string(),
                    event: event.map(|e| e.id),
                    kind: event.map(|e| e.kind_name().to_string()),
                    reason,
                })
            };
        if change.events.len() != 1 || change.foreign_ops > 0 {
            let reason = format!(
                "a change must append exactly one event and nothing else; this one appends {} and makes {} other operations",
                change.events.len(),
                change.foreign_ops
            );
            if gate.is_none() {
                return Err(StoreError::BadChange(reason));
            }
            refuse(&mut refused, None, reason);
            continue;
        }
        for bytes in &change.events {
            let envelope = match Envelope::decode(bytes) {
                Ok(e) => e,
                Err(e) if gate.is_some() => {
                    refuse(&mut refused, None, e.to_string());
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if envelope.stream != stream {
                if gate.is_some() {
                    refuse(
                        &mut refused,
                        Some(&envelope),
                        format!("the event belongs to stream {}", envelope.stream),
                    );
                    continue;
                }
                return Err(StoreError::WrongStream {
                    expected: stream,
                    found: envelope.stream,
                });
            }
            if let Some(g) = gate.as_deref_mut() {
                if envelope.event().is_none() {
                    let reason = format!(
                        "schema version {} is not one this server knows",
                        envelope.schema
                    );
                    refuse(&mut refused, Some(&envelope), reason);
                    continue;
                }
                match g.admit(change, &envelope) {
                    Ok(()) => {}
                    Err(NotAdmitted::Refuse(reason)) => {
                        refuse(&mut refused, Some(&envelope), reason);
                        continue;
                    }
                    Err(NotAdmitted::Hold(reason)) if g.holds() => {
                        new_events.push((envelope, bytes, Some(reason)));
                        continue;
                    }
                    Err(NotAdmitted::Hold(reason)) => {
                        refuse(&mut refused, Some(&envelope), reason);
                        continue;
                    }
                }
            }
            new_events.push((envelope, bytes, None));
        }
    }
    new_events.sort_by_key(|(e, _, _)| e.order_key());
    let in_order = match (last, new_events.iter().find(|(_, _, hold)| hold.is_none())) {
        (Some(last), Some((first, _, _))) => first.order_key() > last,
        _ => true,
    };
    let mut views = SqliteViews::new(tx, stream, new_events.len());
    let mut context = LazyContext::new(stream);
    let mut added = 0;
    let mut held = Vec::new();
    let mut changes_held = false;
    let holds = gate.as_ref().is_some_and(|g| g.holds());
    let mut newest = last;
    for (envelope, bytes, hold) in &mut new_events {
        if gate.is_some()
            && hold.is_none()
            && let Some(event) = envelope.event()
        {
            let collaborative = context.for_event(tx, &mut views, event)?;
            if let Err(refusal) = validate(
                event,
                envelope.author,
                &mut views,
                collaborative,
                Mode::Replica,
            ) {
                if !holds {
                    refused.push(RefusedChange {
                        change: String::new(),
                        event: Some(envelope.id),
                        kind: Some(envelope.kind_name().to_string()),
                        reason: refusal.to_string(),
                    });
                    continue;
                }
                *hold = Some(refusal.to_string());
            }
        }
        *clock = clock.observe(envelope.recorded_at);
        let founding = views.founding();
        if let Some(reason) = hold.take() {
            // Kept, in the history, and left out of the views.
            if insert_event(tx, envelope, bytes, founding)? {
                held.push(HeldBack {
                    event: envelope.id,
                    author: envelope.author,
                    kind: envelope.kind_name().to_string(),
                    reason,
                });
            }
            continue;
        }
        if insert_event(tx, envelope, bytes, founding)? {
            changes_held |= envelope.kind().is_some_and(|k| k.changes_what_is_held());
            added += 1;
            fold::apply(&mut views, envelope);
            if let Some(Event::ProjectStarted(p)) = envelope.event() {
                tx.execute(
                    "UPDATE streams SET name = ?1, collaborative = ?2 WHERE id = ?3",
                    params![
                        format!("{} ({})", p.title, p.team),
                        uuid_blob(&p.collaborative.0),
                        uuid_blob(&stream.0)
                    ],
                )?;
            }
            newest = newest.max(Some(envelope.order_key()));
        }
    }
    if !refused.is_empty() {
        return Err(StoreError::ChangesRefused(refused));
    }
    let summary = views.flush()?;
    drop(views);
    // Only changes the document did not have arrive here, so none is stored already.
    let mut changes = StoredChanges::after(tx, stream)?;
    if keep_changes {
        for change in incoming {
            changes.insert(tx, &change.hash, &change.raw)?;
        }
    }
    let rebuilt = (!in_order && added > 0) || changes_held;
    if rebuilt {
        rebuild_in(tx, stream)?;
    }
    if let Some(g) = gate {
        g.accepted(tx, incoming, &held)?;
    }
    // A rebuild wrote the summary it folded; otherwise write the one folded here.
    let summary = if rebuilt { None } else { summary };
    update_stream(
        tx,
        stream,
        summary.as_deref(),
        newest,
        if keep_changes {
            incoming.len() as i64
        } else {
            0
        },
    )?;
    Ok(Merged {
        changes: incoming.len(),
        events: added + held.len(),
        rebuilt,
        held,
    })
}

/// Records, as this replica's own identity, why each event a gate held back was held
/// (`Event::Quarantined`), in the merging transaction: the device that sent it learns
/// why at its next sync, and every replica leaves the event out of its views.
pub(super) fn hold_in(
    tx: &Transaction,
    clock: (&mut Hlc, u64),
    identity: &Identity,
    stream: StreamId,
    document: &mut StreamDocument,
    held: &[HeldBack],
) -> Result<(), StoreError> {
    if held.is_empty() {
        return Ok(());
    }
    let events = held
        .iter()
        .map(|h| Event::Quarantined {
            held: h.event,
            author: h.author,
            reason: h.reason.clone(),
        })
        .collect();
    record_in(tx, clock, identity, stream, document, events, None)?;
    Ok(())
}

/// Folds the stream's events again, in order, in memory, and makes the stored views
/// equal to what it folded: writes the records whose encoding differs from the stored
/// one (after a change to the fold, every record; usually none) and deletes those the
/// fold no longer makes.
pub(super) fn rebuild_in(tx: &Transaction, stream: StreamId) -> Result<usize, StoreError> {
    let mut views = MemoryViews::new(stream);
    let mut count = 0;
    let decode = |bytes: &[u8]| {
        Envelope::decode(bytes).map_err(|e| StoreError::Corrupt(format!("a stored event: {e}")))
    };
    // What is held back, from the quarantines and releases alone, before the fold.
    let held = {
        let mut stmt =
            tx.prepare_cached("SELECT bytes FROM events WHERE stream = ?1 AND kind IN (?2, ?3)")?;
        let mut rows = stmt.query(params![
            uuid_blob(&stream.0),
            EventKind::Quarantined.name(),
            EventKind::QuarantineReleased.name()
        ])?;
        let mut settling = Vec::new();
        while let Some(row) = rows.next()? {
            settling.push(decode(
                row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?,
            )?);
        }
        fold::held_back(&settling)
    };
    {
        let mut stmt =
            tx.prepare_cached("SELECT bytes FROM events WHERE stream = ?1 ORDER BY hlc, id")?;
        let mut rows = stmt.query([uuid_blob(&stream.0)])?;
        while let Some(row) = rows.next()? {
            let bytes = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            let envelope = decode(bytes)?;
            if !held.contains(&envelope.id) {
                fold::apply(&mut views, &envelope);
            }
            count += 1;
        }
    }
    // In id order, as the map keeps them.
    let ids: Vec<EventId> = views.records.keys().copied().collect();
    let mut unchanged = vec![false; ids.len()];
    let mut gone = Vec::new();
    let ends = ids
        .first()
        .zip(ids.last())
        .map(|(first, last)| [uuid_blob(&first.0).to_vec(), uuid_blob(&last.0).to_vec()]);
    let stream_blob = uuid_blob(&stream.0);
    if let Some([first, last]) = &ends {
        // The stored records from the first id folded to the last, read in the order
        // they are kept (by id), not looked up one by one through the index on the
        // stream (`+stream` keeps the planner off it).
        let mut encoded = Vec::new();
        let mut stmt = tx.prepare_cached(
            "SELECT id, body FROM records WHERE id BETWEEN ?1 AND ?2 AND +stream = ?3",
        )?;
        let mut rows = stmt.query(params![first, last, stream_blob])?;
        while let Some(row) = rows.next()? {
            let id = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            let id = EventId(blob_uuid(id)?);
            match ids.binary_search(&id) {
                Ok(i) => {
                    codec::encode_record_into(&views.records[&id], &mut encoded);
                    let body = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                    unchanged[i] = body == encoded.as_slice();
                }
                Err(_) => gone.push(id),
            }
        }
    }
    {
        // Stored records outside that range are not made by the fold.
        let mut stmt = tx.prepare_cached(
            "SELECT id FROM records WHERE stream = ?1 AND (?2 IS NULL OR id < ?2 OR id > ?3)",
        )?;
        let (first, last) = match &ends {
            Some([first, last]) => (Some(first.as_slice()), Some(last.as_slice())),
            None => (None, None),
        };
        let mut rows = stmt.query(params![stream_blob, first, last])?;
        while let Some(row) = rows.next()? {
            let id = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            gone.push(EventId(blob_uuid(id)?));
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM records WHERE id = ?1")?;
    for id in &gone {
        delete.execute([uuid_blob(&id.0)])?;
    }
    let mut write = tx.prepare_cached(
        "INSERT INTO records (id, stream, kind, parent, position, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET stream = excluded.stream, kind = excluded.kind,
             parent = excluded.parent, position = excluded.position, body = excluded.body",
    )?;
    for (id, _) in ids.iter().zip(&unchanged).filter(|(_, same)| !**same) {
        let record = &views.records[id];
        write.execute(params![
            uuid_blob(&record.id.0),
            uuid_blob(&stream.0),
            record.kind.name(),
            record.parent.map(|p| uuid_blob(&p.0).to_vec()),
            record.created.at.sort_key(),
            codec::encode_record(record),
        ])?;
    }
    let summary =
        postcard::to_stdvec(&views.summary).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    update_stream(tx, stream, Some(&summary), None, 0)?;
    Ok(count)
}
