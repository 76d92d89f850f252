//! Enrolment without I/O: what must be given before asking, and what the store takes
//! on from the server's answer. Nothing in the store changes unless the answer is one
//! this device can record under.

use super::api::{Credentials, EnrolReply, EnrolRequest};
use super::error::SyncError;
use super::{PEER, SERVER_SETTING, TOKEN_SETTING};
use crate::domain::ids::{DeviceId, PersonId};
use crate::protocol::{TeamPlace, enrolment_code};
use crate::store::Home;
use crate::store::{Identity, Store, queries};
use serde::Serialize;

/// What enrolment gave: who this device now records as.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enrolment {
    pub server: String,
    pub person: PersonId,
    pub name: String,
    pub device: DeviceId,
    pub device_name: String,
    /// How many records made here before enrolment were carried over to this person.
    pub carried_over: usize,
}

/// Where the projects of a collaborative founded on this device go: the team `wanted`
/// of those the server says the person is in, or their one team.
fn home_of(teams: &[TeamPlace], wanted: Option<&str>) -> Home {
    let names = || {
        teams
            .iter()
            .map(|t| format!("'{}'", t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match wanted {
        Some(name) => match teams
            .iter()
            .find(|t| t.name.trim().eq_ignore_ascii_case(name.trim()))
        {
            Some(t) => t,
            None if teams.is_empty() => {
                return Home::Nowhere("the server has you in no team".into());
            }
            None => {
                return Home::Nowhere(format!(
                    "you are in no team called '{name}' on the server (you are in {})",
                    names()
                ));
            }
        },
        None => match teams {
            [one] => one,
            [] => return Home::Nowhere("the server has you in no team".into()),
            _ => {
                return Home::Nowhere(format!(
                    "you are in several teams on the server ({}): name one with --team",
                    names()
                ));
            }
        },
    };
    Home::Team {
        collaborative: chosen.collaborative,
        team: chosen.name.clone(),
        organisation: chosen.organisation.clone(),
    }
}

/// The request, once each part is given: a password's username trimmed, a code in
/// its one stored form. Refused here, before anything is sent, when a part is empty or
/// what was given as a code cannot be one.
pub(crate) fn request(
    credentials: &Credentials,
    device_name: &str,
) -> Result<EnrolRequest, SyncError> {
    let credentials = match credentials {
        Credentials::Password { username, password } => {
            for (what, value) in [("username", username), ("password", password)] {
                if value.trim().is_empty() {
                    return Err(SyncError::Missing(what));
                }
            }
            Credentials::password(username.trim(), password)
        }
        Credentials::EnrolmentCode(typed) => {
            if typed.trim().is_empty() {
                return Err(SyncError::Missing("enrolment code"));
            }
            let code = enrolment_code::canonical(typed)
                .ok_or_else(|| SyncError::NotAnEnrolmentCode(typed.trim().to_string()))?;
            Credentials::EnrolmentCode(code)
        }
    };
    if device_name.trim().is_empty() {
        return Err(SyncError::Missing("device name"));
    }
    Ok(EnrolRequest {
        credentials,
        device_name: device_name.trim().to_string(),
    })
}

/// Takes on the person and device the server made (see `Store::adopt_identity`) and
/// saves `server` and the token as device settings.
pub(crate) fn adopt(
    store: &mut Store,
    server: &str,
    reply: EnrolReply,
    device_name: &str,
    carry_over: Option<Option<&str>>,
) -> Result<Enrolment, SyncError> {
    // This device's changes carry its device id as their Automerge actor: a server
    // that bound another actor would refuse every one of them.
    let actor = uuid::Uuid::parse_str(reply.actor_id.trim()).ok();
    if actor != Some(reply.device_id.0) {
        return Err(SyncError::Protocol(format!(
            "it bound device {} to actor '{}', but a Praxis device records as its device id",
            reply.device_id, reply.actor_id
        )));
    }
    if reply.token.trim().is_empty() {
        return Err(SyncError::Protocol("it gave no token".into()));
    }
    let identity = Identity {
        person: reply.person_id,
        name: reply.name.clone(),
        device: reply.device_id,
    };
    let carried_over = match carry_over {
        Some(team) => {
            let home = home_of(&reply.teams, team);
            store.adopt_identity_carrying_over(identity, &home)?.events
        }
        None => {
            store.adopt_identity(identity)?;
            0
        }
    };
    store.set_setting(SERVER_SETTING, server)?;
    store.set_setting(TOKEN_SETTING, &reply.token)?;
    // A new device starts afresh with the server: what an earlier enrolment's states
    // say the server holds may not hold for this one.
    for s in queries::streams(store.connection())? {
        store.save_sync_state(s.id, PEER, &automerge::sync::State::new())?;
    }
    Ok(Enrolment {
        server: server.to_string(),
        person: reply.person_id,
        name: reply.name,
        device: reply.device_id,
        device_name: device_name.trim().to_string(),
        carried_over,
    })
}

/// The token the server gave this store at enrolment.
pub fn token(store: &Store) -> Result<String, SyncError> {
    store
        .setting(TOKEN_SETTING)?
        .filter(|t| !t.trim().is_empty())
        .ok_or(SyncError::NotEnrolled)
}

#[cfg(test)]
mod home_tests {
    use super::*;
    use crate::domain::ids::{EventId, StreamId};

    fn team(name: &str) -> TeamPlace {
        TeamPlace {
            collaborative: StreamId::new(),
            team: EventId::new(),
            name: name.into(),
            organisation: "Northshire County Council".into(),
        }
    }

    #[test]
    fn work_goes_to_the_one_team_or_the_one_named_and_otherwise_nowhere_with_why() {
        let north = team("Northside");
        let river = team("Riverside");
        assert_eq!(
            home_of(std::slice::from_ref(&north), None),
            Home::Team {
                collaborative: north.collaborative,
                team: "Northside".into(),
                organisation: north.organisation.clone(),
            }
        );
        let both = [north.clone(), river.clone()];
        assert!(matches!(
            home_of(&both, Some("riverside")),
            Home::Team { collaborative, .. } if collaborative == river.collaborative
        ));
        let Home::Nowhere(why) = home_of(&both, None) else {
            panic!("two teams and none named")
        };
        assert!(
            why.contains("--team") && why.contains("'Riverside'"),
            "{why}"
        );
        let Home::Nowhere(why) = home_of(&both, Some("Eastside")) else {
            panic!("no such team")
        };
        assert!(why.contains("'Eastside'"), "{why}");
        assert_eq!(
            home_of(&[], None),
            Home::Nowhere("the server has you in no team".into())
        );
    }
}
