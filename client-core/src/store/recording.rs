//! Recording: an event validated against the views, appended to its stream's
//! document, stored, indexed and folded, in one transaction.

use super::*;

impl Store {
    /// Starts a team's project in a new stream of its own.
    pub fn start_project(
        &mut self,
        started: crate::domain::event::ProjectStarted,
    ) -> Result<Recorded, StoreError> {
        let name = format!("{} ({})", started.title, started.team);
        let collaborative = started.collaborative;
        self.new_stream(
            StreamKind::Project,
            &name,
            Some(collaborative),
            Event::ProjectStarted(started),
        )
    }

    pub(super) fn new_stream(
        &mut self,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
        event: Event,
    ) -> Result<Recorded, StoreError> {
        let stream = StreamId::new();
        let mut document = StreamDocument::genesis(stream)?;
        let saved = document.save();
        let before = self.clock;
        let tx = self.conn.transaction()?;
        insert_stream(&tx, stream, kind, name, collaborative, &saved)?;
        let wall = self.wall.now();
        let result = record_in(
            &tx,
            (&mut self.clock, wall),
            &self.identity,
            stream,
            &mut document,
            vec![event],
            Some(&self.keyring),
        );
        match result {
            Ok(batch) => {
                tx.commit()?;
                self.put_document(stream, document, UNSEEN);
                Ok(batch.asked_for().remove(0))
            }
            Err(e) => {
                self.clock = before;
                Err(e)
            }
        }
    }

    /// Validates and records one event, durably.
    pub fn record(&mut self, stream: StreamId, event: Event) -> Result<Recorded, StoreError> {
        let mut recorded = self.record_all(stream, vec![event])?;
        Ok(recorded.remove(0))
    }

    /// Validates and records many events in one transaction: all of them or none.
    pub fn record_all(
        &mut self,
        stream: StreamId,
        events: Vec<Event>,
    ) -> Result<Vec<Recorded>, StoreError> {
        self.record_with(stream, events, |_, _| Ok(()))
    }

    /// Records events and, in the same transaction, whatever `also` writes (a server's
    /// own tables): all of it commits or none of it does.
    pub fn record_with(
        &mut self,
        stream: StreamId,
        events: Vec<Event>,
        also: impl FnOnce(&Connection, &[Recorded]) -> Result<(), StoreError>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let identity = self.identity.clone();
        self.record_as(&identity, stream, events, |tx, recorded, _| {
            also(tx, recorded)
        })
    }

    /// Records events authored by `identity` (a person on a device the caller has
    /// checked, such as a server recording what a person signed in to it submits),
    /// with the same validation and in one transaction with whatever `also` writes.
    /// `also` is given the recorded events and the hashes of the Automerge changes that
    /// carry them (one per event, in order), for a receipt log.
    pub fn record_as(
        &mut self,
        identity: &Identity,
        stream: StreamId,
        events: Vec<Event>,
        also: impl FnOnce(&Connection, &[Recorded], &[automerge::ChangeHash]) -> Result<(), StoreError>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let (document, seen) = self.take_document(stream)?;
        let wall = self.wall.now();
        let keyring = self.keyring.clone();
        self.write_with(stream, document, seen, |tx, clock, document| {
            let batch = record_in(
                tx,
                (clock, wall),
                identity,
                stream,
                document,
                events,
                Some(&keyring),
            )?;
            also(tx, &batch.recorded, &batch.hashes)?;
            maybe_compact(tx, stream, document)?;
            Ok(batch.asked_for())
        })
    }
}

/// What validation needs from a project's collaborative: its scale and change package.
pub(super) fn collaborative_context(
    conn: &Connection,
    stream: StreamId,
) -> Result<Option<CollaborativeContext>, StoreError> {
    let info = queries::stream_info(conn, stream)?;
    let collaborative = match info.kind {
        StreamKind::Organisation => return Ok(None),
        StreamKind::Collaborative => stream,
        StreamKind::Project => match info.collaborative {
            Some(c) => c,
            None => return Ok(None),
        },
    };
    collaborative_context_of(conn, collaborative)
}

pub(super) fn collaborative_context_of(
    conn: &Connection,
    collaborative: StreamId,
) -> Result<Option<CollaborativeContext>, StoreError> {
    if queries::stream_info(conn, collaborative).is_err() {
        return Ok(None);
    }
    let summary = queries::summary(conn, collaborative)?;
    let scale = match summary
        .founding
        .map(|f| queries::record(conn, f))
        .transpose()?
        .flatten()
        .map(|r| r.detail)
    {
        Some(Detail::Collaborative { scales, .. }) => scales
            .into_iter()
            .max_by_key(|s| s.version)
            .unwrap_or_else(ProgressScale::ihi),
        _ => ProgressScale::ihi(),
    };
    let package_items =
        queries::records_of_kind(conn, collaborative, EventKind::ChangePackageItemAdded)?
            .into_iter()
            .filter(|r| !r.withdrawn)
            .map(|r| r.id)
            .collect();
    Ok(Some(CollaborativeContext {
        stream: collaborative,
        scale,
        package_items,
    }))
}

