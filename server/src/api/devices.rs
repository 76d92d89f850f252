//! Enrolment (a password or a one-time enrolment code proves whose the device is; it
//! gets a device and its token) and sync (a standard Automerge sync
//! message up, the server's next one down; or the fast path: changes that build on
//! the listed heads up at once, or the whole stream down at once).

use super::auth::AuthDevice;
use crate::access::Id;
use crate::auth::{enrol_with_code, new_token, token_hash, verify_credentials};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::Pushed;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use praxis_core::domain::ids::StreamId;
use praxis_core::protocol::keys::KeysRequest;
use praxis_core::protocol::{
    BASE_HEADS, Credentials, EVENTS_ACCEPTED, Enrolled, EnrolmentRequest, HEADS, SYNC_CONTENT_TYPE,
    heads_text, parse_heads,
};
use praxis_core::replication::device_actor;

pub async fn enrol(
    State(state): State<AppState>,
    crate::auth::ClientAddress(address): crate::auth::ClientAddress,
    body: Bytes,
) -> Result<Response, ServerError> {
    let enrolment: EnrolmentRequest = serde_json::from_slice(&body).map_err(|e| {
        ServerError::BadRequest(format!(
            "Send JSON {{\"username\", \"password\", \"device_name\"}}, or {{\"enrolment_code\", \"device_name\"}} with a code made at /devices/enrol ({e})."
        ))
    })?;
    let device_name = crate::auth::device_name(&enrolment.device_name)?;
    let token = new_token()?;
    let hash = token_hash(&token);
    let hours = state.token_days() * 24;
    let (person, name, device) = match enrolment.credentials {
        Credentials::Password { username, password } => {
            let (person, name) = verify_credentials(&state, &username, &password, address).await?;
            let device = state
                .with(move |s| Ok(s.enrol_device(person, &device_name, &hash, hours)?))
                .await?;
            (person, name, device)
        }
        Credentials::EnrolmentCode(code) => {
            let enrolled = enrol_with_code(&state, &code, device_name, hash, address).await?;
            (enrolled.person, enrolled.name, enrolled.device)
        }
    };
    let teams = state.with(move |s| Ok(s.teams_of(person)?)).await?;
    let enrolled = Enrolled {
        device_id: device,
        actor_id: device_actor(device).to_hex_string(),
        token,
        person_id: person,
        name,
        teams,
    };
    Ok((StatusCode::CREATED, Json(enrolled)).into_response())
}

pub async fn sync_stream(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(stream, ..): Id<StreamId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ServerError> {
    let _syncing = state.syncing();
    replica_keeper(&device)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != SYNC_CONTENT_TYPE {
        return Err(ServerError::BadRequest(format!(
            "Send the sync message as the request body with Content-Type: {SYNC_CONTENT_TYPE}."
        )));
    }
    if body.is_empty() {
        return Err(ServerError::BadRequest(
            "The body is empty: send an Automerge sync message.".into(),
        ));
    }
    let reply = state
        .with(move |s| Ok(s.sync(&device, stream, &body)?))
        .await?;
    let accepted = HeaderValue::from(reply.accepted_events as u64);
    let events_accepted = header::HeaderName::from_static(EVENTS_ACCEPTED);
    Ok(match reply.message {
        Some(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(SYNC_CONTENT_TYPE),
                ),
                (events_accepted, accepted),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NO_CONTENT, [(events_accepted, accepted)]).into_response(),
    })
}

/// Changes a device made after the stream's heads as the server listed them
/// (`x-praxis-base-heads`), as Automerge chunks one after another: taken at once, with
/// a receipt each, or `409 not_a_fast_forward` when the stream moved on (nothing is
/// taken; the device syncs through sync messages).
pub async fn push_changes(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(stream, ..): Id<StreamId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ServerError> {
    let _syncing = state.syncing();
    replica_keeper(&device)?;
    let base = headers
        .get(BASE_HEADS)
        .ok_or_else(|| {
            ServerError::BadRequest(format!(
                "Name the stream's heads the changes build on in the {BASE_HEADS} header, as the stream list gives them."
            ))
        })?
        .to_str()
        .map_err(|_| ServerError::BadRequest(format!("The {BASE_HEADS} header is not text.")))
        .and_then(|text| {
            parse_heads(text).map_err(|why| {
                ServerError::BadRequest(format!("The {BASE_HEADS} header cannot be read: {why}."))
            })
        })?;
    if body.is_empty() {
        return Err(ServerError::BadRequest(
            "The body is empty: send the Automerge changes, one after another.".into(),
        ));
    }
    let pushed = state
        .with(move |s| Ok(s.push(&device, stream, &base, &body)?))
        .await?;
    match pushed {
        Pushed::Taken(merged, heads) => {
            // The changes are stored as rows; folding them into the stored document
            // waits for no one.
            state.compact_later(stream);
            Ok((
                StatusCode::OK,
                [
                    (
                        header::HeaderName::from_static(EVENTS_ACCEPTED),
                        HeaderValue::from(merged.events as u64),
                    ),
                    (header::HeaderName::from_static(HEADS), heads_value(&heads)?),
                ],
            )
                .into_response())
        }
        Pushed::NotAFastForward(why) => Err(ServerError::NotAFastForward(format!(
            "Nothing was taken: {why}. Sync the stream through sync messages (POST /api/v1/streams/{stream}/sync)."
        ))),
    }
}

/// The whole stream as the server stores it, as Automerge chunks one after another
/// (a document any Automerge implementation loads), its heads in `x-praxis-heads`.
pub async fn whole_stream(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(stream, ..): Id<StreamId>,
) -> Result<Response, ServerError> {
    let _syncing = state.syncing();
    replica_keeper(&device)?;
    let whole = state
        .with(move |s| Ok(s.whole_stream(&device, stream)?))
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(SYNC_CONTENT_TYPE),
            ),
            (
                header::HeaderName::from_static(HEADS),
                heads_value(&whole.heads)?,
            ),
        ],
        whole.bytes,
    )
        .into_response())
}

/// The field app keeps no replica: it never syncs a stream.
fn replica_keeper(device: &crate::storage::Device) -> Result<(), ServerError> {
    if device.field_app {
        return Err(ServerError::Forbidden(
            "This device is the field app, which keeps no replica: it sends its records to /api/v1/field/records, never sync messages.".into(),
        ));
    }
    Ok(())
}

fn heads_value(heads: &[automerge::ChangeHash]) -> Result<HeaderValue, ServerError> {
    HeaderValue::from_str(&heads_text(heads))
        .map_err(|e| ServerError::Internal(format!("the stream's heads as a header: {e}")))
}

/// The key exchange (`protocol::keys`): the data keys a device made, taken; the changes
/// to the keys of the streams it asks about that its person may read, given.
pub async fn exchange_keys(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    body: Bytes,
) -> Result<Response, ServerError> {
    let _syncing = state.syncing();
    replica_keeper(&device)?;
    let request: KeysRequest = serde_json::from_slice(&body).map_err(|e| {
        ServerError::BadRequest(format!(
            "Send JSON {{\"made\": [{{\"id\", \"stream\", \"subject\", \"key\", \"made_at\"}}], \"streams\": [{{\"stream\", \"since\"}}]}} as `praxis sync` does ({e})."
        ))
    })?;
    let answer = state
        .with(move |s| Ok(s.exchange_keys(&device, &request)?))
        .await?;
    Ok(Json(answer).into_response())
}
