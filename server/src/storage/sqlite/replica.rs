//! A throwaway replica in memory: a device's kind of store holding exactly the
//! changes it is given, with the views it folds from them. The auditor's "as it stood"
//! pages are the live pages read from one that holds what the server held at a moment.

use super::reads;
use crate::storage::{EventView, Person, Result, StreamView, Views};
use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::domain::prediction_check::PredictionCheck;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::score_evidence::SuggestedScore;
use praxis_core::domain::views::{
    CycleView, FeedItem, MeasureSeries, ProjectDetail, RecordHistory,
};
use praxis_core::store::{HeldRecord, KeyChange, Store, queries};

pub struct Replica {
    store: Store,
    /// The streams it holds, with their kinds and collaboratives.
    streams: Vec<(StreamId, StreamKind, Option<StreamId>)>,
    people: Vec<Person>,
}

impl Replica {
    /// An empty replica that names authors from `people`.
    pub fn new(people: Vec<Person>) -> Result<Replica> {
        Ok(Replica {
            store: Store::create_in_memory("As it stood")?,
            streams: Vec::new(),
            people,
        })
    }

    /// Takes a stream's changes (in causal order, from its genesis) and folds them.
    pub fn hold(
        &mut self,
        stream: StreamId,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
        changes: &[Vec<u8>],
    ) -> Result<()> {
        self.store.add_stream(stream, kind, name, collaborative)?;
        self.store.merge_changes(stream, changes)?;
        self.streams.push((stream, kind, collaborative));
        Ok(())
    }

    /// Takes the keys of a stream's sealed content, as the server holds them now: an
    /// erased key stays erased in what stood before the erasure too.
    pub fn hold_keys(&mut self, keys: &[(i64, KeyChange)]) -> Result<()> {
        self.store.take_key_changes(keys)?;
        Ok(())
    }

    /// How many events it holds in all.
    pub fn events(&self) -> Result<usize> {
        let mut n = 0;
        for (stream, ..) in &self.streams {
            n += queries::stream_info(self.store.connection(), *stream)?.events as usize;
        }
        Ok(n)
    }
}

impl Views for Replica {
    fn people(&self) -> Result<Vec<Person>> {
        Ok(self.people.clone())
    }

    fn stream_view(&self, stream: StreamId) -> Result<StreamView> {
        reads::stream_view(self.store.connection(), stream)
    }

    fn events(&self, stream: StreamId) -> Result<Vec<EventView>> {
        reads::events(self.store.connection(), stream)
    }

    fn stream_of(&self, record: EventId) -> Result<Option<StreamId>> {
        reads::stream_of(self.store.connection(), record)
    }

    fn cycle(&self, id: EventId) -> Result<Option<CycleView>> {
        reads::cycle(self.store.connection(), id)
    }

    fn prediction_checks(&self, cycle: EventId, today: time::Date) -> Result<Vec<PredictionCheck>> {
        Ok(queries::prediction_checks(
            self.store.connection(),
            cycle,
            today,
        )?)
    }

    fn measure(&self, id: EventId) -> Result<Option<MeasureSeries>> {
        reads::measure(self.store.connection(), id)
    }

    fn feed(&self, stream: StreamId, limit: u32) -> Result<Vec<FeedItem>> {
        reads::feed(self.store.connection(), stream, limit)
    }

    fn unlinked_observations(&self, stream: StreamId) -> Result<Vec<FeedItem>> {
        reads::unlinked_observations(self.store.connection(), stream)
    }

    fn history(&self, id: EventId) -> Result<Option<RecordHistory>> {
        reads::history(self.store.connection(), id)
    }

    fn project_detail(&self, stream: StreamId) -> Result<ProjectDetail> {
        reads::project_detail(self.store.connection(), stream)
    }

    fn held_back(&self, stream: StreamId) -> Result<Vec<HeldRecord>> {
        Ok(praxis_core::store::held_back(
            self.store.connection(),
            stream,
            false,
        )?)
    }

    fn measure_chart(&self, id: EventId, from: &[usize]) -> Result<Option<MeasureChart>> {
        reads::measure_chart(self.store.connection(), id, from)
    }

    fn suggested_score(
        &self,
        stream: StreamId,
        month: time::Date,
    ) -> Result<Option<SuggestedScore>> {
        Ok(queries::suggested_score(
            self.store.connection(),
            stream,
            month,
        )?)
    }

    /// Over every project the replica holds of the collaborative: it was given only
    /// those the reader may read.
    fn dashboard(
        &self,
        _person: PersonId,
        collaborative: StreamId,
        today: time::Date,
    ) -> Result<Option<Dashboard>> {
        let projects: Vec<StreamId> = self
            .streams
            .iter()
            .filter(|(_, kind, c)| *kind == StreamKind::Project && *c == Some(collaborative))
            .map(|(s, ..)| *s)
            .collect();
        Ok(queries::dashboard(
            self.store.connection(),
            collaborative,
            &projects,
            today,
        )?)
    }
}
