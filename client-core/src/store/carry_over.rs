//! Work recorded before enrolment, carried over to the enrolled identity. A store used
//! offline from `init` records as a person and device the server never made; its
//! streams were never synced, so no one else holds those events. At enrolment they
//! are re-recorded under the enrolled person and device, each keeping its id (so
//! records still name each other), its stream and its recorded time, and each
//! stream's document is rebuilt from the genesis with the re-recorded events as the
//! enrolled device's changes, so the server takes them as that device's own. A
//! `WorkCarriedOver` in each stream says so. One transaction: all of it, or nothing.
//!
//! A store used offline holds a collaborative founded on the device, which the server
//! does not know. Its projects move to the enrolled person's team on the server
//! (`Home`): each project's start names that team and its collaborative, and links to
//! the device's change package become sources naming the item. The collaborative
//! founded on the device stays on the device, as it was.

use super::*;
use crate::domain::envelope::Body;
use crate::domain::event::{
    ChangePackageItem, EvidenceKind, EvidenceLink, EvidenceSource, Replacement,
};

/// Where the projects of a collaborative founded on this device go: the enrolled
/// person's team on the server, or why there is none to go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Home {
    Team {
        collaborative: StreamId,
        team: String,
        organisation: String,
    },
    Nowhere(String),
}

/// What carrying work over did: how many events, and the explanation recorded in each
/// stream carried over.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CarriedOver {
    pub events: usize,
    pub explanations: Vec<Recorded>,
}

impl Store {
    /// Takes on the person and device a server enrolled this device as, re-recording
    /// under them everything this store's device recorded before (see the module).
    /// Refused, changing nothing, when a stream holding that work also holds events
    /// from elsewhere: then it was shared, and re-recording would make copies.
    pub fn adopt_identity_carrying_over(
        &mut self,
        identity: Identity,
        home: &Home,
    ) -> Result<CarriedOver, StoreError> {
        let old = self.identity.clone();
        if old.device == identity.device {
            self.adopt_identity(identity)?;
            return Ok(CarriedOver::default());
        }
        let old_device = uuid_blob(&old.device.0);
        let streams: Vec<StreamId> = self
            .conn
            .prepare("SELECT DISTINCT stream FROM events WHERE device = ?1")?
            .query_map([&old_device], |r| r.get::<_, Vec<u8>>(0))?
            .map(|b| Ok(StreamId(blob_uuid(&b?)?)))
            .collect::<Result<_, StoreError>>()?;
        let before = self.clock;
        let tx = self.conn.transaction()?;
        let wall = self.wall.now();
        let result = carry_over_in(
            &tx,
            (&mut self.clock, wall),
            (&old, &identity),
            &streams,
            home,
        );
        match result {
            Ok(carried) => {
                set_meta(&tx, "person", uuid_blob(&identity.person.0))?;
                set_meta(&tx, "name", identity.name.as_bytes())?;
                set_meta(&tx, "device", uuid_blob(&identity.device.0))?;
                tx.commit()?;
                self.identity = identity;
                self.documents.clear();
                Ok(carried)
            }
            Err(e) => {
                self.clock = before;
                Err(e)
            }
        }
    }
}

/// The collaboratives among `streams` (founded on this device), with their change
/// packages' items by id.
fn founded_here(
    tx: &Transaction,
    streams: &[StreamId],
) -> Result<HashMap<StreamId, HashMap<EventId, ChangePackageItem>>, StoreError> {
    let mut founded = HashMap::new();
    for &stream in streams {
        let kind: String = tx.query_row(
            "SELECT kind FROM streams WHERE id = ?1",
            [uuid_blob(&stream.0)],
            |r| r.get(0),
        )?;
        if StreamKind::from_name(&kind) != Some(StreamKind::Collaborative) {
            continue;
        }
        let mut items = HashMap::new();
        for bytes in tx
            .prepare_cached("SELECT bytes FROM events WHERE stream = ?1")?
            .query_map([uuid_blob(&stream.0)], |r| r.get::<_, Vec<u8>>(0))?
        {
            let e = Envelope::decode(&bytes?)
                .map_err(|e| StoreError::Corrupt(format!("a stored event: {e}")))?;
            if let Some(Event::ChangePackageItemAdded(item)) = e.event() {
                items.insert(e.id, item.clone());
            }
        }
        founded.insert(stream, items);
    }
    Ok(founded)
}

/// A link to an item of the change package of a collaborative founded on this device,
/// which the server will never hold, as a source naming the item.
fn relinked(evidence: &mut [EvidenceLink], items: &HashMap<EventId, ChangePackageItem>) {
    for link in evidence {
        if let EvidenceLink::PackageItem(id) = link
            && let Some(item) = items.get(id)
        {
            *link = EvidenceLink::Source(EvidenceSource {
                kind: item
                    .evidence
                    .first()
                    .map(|e| e.kind)
                    .unwrap_or(EvidenceKind::PracticeKnowledge),
                citation: format!(
                    "{}: {} (an item of the change package kept on the device it was first recorded on)",
                    item.title, item.description
                ),
            });
        }
    }
}

