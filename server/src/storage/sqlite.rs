//! The default storage: one SQLite file holding the streams (through praxis-core's
//! store: Automerge changes, indexed events, views) and the server's own tables.

use super::gate::DeviceGate;
use super::*;
use praxis_core::domain::event::Event;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, queries};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

const SERVER_MIGRATIONS: &[&str] = &[
    include_str!("001_server.sql"),
    include_str!("002_access_log.sql"),
    include_str!("003_web.sql"),
];

/// Stream documents kept in memory at once (least recently used go first).
pub const DOCUMENTS_IN_MEMORY: usize = 64;

pub struct SqliteStorage {
    store: Store,
    organisation: StreamId,
}

fn blob(id: &uuid::Uuid) -> &[u8] {
    id.as_bytes().as_slice()
}

fn uuid_of(bytes: &[u8]) -> Result<uuid::Uuid> {
    uuid::Uuid::from_slice(bytes).map_err(|e| ServerError::Internal(format!("a stored id: {e}")))
}

fn now_millis() -> i64 {
    praxis_core::domain::hlc::wall_millis_now() as i64
}

pub fn timestamp(millis: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS server_schema (version INTEGER NOT NULL)")?;
    let version: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM server_schema",
        [],
        |r| r.get(0),
    )?;
    if version > SERVER_MIGRATIONS.len() as i64 {
        return Err(ServerError::Internal(format!(
            "the data directory was written by a newer praxis-server (schema {version}); update praxis-server"
        )));
    }
    for (i, sql) in SERVER_MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; INSERT INTO server_schema (version) VALUES ({}); COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

