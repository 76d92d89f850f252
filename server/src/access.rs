//! Who may read what, and the record of every read, for the API, the pages and the
//! audit routes alike. Storage answers whether a person may read a stream
//! (`Storage::access`, `Storage::streams_for`); this module turns its answer into the
//! one refusal of each kind, and writes the access log under the route's pattern as
//! the router matched it (`Route`). Ids in paths are parsed by `Id`, with a sentence
//! naming what was expected. It knows nothing of JSON or HTML.

use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::{Device, Storage, StreamAccess};
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use std::marker::PhantomData;

type Result<T> = std::result::Result<T, ServerError>;

/// The answer about a stream the person may not read: the same 404 as for a stream
/// that does not exist, so that no answer tells an outsider which streams exist.
pub fn no_stream(stream: StreamId) -> ServerError {
    ServerError::NotFound(format!(
        "There is no stream {stream} that you may read; check the id, or ask an administrator for a membership of its team or collaborative."
    ))
}

/// The answer about a record in a stream the person may not read, or one that does
/// not exist: the same 404 for both.
pub fn no_record(record: EventId) -> ServerError {
    ServerError::NotFound(format!(
        "There is no record {record} that you may read; check the id, or ask an administrator for a membership of its team or collaborative."
    ))
}

/// The refusal of the audit trail to someone without the auditor role for it.
pub fn not_an_auditor() -> ServerError {
    ServerError::Forbidden(
        "Only a person with the auditor role for a stream's team or collaborative may read its audit trail; ask an administrator to grant the auditor role.".into(),
    )
}

/// What a read needs of the person: membership, or the auditor role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Member,
    Auditor,
}

/// Checks that `person` may read the stream as `need` asks.
pub fn check(
    storage: &dyn Storage,
    person: PersonId,
    stream: StreamId,
    need: Need,
) -> Result<StreamAccess> {
    match (storage.access(person, stream)?, need) {
        (Some(access), Need::Member) => Ok(access),
        (Some(access), Need::Auditor) if access.roles.contains(&Role::Auditor) => Ok(access),
        (Some(_), Need::Auditor) => Err(not_an_auditor()),
        (None, _) => Err(no_stream(stream)),
    }
}

/// The stream a record belongs to.
pub fn stream_of(storage: &dyn Storage, record: EventId) -> Result<StreamId> {
    storage.stream_of(record)?.ok_or_else(|| no_record(record))
}

/// Finds the stream of a record and checks that `person` may read it as `need` asks;
/// a record in a stream they may not read is answered as one that does not exist.
pub fn check_record(
    storage: &dyn Storage,
    person: PersonId,
    record: EventId,
    need: Need,
) -> Result<(StreamId, StreamAccess)> {
    let stream = stream_of(storage, record)?;
    match check(storage, person, stream, need) {
        Err(ServerError::NotFound(_)) => Err(no_record(record)),
        other => Ok((stream, other?)),
    }
}

/// Every stream the person audits.
pub fn audited_streams(storage: &dyn Storage, person: PersonId) -> Result<Vec<StreamAccess>> {
    Ok(storage
        .streams_for(person)?
        .into_iter()
        .filter(|s| s.roles.contains(&Role::Auditor))
        .collect())
}

/// Who reads: an enrolled device through the API, or a person in their browser (a
/// browser being a device of its own in the access log).
#[derive(Clone, Debug)]
pub enum Reader {
    Device(Device),
    Browser(PersonId),
}

impl Reader {
    pub fn person(&self) -> PersonId {
        match self {
            Reader::Device(d) => d.person,
            Reader::Browser(p) => *p,
        }
    }

    /// Writes the reads to the access log under `route`.
    pub fn log(
        &self,
        storage: &dyn Storage,
        route: &Route,
        reads: &[(StreamId, Option<EventId>)],
    ) -> Result<()> {
        match self {
            Reader::Device(device) => {
                for (stream, record) in reads {
                    storage.log_access(device, &route.0, *stream, *record)?;
                }
                Ok(())
            }
            Reader::Browser(person) => Ok(storage.log_browser_access(*person, &route.0, reads)?),
        }
    }
}

/// What a read is of.
#[derive(Clone, Copy, Debug)]
pub enum Of {
    Stream(StreamId),
    /// A record, in whichever stream holds it.
    Record(EventId),
}

/// The one path of a read: finds the stream, checks that the reader may read it as
/// `need` asks, runs `read` with their access, and writes the read (of the stream, or
/// of the record) to the access log under `route`.
pub fn read<T>(
    storage: &dyn Storage,
    reader: &Reader,
    route: &Route,
    of: Of,
    need: Need,
    read: impl FnOnce(&dyn Storage, &StreamAccess) -> Result<T>,
) -> Result<(StreamAccess, T)> {
    let (stream, record, access) = match of {
        Of::Stream(stream) => (stream, None, check(storage, reader.person(), stream, need)?),
        Of::Record(id) => {
            let (stream, access) = check_record(storage, reader.person(), id, need)?;
            (stream, Some(id), access)
        }
    };
    let value = read(storage, &access)?;
    reader.log(storage, route, &[(stream, record)])?;
    Ok((access, value))
}

/// `read` on the blocking pool, as a handler asks for it: the one path by which the
/// API, the pages and the audit routes read a stream or a record.
pub async fn read_on<T: Send + 'static>(
    state: &AppState,
    reader: Reader,
    route: Route,
    of: Of,
    need: Need,
    read_with: impl FnOnce(&dyn Storage, &StreamAccess) -> Result<T> + Send + 'static,
) -> Result<(StreamAccess, T)> {
    state
        .with(move |s| read(s, &reader, &route, of, need, read_with))
        .await
}

/// The route a request came by, as the access log names it: the method and the
/// pattern the router matched, such as `GET /api/v1/cycles/{id}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Route {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_string())
            .ok_or_else(|| ServerError::Internal("a read came by no known route".into()))?;
        Ok(Route(format!("{} {path}", parts.method)))
    }
}

/// An id the path carries, and what it is called in a refusal.
pub trait PathId: Sized + Send {
    /// "a stream id", "a record id".
    const WHAT: &'static str;
    fn parse(text: &str) -> Option<Self>;
}

impl PathId for StreamId {
    const WHAT: &'static str = "a stream id";
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl PathId for EventId {
    const WHAT: &'static str = "a record id";
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// Parses the id a path names (`'x' is not a stream id (a UUID).` when it is not one).
pub fn parse_id<T: PathId>(text: &str) -> Result<T> {
    T::parse(text)
        .ok_or_else(|| ServerError::NotFound(format!("'{text}' is not {} (a UUID).", T::WHAT)))
}

/// The one id a route's path carries (`{id}` or `{stream_id}`), parsed; a path that
/// does not hold one is refused as not found, in the words of `E` (a JSON error for the
/// API, a page for the browser).
pub struct Id<T, E = ServerError>(pub T, pub PhantomData<E>);

impl<T, E> Id<T, E> {
    pub fn get(self) -> T {
        self.0
    }
}

impl<S, T, E> FromRequestParts<S> for Id<T, E>
where
    S: Send + Sync,
    T: PathId,
    E: From<ServerError> + IntoResponse,
{
    type Rejection = E;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> std::result::Result<Self, E> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| E::from(ServerError::BadRequest(e.body_text())))?;
        let mut values = params.iter().map(|(_, v)| v);
        let (Some(text), None) = (values.next(), values.next()) else {
            return Err(E::from(ServerError::Internal(
                "a route meant to carry one id carries another number of them".into(),
            )));
        };
        Ok(Id(parse_id(text).map_err(E::from)?, PhantomData))
    }
}