/// A project's event as it is carried to `home`.
fn moved(
    event: &mut Event,
    home: &Home,
    items: &HashMap<EventId, ChangePackageItem>,
) -> Result<(), StoreError> {
    match event {
        Event::ProjectStarted(p) => match home {
            Home::Team {
                collaborative,
                team,
                organisation,
            } => {
                p.collaborative = *collaborative;
                p.team = team.clone();
                p.organisation = organisation.clone();
            }
            Home::Nowhere(why) => {
                return Err(Refusal {
                    problem: format!(
                        "The project '{}' belongs to a collaborative founded on this device, which the server does not know, and {why}.",
                        p.title
                    ),
                    fix: "Ask an administrator to make you a member of your team on the server (or, if you are in several, name one with --team), then enrol again with --carry-over.".into(),
                }
                .into());
            }
        },
        Event::ChangeIdeaProposed(idea)
        | Event::Correction {
            replacement: Some(Replacement::ChangeIdea(idea)),
            ..
        } => relinked(&mut idea.evidence, items),
        _ => {}
    }
    Ok(())
}

fn carry_over_in(
    tx: &Transaction,
    (clock, wall): (&mut Hlc, u64),
    (old, new): (&Identity, &Identity),
    streams: &[StreamId],
    home: &Home,
) -> Result<CarriedOver, StoreError> {
    let mut carried = CarriedOver::default();
    let founded = founded_here(tx, streams)?;
    for &stream in streams {
        let info = queries::stream_info(tx, stream)?;
        // A project of a collaborative founded here moves to the person's team.
        let moving = info
            .collaborative
            .and_then(|c| founded.get(&c))
            .filter(|_| info.kind == StreamKind::Project);
        if moving.is_some()
            && let Home::Team { collaborative, .. } = home
        {
            tx.execute(
                "UPDATE streams SET collaborative = ?1 WHERE id = ?2",
                params![uuid_blob(&collaborative.0), uuid_blob(&stream.0)],
            )?;
        }
        let envelopes: Vec<Envelope> = tx
            .prepare_cached("SELECT bytes FROM events WHERE stream = ?1 ORDER BY hlc, id")?
            .query_map([uuid_blob(&stream.0)], |r| r.get::<_, Vec<u8>>(0))?
            .map(|b| {
                Envelope::decode(&b?)
                    .map_err(|e| StoreError::Corrupt(format!("a stored event: {e}")))
            })
            .collect::<Result<_, StoreError>>()?;
        if envelopes.iter().any(|e| e.device != old.device) {
            return Err(Refusal {
                problem: "This store holds records from other devices beside those made here before enrolment, so they were shared: carrying them over would copy them.".into(),
                fix: "Enrol a new store (praxis init --store NEW_FILE), or keep using this one offline.".into(),
            }
            .into());
        }
        let mut document = StreamDocument::genesis(stream)?;
        let mut appended = Vec::with_capacity(envelopes.len());
        let mut update = tx.prepare_cached(
            "UPDATE events SET author = ?1, device = ?2, bytes = ?3 WHERE id = ?4",
        )?;
        for e in &envelopes {
            let mut again = Envelope {
                author: new.person,
                device: new.device,
                ..e.clone()
            };
            if let (Some(items), Body::Known(event)) = (moving, &mut again.body) {
                moved(event, home, items)?;
            }
            let bytes = again.encode();
            update.execute(params![
                uuid_blob(&new.person.0),
                uuid_blob(&new.device.0),
                bytes,
                uuid_blob(&e.id.0)
            ])?;
            // The change keeps the event's own time, as when it was first recorded.
            appended.push((
                again.kind_name(),
                (e.recorded_at.millis / 1000) as i64,
                bytes,
            ));
        }
        document.append_all(new.device, appended)?;
        let saved = document
            .save_checked()
            .map_err(|e| StoreError::Corrupt(format!("the rebuilt document: {e}")))?;
        for sql in [
            "DELETE FROM changes WHERE stream = ?1",
            "DELETE FROM sync_states WHERE stream = ?1",
            "UPDATE streams SET pending_changes = 0 WHERE id = ?1",
        ] {
            tx.execute(sql, [uuid_blob(&stream.0)])?;
        }
        tx.execute(
            "UPDATE documents SET bytes = ?1 WHERE stream = ?2",
            params![saved, uuid_blob(&stream.0)],
        )?;
        // Every view names the authors: fold them again from the events as they are now.
        rebuild_in(tx, stream)?;
        let (Some(first), Some(last)) = (envelopes.first(), envelopes.last()) else {
            continue;
        };
        let explanation = Event::WorkCarriedOver {
            from_person: old.person,
            from_person_name: old.name.clone(),
            from_device: old.device,
            events: envelopes.len() as u32,
            first_recorded: first.recorded_at,
            last_recorded: last.recorded_at,
        };
        let batch = record_in(
            tx,
            (&mut *clock, wall),
            new,
            stream,
            &mut document,
            vec![explanation],
            None,
        )?;
        carried.events += envelopes.len();
        carried.explanations.extend(batch.recorded);
    }
    Ok(carried)
}
