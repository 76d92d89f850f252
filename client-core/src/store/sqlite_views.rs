//! The fold's `Views` over the `records` table: reads rows on demand, keeps what it
//! touched in memory, and writes it back in the caller's transaction.

use super::StoreError;
use super::codec::{encode_record, read_kept_record, uuid_blob};
use crate::domain::fold::Views;
use crate::domain::ids::{EventId, StreamId};
use crate::domain::record::{Record, StreamSummary};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};

pub struct SqliteViews<'c> {
    conn: &'c Connection,
    stream: StreamId,
    records: HashMap<EventId, Option<Record>>,
    dirty: HashSet<EventId>,
    summary: Option<StreamSummary>,
    summary_dirty: bool,
    /// The first read error; the fold cannot fail, so it is reported at `flush`.
    error: Option<StoreError>,
}

impl<'c> SqliteViews<'c> {
    /// Views to fold `events` events into (room for a record each, made or changed).
    pub fn new(conn: &'c Connection, stream: StreamId, events: usize) -> Self {
        SqliteViews {
            conn,
            stream,
            records: HashMap::with_capacity(events),
            dirty: HashSet::with_capacity(events),
            summary: None,
            summary_dirty: false,
            error: None,
        }
    }

    /// Writes every record the fold changed. Returns the summary's encoding if the fold
    /// changed it, for the caller to write with the rest of the stream's row.
    pub fn flush(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        self.flush_records()?;
        if self.summary_dirty
            && let Some(summary) = &self.summary
        {
            self.summary_dirty = false;
            let bytes =
                postcard::to_stdvec(summary).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            return Ok(Some(bytes));
        }
        Ok(None)
    }

    /// Writes every record the fold changed (not the summary), in id order (UUIDv7:
    /// time order, so new rows go at the end of the table).
    pub fn flush_records(&mut self) -> Result<(), StoreError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        // A record's stream, kind, parent and position never change once it exists:
        // only its body is rewritten, in place, so its index entries are left alone.
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO records (id, stream, kind, parent, position, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        )?;
        let mut dirty: Vec<EventId> = self.dirty.drain().collect();
        dirty.sort_unstable();
        for id in dirty {
            if let Some(Some(record)) = self.records.get(&id) {
                insert.execute(params![
                    uuid_blob(&record.id.0),
                    uuid_blob(&self.stream.0),
                    record.kind.name(),
                    record.parent.map(|p| uuid_blob(&p.0).to_vec()),
                    record.created.at.sort_key(),
                    encode_record(record),
                ])?;
            }
        }
        Ok(())
    }

    fn load(&self, id: EventId) -> Result<Option<Record>, StoreError> {
        let body: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT body FROM records WHERE id = ?1 AND stream = ?2")?
            .query_row(params![uuid_blob(&id.0), uuid_blob(&self.stream.0)], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| read_kept_record(self.conn, &b)).transpose()
    }
}

impl SqliteViews<'_> {
    /// The record `id` as it stands in this transaction, read once.
    fn cached(&mut self, id: EventId) -> &mut Option<Record> {
        if !self.records.contains_key(&id) {
            let loaded = match self.load(id) {
                Ok(r) => r,
                Err(e) => {
                    self.error.get_or_insert(e);
                    None
                }
            };
            self.records.insert(id, loaded);
        }
        self.records.entry(id).or_default()
    }

    fn cached_summary(&mut self) -> &StreamSummary {
        if self.summary.is_none() {
            let summary = match super::queries::summary(self.conn, self.stream) {
                Ok(s) => s,
                Err(e) => {
                    self.error.get_or_insert(e);
                    StreamSummary::new(self.stream)
                }
            };
            self.summary = Some(summary);
        }
        self.summary
            .get_or_insert_with(|| StreamSummary::new(self.stream))
    }

    /// The stream's first event, without copying the summary.
    pub fn founding(&mut self) -> Option<EventId> {
        self.cached_summary().founding
    }
}

impl Views for SqliteViews<'_> {
    fn record(&mut self, id: EventId) -> Option<Record> {
        self.cached(id).clone()
    }

    fn update(&mut self, id: EventId, change: impl FnOnce(&mut Record)) -> bool {
        let Some(record) = self.cached(id) else {
            return false;
        };
        change(record);
        self.dirty.insert(id);
        true
    }

    fn put(&mut self, record: Record) {
        self.dirty.insert(record.id);
        self.records.insert(record.id, Some(record));
    }

    fn summary(&mut self) -> StreamSummary {
        self.cached_summary().clone()
    }

    fn put_summary(&mut self, summary: StreamSummary) {
        self.summary = Some(summary);
        self.summary_dirty = true;
    }

    /// Lent, not copied: the fold gives it back with `put_summary` before anything
    /// reads it again.
    fn take_summary(&mut self) -> StreamSummary {
        self.cached_summary();
        self.summary
            .take()
            .unwrap_or_else(|| StreamSummary::new(self.stream))
    }
}
