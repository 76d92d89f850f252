//! The two common cases of a sync, taken without Automerge's sync protocol (see
//! `sync::run`, its fast path):
//!
//! - **A fast-forward**: one replica holds everything the other has and more (a phone
//!   back with work recorded offline). Its changes after the other's heads travel at
//!   once, and the taker stores them as rows, checks and folds their events, and
//!   knows its new heads without applying them to a document: each change builds on
//!   the heads it had or on changes before it in the batch, or the batch is not taken.
//! - **A whole stream** for a replica that holds none of it yet (a new device): the
//!   holder's stored document and changes, read as they are, and the taker's document
//!   loaded from them at once.

use super::*;
use crate::replication::{chunks, parse_change};
use automerge::ChangeHash;
use std::collections::HashSet;

/// What became of changes offered as a fast-forward.
#[derive(Debug)]
pub enum FastForward {
    /// Taken: what was merged, and the stream's heads now.
    Taken(Merged, Vec<ChangeHash>),
    /// Not a fast-forward of this replica as it stands (its heads moved, or a change
    /// builds on one not among them): nothing was written; sync the usual way.
    NotAFastForward(String),
    /// The gate holds an event of it back, which this replica names by an event of its
    /// own, made on the stream's document: nothing was written; take the batch through
    /// the document (`take_changes`), with a fresh gate.
    HoldsBack,
}

/// A whole stream as a replica holds it: Automerge chunks (its document and the
/// changes stored after it) and its heads.
#[derive(Debug)]
pub struct WholeStream {
    pub bytes: Vec<u8>,
    pub heads: Vec<ChangeHash>,
}

/// Changes sent as Automerge chunks one after another, each parsed.
fn parse_all(bytes: &[u8]) -> Result<Vec<automerge::Change>, StoreError> {
    parse_parts(0, &split(bytes)?)
}

/// The chunks of a batch of changes, not yet parsed; at least one.
fn split(bytes: &[u8]) -> Result<Vec<&[u8]>, StoreError> {
    let parts = chunks::split(bytes).map_err(StoreError::BadChanges)?;
    if parts.is_empty() {
        return Err(StoreError::BadChanges("there are no changes in it".into()));
    }
    Ok(parts)
}

/// Parses changes, `offset` being how many came before them in their batch.
fn parse_parts(offset: usize, parts: &[&[u8]]) -> Result<Vec<automerge::Change>, StoreError> {
    let parse = |offset: usize, parts: &[&[u8]]| -> Result<Vec<automerge::Change>, StoreError> {
        parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                parse_change(part)
                    .map_err(|e| StoreError::BadChanges(format!("change {}: {e}", offset + i + 1)))
            })
            .collect()
    };
    // Parsing checks each change's hash: many changes are parsed on every core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || parts.len() < PARALLEL_FROM {
        return parse(offset, parts);
    }
    let share = parts.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let running: Vec<_> = parts
            .chunks(share)
            .enumerate()
            .map(|(i, chunk)| scope.spawn(move || parse(offset + i * share, chunk)))
            .collect();
        let mut changes = Vec::with_capacity(parts.len());
        for thread in running {
            let parsed = thread
                .join()
                .map_err(|_| StoreError::BadChanges("a change could not be parsed".into()))??;
            changes.extend(parsed);
        }
        Ok(changes)
    })
}

/// Batches from this many changes are parsed on several cores.
const PARALLEL_FROM: usize = 500;

/// Changes parsed, checked and merged at a time in a fast-forward, so that memory
/// holds one slice's parsed changes and events however large the batch.
const SLICE: usize = 1_000;

