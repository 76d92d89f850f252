//! People, teams, collaboratives and memberships. Every change here is also an event
//! of the organisation's stream, recorded with the table change in one transaction,
//! so who had access to what, and when, can be replayed. Changes are made on the
//! organisation stream's store (its lock serialises them, checks included).

use super::columns::{blob, now_millis, uuid_of};
use crate::storage::{Membership, Person, Result, StorageError, Team};
use praxis_core::domain::event::{CollaborativeFounded, Event, Scope};
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

/// Records an organisation event and, in the same transaction, the server-table
/// change it stands for.
pub fn administer(
    store: &mut Store,
    organisation: StreamId,
    event: Event,
    also: impl FnOnce(&Connection, EventId) -> std::result::Result<(), StoreError>,
) -> Result<EventId> {
    let recorded = store.record_with(organisation, vec![event], |tx, recorded| {
        also(tx, recorded[0].id)
    })?;
    Ok(recorded[0].id)
}

pub fn add_collaborative(store: &mut Store, founded: CollaborativeFounded) -> Result<StreamId> {
    let name = founded.name.clone();
    let stream = store.found_collaborative(founded)?.stream;
    store.connection().execute(
        "INSERT INTO collaboratives (stream, name) VALUES (?1, ?2)",
        params![blob(&stream.0), name],
    )?;
    Ok(stream)
}

pub fn add_team(
    store: &mut Store,
    organisation: StreamId,
    collaborative: StreamId,
    name: &str,
    team_organisation: &str,
) -> Result<EventId> {
    if !collaboratives(store.connection())?
        .iter()
        .any(|(c, _)| *c == collaborative)
    {
        return Err(StorageError::NotFound(format!(
            "There is no collaborative {collaborative} on this server."
        )));
    }
    if teams(store.connection())?
        .iter()
        .any(|t| t.collaborative == collaborative && t.name == name)
    {
        return Err(StorageError::Conflict(format!(
            "The collaborative already has a team named '{name}'."
        )));
    }
    let event = Event::TeamAdded {
        collaborative,
        name: name.to_string(),
        organisation: team_organisation.to_string(),
    };
    let (name, team_organisation) = (name.to_string(), team_organisation.to_string());
    administer(store, organisation, event, |tx, id| {
        tx.execute(
            "INSERT INTO teams (id, collaborative, name, organisation) VALUES (?1, ?2, ?3, ?4)",
            params![blob(&id.0), blob(&collaborative.0), name, team_organisation],
        )?;
        Ok(())
    })
}

pub fn add_person(
    store: &mut Store,
    organisation: StreamId,
    username: &str,
    name: &str,
    password_hash: &str,
) -> Result<PersonId> {
    if credentials(store.connection(), username)?.is_some() {
        return Err(StorageError::Conflict(format!(
            "The username '{username}' is taken; choose another."
        )));
    }
    let person = PersonId::new();
    let event = Event::PersonAdded {
        person,
        username: username.to_string(),
        name: name.to_string(),
    };
    let (username, name, hash) = (
        username.to_string(),
        name.to_string(),
        password_hash.to_string(),
    );
    administer(store, organisation, event, |tx, _| {
        tx.execute(
            "INSERT INTO people (id, username, name, password_hash) VALUES (?1, ?2, ?3, ?4)",
            params![blob(&person.0), username, name, hash],
        )?;
        Ok(())
    })?;
    Ok(person)
}

pub fn grant(
    store: &mut Store,
    organisation: StreamId,
    person: PersonId,
    role: Role,
    scope: Scope,
) -> Result<EventId> {
    let conn = store.connection();
    if !people(conn)?.iter().any(|p| p.id == person) {
        return Err(StorageError::NotFound(format!(
            "There is no person {person}."
        )));
    }
    if role == Role::DataProtectionOfficer && matches!(scope, Scope::Team(_)) {
        return Err(StorageError::BadInput(
            "A data protection officer acts for a whole collaborative: grant the role with --collaborative, not --team.".into(),
        ));
    }
    let (collaborative, team) = match scope {
        Scope::Collaborative(c) => {
            if !collaboratives(conn)?.iter().any(|(x, _)| *x == c) {
                return Err(StorageError::NotFound(format!(
                    "There is no collaborative {c}."
                )));
            }
            (Some(c.0), None)
        }
        Scope::Team(t) => {
            if !teams(conn)?.iter().any(|x| x.id == t) {
                return Err(StorageError::NotFound(format!("There is no team {t}.")));
            }
            (None, Some(t.0))
        }
    };
    let event = Event::MembershipGranted {
        person,
        role,
        scope,
    };
    administer(store, organisation, event, |tx, id| {
        tx.execute(
            "INSERT INTO memberships (id, person, role, collaborative, team) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                blob(&id.0),
                blob(&person.0),
                role.name(),
                collaborative.map(|c| c.as_bytes().to_vec()),
                team.map(|t| t.as_bytes().to_vec())
            ],
        )?;
        Ok(())
    })
}