/// What validation needs of a stream's collaborative, read only once an event needs it:
/// most events (measurements, observations, cycles) never do.
pub(super) struct LazyContext {
    stream: StreamId,
    /// `None` until read; then the context, if the stream has a collaborative here.
    read: Option<Option<CollaborativeContext>>,
}

impl LazyContext {
    pub(super) fn new(stream: StreamId) -> Self {
        LazyContext { stream, read: None }
    }

    /// The context to validate `event` against. A project's start reads the
    /// collaborative it names; an event whose rules look at the collaborative (its
    /// scale or change package) reads the stream's, once, after writing what the fold
    /// changed so far so that the read sees it. Leaving an event out here could only
    /// refuse it (a missing context is "not on this device"), never accept it wrongly.
    pub(super) fn for_event(
        &mut self,
        tx: &Connection,
        views: &mut SqliteViews,
        event: &Event,
    ) -> Result<Option<&CollaborativeContext>, StoreError> {
        let needs = matches!(
            event,
            Event::ChangeIdeaProposed(_)
                | Event::MonthlyReportSubmitted(_)
                | Event::CoordinatorScoreGiven { .. }
                | Event::ScoreSuggested { .. }
                | Event::Correction { .. }
        );
        if let Event::ProjectStarted(p) = event {
            self.read = Some(collaborative_context_of(tx, p.collaborative)?);
        } else if needs && self.read.is_none() {
            views.flush_records()?;
            self.read = Some(collaborative_context(tx, self.stream)?);
        }
        Ok(self.read.as_ref().and_then(Option::as_ref))
    }

    /// Keeps a context already read in step with an event just folded into its own
    /// stream (one not read yet will see the event when it is).
    pub(super) fn folded(&mut self, envelope: &Envelope) {
        let Some(Some(c)) = self.read.as_mut() else {
            return;
        };
        if c.stream != self.stream {
            return;
        }
        match envelope.event() {
            Some(Event::ChangePackageItemAdded(_)) => c.package_items.push(envelope.id),
            Some(Event::ProgressScaleAdopted(scale)) => c.scale = scale.clone(),
            _ => {}
        }
    }
}

/// Validates, appends and folds events, inside the caller's transaction. With a
/// keyring, personal content is sealed once validated (`sealing::seal_event`).
pub(super) fn record_in(
    tx: &Transaction,
    (clock, wall): (&mut Hlc, u64),
    identity: &Identity,
    stream: StreamId,
    document: &mut StreamDocument,
    events: Vec<Event>,
    keyring: Option<&keyring::Keyring>,
) -> Result<Batch, StoreError> {
    let roles = stream_roles(tx, stream)?;
    // Another process may have recorded since this one last looked at the clock.
    *clock = clock.observe(read_clock(tx)?);
    let mut context = LazyContext::new(stream);
    let mut views = SqliteViews::new(tx, stream, events.len());
    let mut changes = StoredChanges::after(tx, stream)?;
    let mut recorded = Vec::with_capacity(events.len());
    let mut hashes = Vec::with_capacity(events.len());
    let mut last = None;
    let total = events.len();
    // A batch after which the document is compacted anyway (see `maybe_compact`) does
    // not store its changes one by one: the document saved at its end, in the same
    // transaction, holds them all.
    let compact_at_end = compaction_due(
        pending_changes(tx, stream)? + total as i64,
        document.len() + total,
    );
    // Their changes, made together at the end (the document is not read before).
    let mut appended = Vec::with_capacity(if compact_at_end { total } else { 0 });
    // A score brings its suggestion (`Event::ScoreSuggested`) into the batch after it;
    // each event asked for keeps its place in the batch (`Some`), for refusals.
    let mut queue: std::collections::VecDeque<(Event, Option<usize>)> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| (e, Some(i + 1)))
        .collect();
    let mut asked = Vec::with_capacity(total);
    while let Some((event, place)) = queue.pop_front() {
        if let Some(roles) = &roles
            && !roles.iter().any(|r| r.may_record(event.kind()))
        {
            let who = if roles.is_empty() {
                "may only read this stream".to_string()
            } else {
                format!(
                    "as {} may not record a {} here",
                    roles
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    event.kind().name()
                )
            };
            return Err(Refusal {
                problem: format!("You {who}: the server would refuse it."),
                fix: "Ask whoever holds that role to record it, or an administrator for the role."
                    .into(),
            }
            .into());
        }
        let collaborative = context.for_event(tx, &mut views, &event)?;
        validate(
            &event,
            identity.person,
            &mut views,
            collaborative,
            Mode::Device,
        )
        .map_err(|refusal| {
            if let Some(index) = place.filter(|_| total > 1) {
                Refusal {
                    problem: format!("Event {index} of {total}: {}", refusal.problem),
                    fix: refusal.fix,
                }
            } else {
                refusal
            }
        })?;
        let event = match keyring {
            Some(keyring) => sealing::seal_event(tx, keyring, stream, event, wall as i64)?,
            None => event,
        };
        *clock = Hlc::tick(*clock, wall);
        let envelope = Envelope::new(stream, identity.person, identity.device, *clock, event);
        let bytes = envelope.encode();
        if bytes.len() > crate::domain::envelope::MAX_EVENT_BYTES {
            return Err(Refusal {
                problem: format!(
                    "This record is {} KiB, more than the {} KiB a record may have.",
                    bytes.len() / 1024,
                    crate::domain::envelope::MAX_EVENT_BYTES / 1024
                ),
                fix: "Shorten it, or split it into several records.".into(),
            }
            .into());
        }
        if !compact_at_end {
            let (hash, change) = document.append(
                identity.device,
                envelope.kind_name(),
                (wall / 1000) as i64,
                &bytes,
            )?;
            changes.insert(tx, &hash, &change)?;
            hashes.push(hash);
        }
        insert_event(tx, &envelope, &bytes, views.founding())?;
        if compact_at_end {
            appended.push((envelope.kind_name(), (wall / 1000) as i64, bytes));
        }
        fold::apply(&mut views, &envelope);
        context.folded(&envelope);
        if let Some(suggestion) = suggestion_for(tx, &mut views, stream, &envelope)? {
            queue.push_front((suggestion, None));
        }
        asked.push(place.is_some());
        last = Some(envelope.order_key());
        recorded.push(Recorded {
            id: envelope.id,
            stream,
            kind: envelope.kind().unwrap_or(EventKind::Correction),
            at: envelope.recorded_at,
        });
    }
    let summary = views.flush()?;
    drop(views);
    let changes = if compact_at_end {
        0
    } else {
        recorded.len() as i64
    };
    update_stream(tx, stream, summary.as_deref(), last, changes)?;
    if recorded.iter().any(|r| r.kind.changes_what_is_held()) {
        // A quarantine or a release changes which of the events already folded count.
        rebuild_in(tx, stream)?;
    }
    if compact_at_end {
        hashes = document.append_all(identity.device, appended)?;
        compact_in(tx, stream, document)?;
    }
    Ok(Batch {
        recorded,
        hashes,
        asked,
    })
}

