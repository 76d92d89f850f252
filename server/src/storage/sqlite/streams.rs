//! Which streams a person may read (through `praxis_core::domain::access`, the one
//! decision), and a device's sync of one stream, checked by the gate and written with
//! its receipts in one transaction.

use super::columns::{blob, uuid_of};
use super::people::{active_memberships, collaboratives, teams};
use crate::storage::gate::DeviceGate;
use crate::storage::{Device, Pushed, Result, StorageError, StreamAccess, SyncReply, Team};
use automerge::ChangeHash;
use praxis_core::domain::access::{Access, Held, Place, access};
use praxis_core::domain::event::Scope;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{FastForward, Merged, Store, WholeStream, carries_changes, queries};
use rusqlite::{Connection, OptionalExtension};

/// The memberships `person` holds now, each with the collaborative it lies in. A team
/// the server does not know gives nothing.
pub fn held(conn: &Connection, person: PersonId, teams: &[Team]) -> Result<Vec<Held>> {
    Ok(active_memberships(conn, person)?
        .into_iter()
        .filter_map(|m| {
            let collaborative = match m.scope {
                Scope::Collaborative(c) => Some(c),
                Scope::Team(t) => teams.iter().find(|x| x.id == t).map(|x| x.collaborative),
            }?;
            Some(Held {
                role: m.role,
                scope: m.scope,
                collaborative,
            })
        })
        .collect())
}

fn project_streams(conn: &Connection) -> Result<Vec<(StreamId, EventId)>> {
    let mut stmt = conn.prepare_cached("SELECT stream, team FROM project_streams")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(s, t)| Ok((StreamId(uuid_of(&s)?), EventId(uuid_of(&t)?))))
        .collect()
}

/// The project streams of `collaborative`.
pub fn projects_of(conn: &Connection, collaborative: StreamId) -> Result<Vec<StreamId>> {
    let teams = teams(conn)?;
    Ok(project_streams(conn)?
        .into_iter()
        .filter(|(_, team)| {
            teams
                .iter()
                .any(|t| t.id == *team && t.collaborative == collaborative)
        })
        .map(|(stream, _)| stream)
        .collect())
}

fn stream_access(stream: StreamId, place: Place, name: String, access: Access) -> StreamAccess {
    let (kind, collaborative, team) = match place {
        Place::Collaborative(_) => (StreamKind::Collaborative, None, None),
        Place::Project {
            collaborative,
            team,
        } => (StreamKind::Project, Some(collaborative), Some(team)),
    };
    StreamAccess {
        stream_id: stream,
        kind,
        name,
        collaborative,
        team,
        roles: access.roles,
        read_only: access.read_only,
    }
}

/// Every stream `person` may read: each collaborative, then its teams' projects.
pub fn streams_for(conn: &Connection, person: PersonId) -> Result<Vec<StreamAccess>> {
    let teams = teams(conn)?;
    let held = held(conn, person, &teams)?;
    let projects = project_streams(conn)?;
    let team_collaborative = |t: EventId| teams.iter().find(|x| x.id == t).map(|x| x.collaborative);
    let mut out = Vec::new();
    for (collaborative, name) in collaboratives(conn)? {
        let place = Place::Collaborative(collaborative);
        let Some(whole) = access(&held, place) else {
            continue;
        };
        out.push(stream_access(collaborative, place, name, whole));
        for (stream, team) in projects
            .iter()
            .filter(|(_, t)| team_collaborative(*t) == Some(collaborative))
        {
            let place = Place::Project {
                collaborative,
                team: *team,
            };
            if let Some(project) = access(&held, place) {
                let name = queries::stream_info(conn, *stream)?.name;
                out.push(stream_access(*stream, place, name, project));
            }
        }
    }
    Ok(out)
}

/// What `person` may do with `stream`; `None` when they may not read it.
pub fn access_to(
    conn: &Connection,
    person: PersonId,
    stream: StreamId,
) -> Result<Option<StreamAccess>> {
    let teams = teams(conn)?;
    let collaboratives = collaboratives(conn)?;
    let team: Option<Vec<u8>> = conn
        .prepare_cached("SELECT team FROM project_streams WHERE stream = ?1")?
        .query_row([blob(&stream.0)], |r| r.get(0))
        .optional()?;
    let (place, name) = match team {
        Some(team) => {
            let team = EventId(uuid_of(&team)?);
            let Some(collaborative) = teams
                .iter()
                .find(|t| t.id == team)
                .map(|t| t.collaborative)
                .filter(|c| collaboratives.iter().any(|(x, _)| x == c))
            else {
                return Ok(None);
            };
            let name = queries::stream_info(conn, stream)?.name;
            (
                Place::Project {
                    collaborative,
                    team,
                },
                name,
            )
        }
        None => match collaboratives.into_iter().find(|(c, _)| *c == stream) {
            Some((c, name)) => (Place::Collaborative(c), name),
            None => return Ok(None),
        },
    };
    let held = held(conn, person, &teams)?;
    Ok(access(&held, place).map(|a| stream_access(stream, place, name, a)))
}

/// Whether `device` may write to `stream` by sync, and what its gate needs: refused
/// for the organisation stream and for a stream the server holds that the device's
/// person may not read. A stream the server does not hold is a project the device
/// started (the gate checks that its person may).
struct Writing {
    access: Option<StreamAccess>,
    known: bool,
    teams: Vec<Team>,
    held: Vec<Held>,
}