pub fn revoke_membership(
    store: &mut Store,
    organisation: StreamId,
    membership: EventId,
    reason: &str,
) -> Result<()> {
    if !memberships(store.connection())?
        .iter()
        .any(|m| m.id == membership && !m.revoked())
    {
        return Err(StorageError::NotFound(format!(
            "There is no active membership {membership}."
        )));
    }
    let event = Event::MembershipRevoked {
        membership,
        reason: reason.to_string(),
    };
    administer(store, organisation, event, |tx, _| {
        tx.execute(
            "UPDATE memberships SET revoked_at = ?1 WHERE id = ?2",
            params![now_millis(), blob(&membership.0)],
        )?;
        Ok(())
    })?;
    Ok(())
}

pub fn collaboratives(conn: &Connection) -> Result<Vec<(StreamId, String)>> {
    let mut stmt = conn.prepare_cached("SELECT stream, name FROM collaboratives ORDER BY name")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(s, n)| Ok((StreamId(uuid_of(&s)?), n)))
        .collect()
}

pub fn teams(conn: &Connection) -> Result<Vec<Team>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, collaborative, name, organisation FROM teams ORDER BY name")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, c, name, organisation)| {
            Ok(Team {
                id: EventId(uuid_of(&id)?),
                collaborative: StreamId(uuid_of(&c)?),
                name,
                organisation,
            })
        })
        .collect()
}

pub fn people(conn: &Connection) -> Result<Vec<Person>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, username, name FROM people ORDER BY username")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, username, name)| {
            Ok(Person {
                id: PersonId(uuid_of(&id)?),
                username,
                name,
            })
        })
        .collect()
}

pub fn memberships(conn: &Connection) -> Result<Vec<Membership>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.person, m.role, m.collaborative, m.team, m.revoked_at, e.hlc
         FROM memberships m LEFT JOIN events e ON e.id = m.id",
    )?;
    type Row = (
        Vec<u8>,
        Vec<u8>,
        String,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(id, person, role, collaborative, team, revoked_at, granted)| {
                let scope = match (collaborative, team) {
                    (Some(c), _) => Scope::Collaborative(StreamId(uuid_of(&c)?)),
                    (None, Some(t)) => Scope::Team(EventId(uuid_of(&t)?)),
                    (None, None) => {
                        return Err(StorageError::Corrupt("membership without a scope".into()));
                    }
                };
                Ok(Membership {
                    id: EventId(uuid_of(&id)?),
                    person: PersonId(uuid_of(&person)?),
                    role: Role::from_name(&role)
                        .ok_or_else(|| StorageError::Corrupt(format!("role '{role}'")))?,
                    scope,
                    // Every grant is an event of the organisation's stream; one
                    // without counts from the start.
                    granted_at: granted
                        .map(|hlc| Hlc::from_sort_key(hlc).millis as i64)
                        .unwrap_or(i64::MIN),
                    revoked_at,
                })
            },
        )
        .collect()
}

/// The memberships `person` holds now.
pub fn active_memberships(conn: &Connection, person: PersonId) -> Result<Vec<Membership>> {
    Ok(memberships(conn)?
        .into_iter()
        .filter(|m| m.person == person && !m.revoked())
        .collect())
}

/// The person's id, name and password hash.
/// The one person whose username is `username` without regard to letter case.
pub fn person_by_username(conn: &Connection, username: &str) -> Result<Option<(PersonId, String)>> {
    let rows: Vec<(Vec<u8>, String)> = conn
        .prepare_cached("SELECT id, name FROM people WHERE lower(username) = lower(?1) LIMIT 2")?
        .query_map([username.trim()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    match rows.as_slice() {
        [(id, name)] => Ok(Some((PersonId(uuid_of(id)?), name.clone()))),
        _ => Ok(None),
    }
}

pub fn credentials(
    conn: &Connection,
    username: &str,
) -> Result<Option<(PersonId, String, String)>> {
    let row: Option<(Vec<u8>, String, String)> = conn
        .prepare_cached("SELECT id, name, password_hash FROM people WHERE username = ?1")?
        .query_row([username], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(id, name, hash)| Ok((PersonId(uuid_of(&id)?), name, hash)))
        .transpose()
}