/// What `record_in` recorded: each event with the hash of the change that carries it,
/// and whether the caller asked for it (a score's suggestion is recorded with it).
pub(super) struct Batch {
    pub recorded: Vec<Recorded>,
    pub hashes: Vec<automerge::ChangeHash>,
    pub asked: Vec<bool>,
}

impl Batch {
    /// The events the caller asked for, in its order.
    fn asked_for(self) -> Vec<Recorded> {
        self.recorded
            .into_iter()
            .zip(self.asked)
            .filter_map(|(r, asked)| asked.then_some(r))
            .collect()
    }
}

/// The suggestion recorded with a score just folded: the level the project's evidence
/// supported for the report's month when the score was given.
fn suggestion_for(
    tx: &Transaction,
    views: &mut SqliteViews,
    stream: StreamId,
    envelope: &Envelope,
) -> Result<Option<Event>, StoreError> {
    use crate::domain::fold::Views;
    let (report, month, given) = match envelope.event() {
        Some(Event::MonthlyReportSubmitted(r)) => (envelope.id, r.month, r.self_score),
        Some(Event::CoordinatorScoreGiven { report, score, .. }) => {
            let month = views.record(*report).and_then(|r| match r.content {
                Event::MonthlyReportSubmitted(m) => Some(m.month),
                _ => None,
            });
            let Some(month) = month else {
                return Ok(None);
            };
            (*report, month, *score)
        }
        _ => return Ok(None),
    };
    // The evidence includes whatever this batch recorded before the score.
    views.flush_records()?;
    Ok(
        queries::suggested_score(tx, stream, month)?.map(|s| Event::ScoreSuggested {
            report,
            score: envelope.id,
            suggestion: s.recorded_with(given),
        }),
    )
}

pub(super) fn insert_event(
    tx: &Transaction,
    envelope: &Envelope,
    bytes: &[u8],
    founding: Option<EventId>,
) -> Result<bool, StoreError> {
    let subject = envelope
        .event()
        .and_then(|e| e.subject(envelope.id, founding.or(Some(envelope.id))));
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO events (id, stream, hlc, author, device, schema, kind, subject, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            uuid_blob(&envelope.id.0),
            uuid_blob(&envelope.stream.0),
            envelope.recorded_at.sort_key(),
            uuid_blob(&envelope.author.0),
            uuid_blob(&envelope.device.0),
            envelope.schema,
            envelope.kind_name(),
            subject.map(|s| uuid_blob(&s.0).to_vec()),
            bytes,
        ])?;
    Ok(inserted > 0)
}