/// The first of `hashes` the stream does not hold: looked for among its stored
/// changes, and the rest in its document.
fn not_held(
    tx: &Connection,
    stream: StreamId,
    mut hashes: Vec<ChangeHash>,
) -> Result<Option<ChangeHash>, StoreError> {
    if hashes.is_empty() {
        return Ok(None);
    }
    let stored: HashSet<Vec<u8>> = tx
        .prepare_cached("SELECT hash FROM changes WHERE stream = ?1")?
        .query_map([uuid_blob(&stream.0)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    hashes.retain(|h| !stored.contains(h.0.as_slice()));
    if hashes.is_empty() {
        return Ok(None);
    }
    let document = documents::load_document(tx, stream)?;
    Ok(hashes.into_iter().find(|h| !document.holds(&[*h])))
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut heads = heads.to_vec();
    heads.sort();
    heads
}

impl Store {
    /// This replica's changes after `base` (another replica's heads), as Automerge
    /// chunks one after another, when it holds every change `base` names; `None` when
    /// it does not, or has nothing after them.
    pub fn changes_after(
        &mut self,
        stream: StreamId,
        base: &[ChangeHash],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let after = if document.holds(base) {
            let changes = document.changes_since(base);
            (!changes.is_empty()).then(|| chunks::join(changes.iter().map(|c| c.raw_bytes())))
        } else {
            None
        };
        self.put_document(stream, document, seen);
        Ok(after)
    }

    /// Takes changes (Automerge chunks one after another) that another replica made
    /// after `base`, this replica's heads as it last saw them, through `gate` as a
    /// sync would: all or nothing, each event checked, folded and stored with its
    /// change in one transaction. The stream's document is not loaded (unless a change
    /// builds on one found neither among the heads nor among the stored changes): each
    /// change must build on `base`, on changes before it in the batch, or on changes
    /// the stream holds.
    pub fn take_fast_forward(
        &mut self,
        stream: StreamId,
        base: &[ChangeHash],
        bytes: &[u8],
        mut gate: Option<&mut dyn Gate>,
    ) -> Result<FastForward, StoreError> {
        let parts = split(bytes)?;
        let heads = self.heads(stream)?;
        if sorted(&heads) != sorted(base) {
            return Ok(FastForward::NotAFastForward(
                "the stream has changed since its heads were read".into(),
            ));
        }
        // Each change builds on changes before it in the batch, or on changes held
        // here: the heads, or others found among the stored changes or, failing that,
        // in the document.
        let mut known: HashSet<ChangeHash> = heads.iter().copied().collect();
        let mut depended: HashSet<ChangeHash> = HashSet::new();
        let before = self.clock;
        let outcome = (|| {
            let tx = self.conn.transaction()?;
            // Slice by slice, so what a slice's changes and events take in memory is
            // given back before the next: one transaction still, all or nothing.
            let mut merged = Merged::default();
            for (n, slice) in parts.chunks(SLICE).enumerate() {
                let changes = parse_parts(n * SLICE, slice)?;
                let mut elsewhere: Vec<ChangeHash> = Vec::new();
                for change in &changes {
                    // Every change but the genesis builds on another; the genesis is here.
                    if change.deps().is_empty() || known.contains(&change.hash()) {
                        return Ok(Some(Err(format!(
                            "change {} is one the stream may hold already",
                            change.hash()
                        ))));
                    }
                    elsewhere.extend(change.deps().iter().filter(|d| !known.contains(d)));
                    depended.extend(change.deps().iter().copied());
                    known.insert(change.hash());
                }
                if let Some(missing) = not_held(&tx, stream, elsewhere)? {
                    return Ok(Some(Err(format!(
                        "a change builds on {missing}, which the stream does not hold"
                    ))));
                }
                let incoming = StreamDocument::describe(stream, &changes)?;
                drop(changes);
                let these = merge_in(&tx, &mut self.clock, stream, &incoming, gate.as_deref_mut())?;
                merged.changes += these.changes;
                merged.events += these.events;
                merged.rebuilt |= these.rebuilt;
                merged.held.extend(these.held);
            }
            if !merged.held.is_empty() {
                // Rolled back: a held event needs the document to name it.
                return Ok(None);
            }
            if merged.events != parts.len() {
                // Rolled back: an event (and so its change) is here already.
                return Ok(Some(Err(
                    "a change carries an event the stream holds already".to_string(),
                )));
            }
            let after: Vec<ChangeHash> = known
                .iter()
                .filter(|h| !depended.contains(h))
                .copied()
                .collect();
            heads::set(&tx, stream, &after)?;
            if let Some(g) = gate.as_deref_mut() {
                g.round(&tx)?;
            }
            tx.commit()?;
            Ok::<_, StoreError>(Some(Ok((merged, after))))
        })();
        match outcome {
            Ok(Some(Err(why))) => {
                self.clock = before;
                Ok(FastForward::NotAFastForward(why))
            }
            Ok(Some(Ok((merged, after)))) => {
                // A document in memory no longer has the stream's heads.
                self.documents.remove(&stream);
                Ok(FastForward::Taken(merged, after))
            }
            Ok(None) => {
                self.clock = before;
                Ok(FastForward::HoldsBack)
            }
            Err(e) => {
                self.clock = before;
                Err(e)
            }
        }
    }

    /// Takes changes (Automerge chunks one after another) through the stream's
    /// document and `gate`, what it holds back named in the same transaction; gives
    /// what was merged and the stream's heads now. A change that builds on one not
    /// here waits in memory, unmerged, as in a sync.
    pub fn take_changes(
        &mut self,
        stream: StreamId,
        bytes: &[u8],
        mut gate: Option<&mut dyn Gate>,
    ) -> Result<(Merged, Vec<ChangeHash>), StoreError> {
        let changes = parse_all(bytes)?;
        let (mut document, seen) = self.take_document(stream)?;
        let incoming = document.apply(changes)?;
        let identity = self.identity.clone();
        let wall = self.wall.now();
        let merged = self.write_with(stream, document, seen, |tx, clock, document| {
            let merged = merge_in(tx, clock, stream, &incoming, gate.as_deref_mut())?;
            hold_in(tx, (clock, wall), &identity, stream, document, &merged.held)?;
            maybe_compact(tx, stream, document)?;
            if let Some(g) = gate {
                g.round(tx)?;
            }
            Ok(merged)
        })?;
        let heads = self.heads(stream)?;
        Ok((merged, heads))
    }

    /// The stream as stored here, read without loading its document.
    pub fn whole_stream(&mut self, stream: StreamId) -> Result<WholeStream, StoreError> {
        let heads = self.heads(stream)?;
        let key = uuid_blob(&stream.0);
        let saved: Vec<u8> = self
            .conn
            .prepare_cached("SELECT bytes FROM documents WHERE stream = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::UnknownStream(stream))?;
        let mut bytes = saved;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT bytes FROM changes WHERE stream = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([key])?;
        while let Some(row) = rows.next()? {
            bytes.extend_from_slice(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
        }
        Ok(WholeStream { bytes, heads })
    }

    /// Takes a whole stream from another replica (see `whole_stream`) into a stream
    /// that holds no event here yet: its document is loaded from the bytes at once and
    /// must have the heads given, its events are checked, folded and stored, and the
    /// document is kept compacted, all in one transaction.
    pub fn take_whole(
        &mut self,
        stream: StreamId,
        whole: &WholeStream,
    ) -> Result<Merged, StoreError> {
        if queries::summary(&self.conn, stream)?.events > 0 {
            return Err(StoreError::BadChanges(
                "a whole stream goes only to a replica that holds none of its events".into(),
            ));
        }
        let mut document = StreamDocument::load(&whole.bytes, &[])?;
        if sorted(&document.heads()) != sorted(&whole.heads) {
            return Err(StoreError::BadChanges(
                "the stream's bytes do not have the heads sent with them".into(),
            ));
        }
        let incoming = document.whole_events(stream)?;
        // A stream the server holds compacted comes as one saved document, kept as it
        // came (it loaded, with the heads sent); otherwise saved again, compacted.
        let saved = match chunks::split(&whole.bytes) {
            Ok(parts) if parts.len() == 1 => whole.bytes.clone(),
            _ => document.save(),
        };
        let seen = self.data_version()?;
        self.write_with(stream, document, seen, |tx, clock, _| {
            let merged = merge_in_kept(tx, clock, stream, &incoming, None, false)?;
            tx.prepare_cached("UPDATE documents SET bytes = ?1 WHERE stream = ?2")?
                .execute(params![saved, uuid_blob(&stream.0)])?;
            tx.prepare_cached("DELETE FROM changes WHERE stream = ?1")?
                .execute([uuid_blob(&stream.0)])?;
            tx.prepare_cached("UPDATE streams SET pending_changes = 0 WHERE id = ?1")?
                .execute([uuid_blob(&stream.0)])?;
            Ok(merged)
        })
    }

    fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?)
    }
}