fn writing(
    store: &Store,
    organisation: StreamId,
    device: &Device,
    stream: StreamId,
) -> Result<Writing> {
    if stream == organisation {
        return Err(StorageError::NotAllowed(
            "The organisation stream is not synced to devices.".into(),
        ));
    }
    let conn = store.connection();
    let access = access_to(conn, device.person, stream)?;
    let known = queries::stream_info(conn, stream).is_ok();
    if known && access.is_none() {
        return Err(not_yours());
    }
    let teams = teams(conn)?;
    let held = held(conn, device.person, &teams)?;
    Ok(Writing {
        access,
        known,
        teams,
        held,
    })
}

fn not_yours() -> StorageError {
    StorageError::NotAllowed(
        "This stream belongs to a team or collaborative you are not a member of, so it is not synced to you.".into(),
    )
}

impl Writing {
    /// The gate every change from the device goes through, fresh for each attempt.
    fn gate<'a>(&self, store: &Store, device: &'a Device, stream: StreamId) -> DeviceGate<'a> {
        DeviceGate {
            device,
            stream,
            access: self.access.as_ref().map(|a| a.decision()),
            held: self.held.clone(),
            teams: self.teams.clone(),
            new_project: None,
            received_at: store.wall_now(),
            admitted: 0,
            holds: true,
        }
    }
}

fn log_held(stream: StreamId, device: &Device, merged: &Merged) {
    for h in &merged.held {
        tracing::warn!(
            stream = %stream,
            device = %device.id,
            event = %h.event,
            kind = %h.kind,
            reason = %h.reason,
            "held back an event"
        );
    }
}

/// Receives a device's sync message for a stream and answers with the next one, on
/// the stream's store (its lock held by the caller for the whole round). A round is
/// one write transaction: the changes with their receipts, the state both sides
/// share, and when the device last synced. A first message about a stream new to the
/// server, which carries only heads, is answered without writing anything.
pub fn sync(
    store: &mut Store,
    organisation: StreamId,
    device: &Device,
    stream: StreamId,
    message: &[u8],
) -> Result<SyncReply> {
    let writing = writing(store, organisation, device, stream)?;
    let known = writing.known;
    if !known && !carries_changes(message)? {
        return Ok(SyncReply {
            message: Store::answer_for_unknown(stream, message)?,
            accepted_events: 0,
        });
    }
    if !known {
        store.add_stream(stream, StreamKind::Project, "new project", None)?;
    }
    let peer = device.id.to_string();
    let mut state = store.sync_state(stream, &peer)?;
    let mut gate = writing.gate(store, device, stream);
    let merged = match store.receive_sync_message_from(
        stream,
        &peer,
        &mut state,
        message,
        Some(&mut gate),
    ) {
        Ok(m) => m,
        Err(e) => {
            if !known {
                store.remove_stream_if_empty(stream)?;
            }
            return Err(e.into());
        }
    };
    log_held(stream, device, &merged);
    let outgoing = store.generate_sync_message(stream, &mut state)?;
    if !known && merged.events == 0 {
        // Its changes could not be applied yet (one they depend on is still to come):
        // the stream is not kept empty, and the next message brings them again.
        store.remove_stream_if_empty(stream)?;
    }
    Ok(SyncReply {
        message: outgoing.filter(|o| !o.in_sync).map(|o| o.bytes),
        accepted_events: merged.events,
    })
}

/// Takes changes a device sent as a fast-forward of `base`, the stream's heads as the
/// server listed them (`praxis_core::store::FastForward`), through the same gate as a
/// sync, with their receipts, in one transaction, on the stream's store (its lock
/// held by the caller). `NotAFastForward` when the stream moved on or a change builds
/// on one not among `base`: nothing was written, and the device syncs through sync
/// messages.
pub fn push(
    store: &mut Store,
    organisation: StreamId,
    device: &Device,
    stream: StreamId,
    base: &[ChangeHash],
    changes: &[u8],
) -> Result<Pushed> {
    let writing = writing(store, organisation, device, stream)?;
    let known = writing.known;
    if !known {
        store.add_stream(stream, StreamKind::Project, "new project", None)?;
    }
    let mut gate = writing.gate(store, device, stream);
    let taken = match store.take_fast_forward(stream, base, changes, Some(&mut gate)) {
        Ok(FastForward::HoldsBack) => {
            // Held events are named by the server's own event, made on the document.
            let mut gate = writing.gate(store, device, stream);
            store
                .take_changes(stream, changes, Some(&mut gate))
                .map(|(merged, heads)| Pushed::Taken(merged, heads))
        }
        Ok(FastForward::Taken(merged, heads)) => Ok(Pushed::Taken(merged, heads)),
        Ok(FastForward::NotAFastForward(why)) => Ok(Pushed::NotAFastForward(why)),
        Err(e) => Err(e),
    };
    let taken = match taken {
        Ok(t) => t,
        Err(e) => {
            if !known {
                store.remove_stream_if_empty(stream)?;
            }
            return Err(e.into());
        }
    };
    match &taken {
        Pushed::Taken(merged, _) => log_held(stream, device, merged),
        Pushed::NotAFastForward(_) if !known => {
            store.remove_stream_if_empty(stream)?;
        }
        Pushed::NotAFastForward(_) => {}
    }
    Ok(taken)
}

/// The whole stream as the server stores it, for a device whose person may read it.
/// A stream they may not read answers as one that does not exist.
pub fn whole(
    store: &mut Store,
    organisation: StreamId,
    device: &Device,
    stream: StreamId,
) -> Result<WholeStream> {
    if stream == organisation || access_to(store.connection(), device.person, stream)?.is_none() {
        return Err(StorageError::NotFound(format!(
            "There is no stream {stream} you may sync. GET /api/v1/streams lists those you may."
        )));
    }
    Ok(store.whole_stream(stream)?)
}
