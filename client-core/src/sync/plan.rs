//! Which streams a sync goes through, from the server's list and what this device
//! holds: every stream the server lists (added here if new), collaboratives before
//! projects so a project's context is here before it, then the projects this person
//! started here that the server does not know yet.

use super::api::ListedStream;
use crate::domain::ids::StreamId;
use crate::domain::record::StreamKind;
use crate::store::queries::StreamInfo;
use serde::Serialize;
use std::collections::HashSet;

/// One stream a sync will go through.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedStream {
    pub stream: StreamId,
    pub kind: StreamKind,
    pub name: String,
    pub collaborative: Option<StreamId>,
    /// Listed by the server and not on this device yet: added before it syncs.
    pub add_here: bool,
    /// On this device only: a project started here that the server will take in.
    pub new_on_server: bool,
    /// The server lets this device read the stream but not record in it.
    pub read_only: bool,
    /// The server listed the stream with the heads this device holds: the same
    /// document on both sides, so nothing to exchange (see `Plan::make`).
    pub alike: bool,
    /// The stream's heads on the server, when known: as listed, or the genesis's for
    /// a project the server does not know yet. What a fast-forward builds on.
    #[serde(skip)]
    pub base: Option<Vec<automerge::ChangeHash>>,
}

/// The plan, and the listed streams of a kind this build does not know.
pub(crate) fn plan(
    listed: &[ListedStream],
    local: &[StreamInfo],
    started_here: &HashSet<StreamId>,
) -> (Vec<PlannedStream>, Vec<ListedStream>) {
    let here: HashSet<StreamId> = local.iter().map(|s| s.id).collect();
    let mut planned = Vec::new();
    let mut unknown = Vec::new();
    for first in [
        StreamKind::Organisation,
        StreamKind::Collaborative,
        StreamKind::Project,
    ] {
        for l in listed {
            match l.stream_kind() {
                Some(kind) if kind == first => planned.push(PlannedStream {
                    stream: l.stream_id,
                    kind,
                    name: l.name.clone(),
                    collaborative: l.collaborative,
                    add_here: !here.contains(&l.stream_id),
                    new_on_server: false,
                    read_only: l.read_only,
                    alike: false,
                    base: None,
                }),
                Some(_) => {}
                None if first == StreamKind::Organisation => unknown.push(l.clone()),
                None => {}
            }
        }
    }
    let known: HashSet<StreamId> = listed.iter().map(|l| l.stream_id).collect();
    // Only a project the server accepts unlisted; a stream that was listed once and
    // is not now (access withdrawn) stays on the device, unsynced.
    planned.extend(
        local
            .iter()
            .filter(|s| s.kind == StreamKind::Project)
            .filter(|s| !known.contains(&s.id) && started_here.contains(&s.id))
            .map(|s| PlannedStream {
                stream: s.id,
                kind: s.kind,
                name: s.name.clone(),
                collaborative: s.collaborative,
                add_here: false,
                new_on_server: true,
                read_only: false,
                alike: false,
                base: None,
            }),
    );
    (planned, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(kind: &str, name: &str) -> ListedStream {
        ListedStream {
            stream_id: StreamId::new(),
            kind: kind.into(),
            name: name.into(),
            collaborative: None,
            role: "practitioner".into(),
            read_only: false,
            heads: None,
        }
    }

    fn local(kind: StreamKind, name: &str, id: StreamId) -> StreamInfo {
        StreamInfo {
            id,
            kind,
            name: name.into(),
            collaborative: None,
            events: 1,
        }
    }

    #[test]
    fn collaboratives_come_first_new_streams_are_added_and_own_new_projects_are_sent() {
        let project = listed("project", "Home sooner (Northside)");
        let collaborative = listed("collaborative", "Promoting independence");
        let future = listed("programme", "A kind from a newer server");
        let started_offline = StreamId::new();
        let not_mine = StreamId::new();
        let old_collaborative = StreamId::new();
        let here = vec![
            local(StreamKind::Project, "Home sooner", project.stream_id),
            local(StreamKind::Project, "Started offline", started_offline),
            local(StreamKind::Project, "No longer shared", not_mine),
            local(
                StreamKind::Collaborative,
                "Founded offline",
                old_collaborative,
            ),
        ];
        let mine = HashSet::from([started_offline, old_collaborative]);
        let (planned, unknown) = plan(
            &[project.clone(), future.clone(), collaborative.clone()],
            &here,
            &mine,
        );
        let order: Vec<_> = planned
            .iter()
            .map(|p| (p.stream, p.add_here, p.new_on_server))
            .collect();
        assert_eq!(
            order,
            [
                (collaborative.stream_id, true, false),
                (project.stream_id, false, false),
                (started_offline, false, true),
            ]
        );
        assert_eq!(unknown, [future]);
    }
}
