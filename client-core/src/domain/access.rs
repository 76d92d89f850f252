//! Who may read a stream, and with which roles: the one decision, as a pure function
//! over a person's memberships in force and where the stream sits. The server's
//! storage, its sync gate and whatever lists a person's streams all ask it.

use crate::domain::event::{EventKind, Scope};
use crate::domain::ids::{EventId, StreamId};
use crate::domain::role::Role;

/// Where a stream sits: a collaborative's own stream, or a team's project in one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Collaborative(StreamId),
    Project {
        collaborative: StreamId,
        team: EventId,
    },
}

/// A membership in force: a role over a scope, with the collaborative that scope lies
/// in (a team's collaborative for a team scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub role: Role,
    pub scope: Scope,
    pub collaborative: StreamId,
}

/// What a person may do with one stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The person's roles here, sorted, each once.
    pub roles: Vec<Role>,
    /// True when none of the roles that give write access here may record anything
    /// (auditors; team members reading their collaborative's stream).
    pub read_only: bool,
}

impl Access {
    /// Whether one of the roles may record events of `kind` here.
    pub fn may_record(&self, kind: EventKind) -> bool {
        !self.read_only && self.roles.iter().any(|r| r.may_record(kind))
    }
}

fn may_record_anything(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| EventKind::ALL.iter().any(|k| r.may_record(*k)))
}

fn sorted(mut roles: Vec<Role>) -> Vec<Role> {
    roles.sort();
    roles.dedup();
    roles
}

/// The person's access to the stream at `place`, from the memberships they hold now;
/// `None` when they may not read it.
///
/// A collaborative's stream is read by everyone in the collaborative (its own members
/// and the members of its teams), but only the collaborative's own roles may record
/// there. A project is read and recorded in by its team's members and the
/// collaborative's members. Roles that read nothing (administrators) give nothing.
pub fn access(held: &[Held], place: Place) -> Option<Access> {
    let readers = || held.iter().filter(|h| h.role.may_read());
    let (collaborative, team) = match place {
        Place::Collaborative(c) => (c, None),
        Place::Project {
            collaborative,
            team,
        } => (collaborative, Some(team)),
    };
    let whole: Vec<Role> = readers()
        .filter(|h| h.scope == Scope::Collaborative(collaborative))
        .map(|h| h.role)
        .collect();
    let in_teams = readers().filter(|h| {
        h.collaborative == collaborative
            && match (h.scope, team) {
                (Scope::Team(t), Some(team)) => t == team,
                (Scope::Team(_), None) => true,
                (Scope::Collaborative(_), _) => false,
            }
    });
    let writers = match team {
        // Team members read their collaborative's stream but do not record in it.
        None => whole.clone(),
        Some(_) => whole
            .iter()
            .copied()
            .chain(in_teams.clone().map(|h| h.role))
            .collect(),
    };
    let roles = sorted(whole.into_iter().chain(in_teams.map(|h| h.role)).collect());
    if roles.is_empty() {
        return None;
    }
    Some(Access {
        read_only: !may_record_anything(&writers),
        roles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (StreamId, StreamId, EventId, EventId) {
        (
            StreamId::new(),
            StreamId::new(),
            EventId::new(),
            EventId::new(),
        )
    }

    fn in_team(role: Role, team: EventId, collaborative: StreamId) -> Held {
        Held {
            role,
            scope: Scope::Team(team),
            collaborative,
        }
    }

    fn in_whole(role: Role, collaborative: StreamId) -> Held {
        Held {
            role,
            scope: Scope::Collaborative(collaborative),
            collaborative,
        }
    }

    #[test]
    fn team_members_read_their_collaborative_but_record_only_in_their_projects() {
        let (c, other, team, other_team) = ids();
        let held = [in_team(Role::Practitioner, team, c)];
        let whole = access(&held, Place::Collaborative(c)).expect("reads its collaborative");
        assert_eq!(whole.roles, vec![Role::Practitioner]);
        assert!(whole.read_only);
        assert!(!whole.may_record(EventKind::CycleDone));
        let project = access(
            &held,
            Place::Project {
                collaborative: c,
                team,
            },
        )
        .expect("reads its team's project");
        assert!(!project.read_only);
        assert!(project.may_record(EventKind::CycleDone));
        assert_eq!(
            access(
                &held,
                Place::Project {
                    collaborative: c,
                    team: other_team
                }
            ),
            None
        );
        assert_eq!(access(&held, Place::Collaborative(other)), None);
    }

    #[test]
    fn collaborative_roles_reach_every_project_and_roles_are_merged() {
        let (c, _, team, _) = ids();
        let held = [
            in_whole(Role::Coordinator, c),
            in_team(Role::Practitioner, team, c),
            in_team(Role::Practitioner, team, c),
        ];
        let whole = access(&held, Place::Collaborative(c)).expect("reads");
        assert_eq!(whole.roles, vec![Role::Practitioner, Role::Coordinator]);
        assert!(!whole.read_only);
        let project = access(
            &held,
            Place::Project {
                collaborative: c,
                team,
            },
        )
        .expect("reads");
        assert_eq!(project.roles, vec![Role::Practitioner, Role::Coordinator]);
    }

    #[test]
    fn auditors_read_without_recording_and_administrators_read_nothing() {
        let (c, _, team, _) = ids();
        let auditor = [in_whole(Role::Auditor, c)];
        let project = access(
            &auditor,
            Place::Project {
                collaborative: c,
                team,
            },
        )
        .expect("reads");
        assert!(project.read_only);
        assert!(!project.may_record(EventKind::CycleDone));
        let admin = [in_whole(Role::Administrator, c)];
        assert_eq!(access(&admin, Place::Collaborative(c)), None);
        assert_eq!(
            access(
                &admin,
                Place::Project {
                    collaborative: c,
                    team
                }
            ),
            None
        );
    }
}