impl SqliteStorage {
    /// Opens the data directory, creating it (and the organisation stream) on first start.
    pub fn open(data_dir: &Path) -> Result<SqliteStorage> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            ServerError::Internal(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join("praxis.sqlite3");
        let mut store = if path.exists() {
            Store::open(&path)?
        } else {
            Store::create(&path, "Praxis server")?
        };
        store.set_document_capacity(DOCUMENTS_IN_MEMORY);
        migrate(store.connection())?;
        let organisation = match store.setting("organisation_stream")? {
            Some(id) => StreamId(
                uuid::Uuid::parse_str(&id).map_err(|e| ServerError::Internal(e.to_string()))?,
            ),
            None => {
                let founded = store.found_organisation("Praxis")?;
                store.set_setting("organisation_stream", &founded.stream.to_string())?;
                founded.stream
            }
        };
        Ok(SqliteStorage {
            store,
            organisation,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn organisation(&self) -> StreamId {
        self.organisation
    }

    fn conn(&self) -> &Connection {
        self.store.connection()
    }

    /// Records an organisation event and, in the same transaction, the server-table
    /// change it stands for.
    fn administer(
        &mut self,
        event: Event,
        also: impl FnOnce(
            &Connection,
            EventId,
        ) -> std::result::Result<(), praxis_core::store::StoreError>,
    ) -> Result<EventId> {
        let recorded = self
            .store
            .record_with(self.organisation, vec![event], |tx, recorded| {
                also(tx, recorded[0].id)
            })?;
        Ok(recorded[0].id)
    }

    fn active_memberships(&self, person: PersonId) -> Result<Vec<Membership>> {
        Ok(self
            .memberships()?
            .into_iter()
            .filter(|m| m.person == person && !m.revoked())
            .collect())
    }

    fn project_streams(&self) -> Result<Vec<(StreamId, EventId)>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT stream, team FROM project_streams")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(s, t)| Ok((StreamId(uuid_of(&s)?), EventId(uuid_of(&t)?))))
            .collect()
    }

    /// The device `person`'s browser records under, enrolled on first use with a token
    /// no one is ever given (so it can never sync), revocable like any other device.
    fn browser_device(&mut self, person: PersonId) -> Result<DeviceId> {
        let device = self.browser_device_id(person)?;
        if let Some(d) = self.devices()?.into_iter().find(|d| d.id == device)
            && let DeviceStatus::Revoked { at, reason } = d.status
        {
            return Err(ServerError::DeviceRevoked { at, reason });
        }
        Ok(device)
    }

    /// The person's browser device, revoked or not, enrolled if they have none yet.
    fn browser_device_id(&mut self, person: PersonId) -> Result<DeviceId> {
        let existing: Option<Vec<u8>> = self
            .conn()
            .prepare_cached("SELECT device FROM browser_devices WHERE person = ?1")?
            .query_row([blob(&person.0)], |r| r.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Ok(DeviceId(uuid_of(&id)?));
        }
        let unusable = crate::auth::token_hash(&crate::auth::new_token()?);
        let device = self.enrol_device(person, "Web browser", &unusable, 365 * 100)?;
        self.conn().execute(
            "INSERT INTO browser_devices (person, device) VALUES (?1, ?2)",
            params![blob(&person.0), blob(&device.0)],
        )?;
        Ok(device)
    }

    fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
        Ok(DeviceRow {
            id: r.get(0)?,
            person: r.get(1)?,
            person_name: r.get(2)?,
            name: r.get(3)?,
            enrolled_at: r.get(4)?,
            expires_at: r.get(5)?,
            revoked_at: r.get(6)?,
            revoked_reason: r.get(7)?,
            last_sync_at: r.get(8)?,
        })
    }
}

struct DeviceRow {
    id: Vec<u8>,
    person: Vec<u8>,
    person_name: String,
    name: String,
    enrolled_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
    last_sync_at: Option<i64>,
}

impl DeviceRow {
    fn into_device(self) -> Result<Device> {
        let status = match (self.revoked_at, now_millis() > self.expires_at) {
            (Some(at), _) => DeviceStatus::Revoked {
                at: timestamp(at),
                reason: self.revoked_reason.unwrap_or_default(),
            },
            (None, true) => DeviceStatus::Expired {
                at: timestamp(self.expires_at),
            },
            (None, false) => DeviceStatus::Active,
        };
        Ok(Device {
            id: DeviceId(uuid_of(&self.id)?),
            person: PersonId(uuid_of(&self.person)?),
            person_name: self.person_name,
            name: self.name,
            enrolled_at: timestamp(self.enrolled_at),
            last_sync_at: self.last_sync_at.map(timestamp),
            status,
        })
    }
}

const DEVICE_COLUMNS: &str = "d.id, d.person, p.name, d.name, d.enrolled_at, d.token_expires_at, d.revoked_at, d.revoked_reason, d.last_sync_at FROM devices d JOIN people p ON p.id = d.person";

fn may_record_anything(roles: &[Role]) -> bool {
    roles.iter().any(|r| {
        praxis_core::domain::event::EventKind::ALL
            .iter()
            .any(|k| r.may_record(*k))
    })
}

impl Storage for SqliteStorage {
    fn add_collaborative(&mut self, founded: CollaborativeFounded) -> Result<StreamId> {
        let name = founded.name.clone();
        let stream = self.store.found_collaborative(founded)?.stream;
        self.conn().execute(
            "INSERT INTO collaboratives (stream, name) VALUES (?1, ?2)",
            params![blob(&stream.0), name],
        )?;
        Ok(stream)
    }

    fn add_team(
        &mut self,
        collaborative: StreamId,
        name: &str,
        organisation: &str,
    ) -> Result<EventId> {
        if !self
            .collaboratives()?
            .iter()
            .any(|(c, _)| *c == collaborative)
        {
            return Err(ServerError::NotFound(format!(
                "There is no collaborative {collaborative} on this server."
            )));
        }
        if self
            .teams()?
            .iter()
            .any(|t| t.collaborative == collaborative && t.name == name)
        {
            return Err(ServerError::Conflict(format!(
                "The collaborative already has a team named '{name}'."
            )));
        }
        let event = Event::TeamAdded {
            collaborative,
            name: name.to_string(),
            organisation: organisation.to_string(),
        };
        let (name, organisation) = (name.to_string(), organisation.to_string());
        self.administer(event, |tx, id| {
            tx.execute(
                "INSERT INTO teams (id, collaborative, name, organisation) VALUES (?1, ?2, ?3, ?4)",
                params![blob(&id.0), blob(&collaborative.0), name, organisation],
            )?;
            Ok(())
        })
    }

    fn add_person(&mut self, username: &str, name: &str, password_hash: &str) -> Result<PersonId> {
        if self.credentials(username)?.is_some() {
            return Err(ServerError::Conflict(format!(
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
        self.administer(event, |tx, _| {
            tx.execute(
                "INSERT INTO people (id, username, name, password_hash) VALUES (?1, ?2, ?3, ?4)",
                params![blob(&person.0), username, name, hash],
            )?;
            Ok(())
        })?;
        Ok(person)
    }

    fn grant(&mut self, person: PersonId, role: Role, scope: Scope) -> Result<EventId> {
        if !self.people()?.iter().any(|p| p.id == person) {
            return Err(ServerError::NotFound(format!(
                "There is no person {person}."
            )));
        }
        let (collaborative, team) = match scope {
            Scope::Collaborative(c) => {
                if !self.collaboratives()?.iter().any(|(x, _)| *x == c) {
                    return Err(ServerError::NotFound(format!(
                        "There is no collaborative {c}."
                    )));
                }
                (Some(c.0), None)
            }
            Scope::Team(t) => {
                if !self.teams()?.iter().any(|x| x.id == t) {
                    return Err(ServerError::NotFound(format!("There is no team {t}.")));
                }
                (None, Some(t.0))
            }
        };
        self.administer(Event::MembershipGranted { person, role, scope }, |tx, id| {
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

    fn revoke_membership(&mut self, membership: EventId, reason: &str) -> Result<()> {
        if !self
            .memberships()?
            .iter()
            .any(|m| m.id == membership && !m.revoked())
        {
            return Err(ServerError::NotFound(format!(
                "There is no active membership {membership}."
            )));
        }
        let event = Event::MembershipRevoked {
            membership,
            reason: reason.to_string(),
        };
        self.administer(event, |tx, _| {
            tx.execute(
                "UPDATE memberships SET revoked_at = ?1 WHERE id = ?2",
                params![now_millis(), blob(&membership.0)],
            )?;
            Ok(())
        })?;
        Ok(())
    }

    fn collaboratives(&self) -> Result<Vec<(StreamId, String)>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT stream, name FROM collaboratives ORDER BY name")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(s, n)| Ok((StreamId(uuid_of(&s)?), n)))
            .collect()
    }

    fn teams(&self) -> Result<Vec<Team>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, collaborative, name, organisation FROM teams ORDER BY name",
        )?;
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

    fn people(&self) -> Result<Vec<Person>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, username, name FROM people ORDER BY username")?;
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

    fn memberships(&self) -> Result<Vec<Membership>> {
        let mut stmt = self.conn().prepare_cached(
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
                            return Err(ServerError::Internal(
                                "a membership without a scope".into(),
                            ));
                        }
                    };
                    Ok(Membership {
                        id: EventId(uuid_of(&id)?),
                        person: PersonId(uuid_of(&person)?),
                        role: Role::from_name(&role)
                            .ok_or_else(|| ServerError::Internal(format!("a role '{role}'")))?,
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

    fn credentials(&self, username: &str) -> Result<Option<(PersonId, String, String)>> {
        let row: Option<(Vec<u8>, String, String)> = self
            .conn()
            .prepare_cached("SELECT id, name, password_hash FROM people WHERE username = ?1")?
            .query_row([username], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(id, name, hash)| Ok((PersonId(uuid_of(&id)?), name, hash)))
            .transpose()
    }

    fn enrol_device(
        &mut self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        valid_days: i64,
    ) -> Result<DeviceId> {
        let device = DeviceId::new();
        let event = Event::DeviceEnrolled {
            device,
            person,
            name: name.to_string(),
        };
        let (name, token_hash) = (name.to_string(), token_hash.to_string());
        self.administer(event, |tx, _| {
            let now = now_millis();
            tx.execute(
                "INSERT INTO devices (id, person, name, token_hash, enrolled_at, token_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![blob(&device.0), blob(&person.0), name, token_hash, now, now + valid_days * 86_400_000],
            )?;
            Ok(())
        })?;
        Ok(device)
    }

    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        let row = self
            .conn()
            .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} WHERE d.token_hash = ?1"))?
            .query_row([token_hash], Self::device_row)
            .optional()?;
        row.map(DeviceRow::into_device).transpose()
    }

    fn devices(&self) -> Result<Vec<Device>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} ORDER BY d.enrolled_at"))?;
        let rows = stmt
            .query_map([], Self::device_row)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter().map(DeviceRow::into_device).collect()
    }

    fn revoke_device(&mut self, device: DeviceId, reason: &str) -> Result<()> {
        if !self.devices()?.iter().any(|d| {
            d.id == device
                && matches!(
                    d.status,
                    DeviceStatus::Active | DeviceStatus::Expired { .. }
                )
        }) {
            return Err(ServerError::NotFound(format!(
                "There is no device {device} that is not already revoked."
            )));
        }
        let event = Event::DeviceRevoked {
            device,
            reason: reason.to_string(),
        };
        let reason = reason.to_string();
        self.administer(event, |tx, _| {
            tx.execute(
                "UPDATE devices SET revoked_at = ?1, revoked_reason = ?2 WHERE id = ?3",
                params![now_millis(), reason, blob(&device.0)],
            )?;
            Ok(())
        })?;
        Ok(())
    }

    fn streams_for(&self, person: PersonId) -> Result<Vec<StreamAccess>> {
        let memberships: Vec<Membership> = self
            .active_memberships(person)?
            .into_iter()
            .filter(|m| m.role.may_read())
            .collect();
        let teams = self.teams()?;
        let team_collaborative =
            |t: EventId| teams.iter().find(|x| x.id == t).map(|x| x.collaborative);
        let projects = self.project_streams()?;
        let mut out = Vec::new();
        for (collaborative, name) in self.collaboratives()? {
            let whole: Vec<Role> = memberships
                .iter()
                .filter(|m| m.scope == Scope::Collaborative(collaborative))
                .map(|m| m.role)
                .collect();
            let in_teams: Vec<&Membership> = memberships
                .iter()
                .filter(|m| matches!(m.scope, Scope::Team(t) if team_collaborative(t) == Some(collaborative)))
                .collect();
            if whole.is_empty() && in_teams.is_empty() {
                continue;
            }
            let mut roles = whole.clone();
            roles.extend(in_teams.iter().map(|m| m.role));
            roles.sort();
            roles.dedup();
            out.push(StreamAccess {
                stream_id: collaborative,
                kind: StreamKind::Collaborative,
                name,
                collaborative: None,
                team: None,
                read_only: !may_record_anything(&whole),
                roles,
            });
            for (stream, team) in projects
                .iter()
                .filter(|(_, t)| team_collaborative(*t) == Some(collaborative))
            {
                let mut roles = whole.clone();
                roles.extend(
                    in_teams
                        .iter()
                        .filter(|m| m.scope == Scope::Team(*team))
                        .map(|m| m.role),
                );
                if roles.is_empty() {
                    continue;
                }
                roles.sort();
                roles.dedup();
                let info = queries::stream_info(self.conn(), *stream)?;
                out.push(StreamAccess {
                    stream_id: *stream,
                    kind: StreamKind::Project,
                    name: info.name,
                    collaborative: Some(collaborative),
                    team: Some(*team),
                    read_only: !may_record_anything(&roles),
                    roles,
                });
            }
        }
        Ok(out)
    }

    fn access(&self, person: PersonId, stream: StreamId) -> Result<Option<StreamAccess>> {
        Ok(self
            .streams_for(person)?
            .into_iter()
            .find(|s| s.stream_id == stream))
    }

    fn sync(&mut self, device: &Device, stream: StreamId, message: &[u8]) -> Result<SyncReply> {
        if stream == self.organisation {
            return Err(ServerError::Forbidden(
                "The organisation stream is not synced to devices.".into(),
            ));
        }
        let access = self.access(device.person, stream)?;
        let known = queries::stream_info(self.conn(), stream).is_ok();
        if known && access.is_none() {
            return Err(ServerError::Forbidden(
                "This stream belongs to a team or collaborative you are not a member of, so it is not synced to you.".into(),
            ));
        }
        if !known {
            self.store
                .add_stream(stream, StreamKind::Project, "new project", None)?;
        }
        let peer = device.id.to_string();
        let mut state = self.store.sync_state(stream, &peer)?;
        let mut gate = DeviceGate {
            device,
            stream,
            access,
            memberships: self.active_memberships(device.person)?,
            teams: self.teams()?,
            new_project: None,
            received_at: now_millis(),
            admitted: 0,
        };
        let received =
            self.store
                .receive_sync_message(stream, &mut state, message, Some(&mut gate));
        let merged = match received {
            Ok(m) => m,
            Err(e) => {
                if !known {
                    self.store.remove_stream_if_empty(stream)?;
                }
                return Err(e.into());
            }
        };
        let outgoing = self.store.generate_sync_message(stream, &mut state)?;
        if !known && self.store.remove_stream_if_empty(stream)? {
            // A new stream's first round carries no events yet: nothing to keep.
        } else {
            self.store.save_sync_state(stream, &peer, &state)?;
        }
        self.conn().execute(
            "UPDATE devices SET last_sync_at = ?1 WHERE id = ?2",
            params![now_millis(), blob(&device.id.0)],
        )?;
        Ok(SyncReply {
            message: outgoing.filter(|o| !o.in_sync).map(|o| o.bytes),
            accepted_events: merged.events,
        })
    }

    fn stream_view(&self, stream: StreamId) -> Result<StreamView> {
        let info = queries::stream_info(self.conn(), stream)?;
        match info.kind {
            StreamKind::Project => Ok(StreamView::Project(queries::project_overview(
                self.conn(),
                stream,
            )?)),
            StreamKind::Collaborative => queries::collaborative(self.conn(), stream)?
                .map(StreamView::Collaborative)
                .ok_or_else(|| {
                    ServerError::NotFound("The collaborative has no events yet.".into())
                }),
            StreamKind::Organisation => Err(ServerError::NotFound("No such stream.".into())),
        }
    }

    fn events(&self, stream: StreamId) -> Result<Vec<EventView>> {
        Ok(queries::events(self.conn(), stream)?
            .into_iter()
            .map(|e| EventView {
                id: e.id,
                kind: e.kind_name().to_string(),
                author: e.author,
                device: e.device,
                recorded_at: timestamp(e.recorded_at.millis as i64),
                schema: e.schema,
                body: e.event().cloned(),
            })
            .collect())
    }

    fn receipts(&self, stream: StreamId) -> Result<Vec<Receipt>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, change_hash, device, received_at, events FROM receipts WHERE stream = ?1 ORDER BY seq",
        )?;
        type Row = (i64, String, Vec<u8>, i64, String);
        let rows: Vec<Row> = stmt
            .query_map([blob(&stream.0)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, change_hash, device, at, events)| {
                Ok(Receipt {
                    seq,
                    change_hash,
                    device: DeviceId(uuid_of(&device)?),
                    received_at: timestamp(at),
                    events: serde_json::from_str(&events)
                        .map_err(|e| ServerError::Internal(e.to_string()))?,
                })
            })
            .collect()
    }

    fn stream_of(&self, record: EventId) -> Result<Option<StreamId>> {
        Ok(queries::event(self.conn(), record)?.map(|e| e.stream))
    }

    fn cycle(&self, id: EventId) -> Result<Option<CycleView>> {
        Ok(queries::cycle(self.conn(), id)?)
    }

    fn measure(&self, id: EventId) -> Result<Option<MeasureSeries>> {
        Ok(queries::measure_series(self.conn(), id)?)
    }

    fn feed(&self, stream: StreamId, limit: u32) -> Result<Vec<FeedItem>> {
        Ok(queries::feed(self.conn(), stream, limit)?)
    }

    fn history(&self, id: EventId) -> Result<Option<RecordHistory>> {
        Ok(queries::history(self.conn(), id)?)
    }

    fn project_detail(&self, stream: StreamId) -> Result<ProjectDetail> {
        if queries::stream_info(self.conn(), stream)?.kind != StreamKind::Project {
            return Err(ServerError::NotFound(format!(
                "{stream} is not a team project."
            )));
        }
        Ok(queries::project_detail(self.conn(), stream)?)
    }

    fn measure_chart(&self, id: EventId, from: &[usize]) -> Result<Option<MeasureChart>> {
        Ok(queries::measure_chart(self.conn(), id, from)?)
    }

    fn dashboard(
        &self,
        person: PersonId,
        collaborative: StreamId,
        today: time::Date,
    ) -> Result<Option<Dashboard>> {
        let projects: Vec<StreamId> = self
            .streams_for(person)?
            .into_iter()
            .filter(|s| s.kind == StreamKind::Project && s.collaborative == Some(collaborative))
            .map(|s| s.stream_id)
            .collect();
        Ok(queries::dashboard(
            self.conn(),
            collaborative,
            &projects,
            today,
        )?)
    }

    fn start_session(
        &mut self,
        person: PersonId,
        token_hash: &str,
        csrf: &str,
        hours: i64,
    ) -> Result<()> {
        let now = now_millis();
        self.conn().execute(
            "INSERT INTO sessions (token_hash, person, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, blob(&person.0), csrf, now, now + hours * 3_600_000],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> Result<Option<WebSession>> {
        let row: Option<(Vec<u8>, String, String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT p.id, p.username, p.name, s.csrf FROM sessions s JOIN people p ON p.id = s.person
                 WHERE s.token_hash = ?1 AND s.ended_at IS NULL AND s.expires_at > ?2",
            )?
            .query_row(params![token_hash, now_millis()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        row.map(|(id, username, name, csrf)| {
            Ok(WebSession {
                person: PersonId(uuid_of(&id)?),
                username,
                name,
                csrf,
            })
        })
        .transpose()
    }

    fn end_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE sessions SET ended_at = ?1 WHERE token_hash = ?2 AND ended_at IS NULL",
            params![now_millis(), token_hash],
        )?;
        Ok(())
    }

    fn record_for(
        &mut self,
        person: PersonId,
        stream: StreamId,
        events: Vec<Event>,
    ) -> Result<Vec<EventId>> {
        let access = self.access(person, stream)?.ok_or_else(|| {
            ServerError::Forbidden(
                "You are not a member of the team or collaborative this belongs to.".into(),
            )
        })?;
        for event in &events {
            let kind = event.kind();
            if !access.roles.iter().any(|r| r.may_record(kind)) {
                return Err(ServerError::Forbidden(format!(
                    "As {} you may not record a {} here. Ask whoever holds that role to record it.",
                    access
                        .roles
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    kind.name()
                )));
            }
        }
        let device = self.browser_device(person)?;
        let name = self
            .people()?
            .into_iter()
            .find(|p| p.id == person)
            .map(|p| p.name)
            .ok_or_else(|| ServerError::NotFound(format!("There is no person {person}.")))?;
        let identity = praxis_core::store::Identity {
            person,
            name,
            device,
        };
        let received_at = now_millis();
        let recorded = self
            .store
            .record_as(&identity, stream, events, |tx, recorded, hashes| {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO receipts (stream, change_hash, device, received_at, events) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (r, hash) in recorded.iter().zip(hashes) {
                    insert.execute(params![
                        blob(&stream.0),
                        hash.to_string(),
                        blob(&device.0),
                        received_at,
                        serde_json::to_string(&[r.id.to_string()]).unwrap_or_default(),
                    ])?;
                }
                Ok(())
            })?;
        Ok(recorded.into_iter().map(|r| r.id).collect())
    }

    fn log_browser_access(
        &mut self,
        person: PersonId,
        route: &str,
        reads: &[(StreamId, Option<EventId>)],
    ) -> Result<()> {
        let device = self.browser_device_id(person)?;
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO access_log (at, person, device, route, stream, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let at = now_millis();
            for (stream, record) in reads {
                insert.execute(params![
                    at,
                    blob(&person.0),
                    blob(&device.0),
                    route,
                    blob(&stream.0),
                    record.map(|r| r.0.as_bytes().to_vec()),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn documents_loaded(&self) -> usize {
        self.store.documents_loaded()
    }

    fn log_access(
        &mut self,
        device: &Device,
        route: &str,
        stream: StreamId,
        record: Option<EventId>,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO access_log (at, person, device, route, stream, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                now_millis(),
                blob(&device.person.0),
                blob(&device.id.0),
                route,
                blob(&stream.0),
                record.map(|r| r.0.as_bytes().to_vec()),
            ])?;
        Ok(())
    }

    fn access_log(&self, streams: &[StreamId]) -> Result<Vec<AccessEntry>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, at, person, device, route, stream, record FROM access_log WHERE stream = ?1 ORDER BY seq",
        )?;
        type Row = (i64, i64, Vec<u8>, Vec<u8>, String, Vec<u8>, Option<Vec<u8>>);
        let mut out = Vec::new();
        for stream in streams {
            let rows: Vec<Row> = stmt
                .query_map([blob(&stream.0)], |r| {
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
            for (seq, at, person, device, route, stream, record) in rows {
                out.push(AccessEntry {
                    seq,
                    at,
                    person: PersonId(uuid_of(&person)?),
                    device: DeviceId(uuid_of(&device)?),
                    route,
                    stream: StreamId(uuid_of(&stream)?),
                    record: record.map(|r| uuid_of(&r).map(EventId)).transpose()?,
                });
            }
        }
        out.sort_by_key(|e| e.seq);
        Ok(out)
    }

    fn stream_changes(&mut self, stream: StreamId) -> Result<Vec<Vec<u8>>> {
        Ok(self.store.changes_since(stream, &[])?)
    }

    fn receipt_log(
        &self,
        stream: StreamId,
    ) -> Result<Vec<praxis_core::audit::bundle::ReceiptEntry>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, change_hash, device, received_at, events FROM receipts WHERE stream = ?1 ORDER BY seq",
        )?;
        type Row = (i64, String, Vec<u8>, i64, String);
        let rows: Vec<Row> = stmt
            .query_map([blob(&stream.0)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, change_hash, device, received_at, events)| {
                Ok(praxis_core::audit::bundle::ReceiptEntry {
                    seq,
                    change_hash,
                    device: DeviceId(uuid_of(&device)?),
                    received_at,
                    events: serde_json::from_str(&events)
                        .map_err(|e| ServerError::Internal(e.to_string()))?,
                })
            })
            .collect()
    }

    fn arrivals(&self, stream: StreamId) -> Result<Vec<Arrived>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT received_at, seq, events FROM receipts WHERE stream = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([blob(&stream.0)])?;
        let mut out = Vec::new();
        let bad = |e: &dyn std::fmt::Display| {
            ServerError::Internal(format!("a receipt's list of events: {e}"))
        };
        while let Some(row) = rows.next()? {
            let (received_at, seq) = (row.get(0)?, row.get(1)?);
            // Read in place from SQLite's buffer: the ids are borrowed, not copied.
            let text = row.get_ref(2)?.as_str().map_err(|e| bad(&e))?;
            for id in serde_json::from_str::<Vec<&str>>(text).map_err(|e| bad(&e))? {
                out.push(Arrived {
                    event: EventId(uuid::Uuid::parse_str(id).map_err(|e| bad(&e))?),
                    received_at,
                    seq,
                });
            }
        }
        Ok(out)
    }

    fn envelopes(&self, stream: StreamId) -> Result<Vec<praxis_core::domain::envelope::Envelope>> {
        Ok(queries::events(self.conn(), stream)?)
    }

    fn stream_info(&self, stream: StreamId) -> Result<queries::StreamInfo> {
        Ok(queries::stream_info(self.conn(), stream)?)
    }

    fn server_device(&self) -> DeviceId {
        self.store.identity().device
    }
}
