//! The data protection officer's routes, by a person's pseudonymous reference:
//! everything held about them (`GET /api/v1/subjects/{reference}`, a subject access
//! request; each record given is written to the access log), and erasing it
//! (`POST /api/v1/subjects/{reference}/erasure`); and erasing one record about no
//! named person (`POST /api/v1/records/{id}/erasure`).

use super::auth::AuthDevice;
use crate::access::Id;
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::SubjectReader;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use praxis_core::domain::event::LegalBasis;
use praxis_core::domain::ids::EventId;
use serde::Deserialize;

#[derive(Deserialize)]
struct ErasureRequest {
    reason: String,
    legal_basis: String,
}

/// The words listing every legal basis's name, for a refusal.
fn bases() -> String {
    LegalBasis::ALL
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn reference_of(reference: &str) -> Result<String, ServerError> {
    let reference = reference.trim();
    if !praxis_core::domain::validation::pseudonymous(reference) {
        return Err(ServerError::BadRequest(format!(
            "'{reference}' is not a pseudonymous reference such as P-0413: Praxis refers to people only so."
        )));
    }
    Ok(reference.to_string())
}

/// The route a subject access request is logged under.
pub const SUBJECT_ROUTE: &str = "/api/v1/subjects/{reference}";

pub async fn subject_access(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(reference): Path<String>,
) -> Result<Response, ServerError> {
    let reference = reference_of(&reference)?;
    let access = state
        .with(move |s| {
            let reader = SubjectReader::Device {
                person: device.person,
                device: device.id,
            };
            Ok(s.subject_access(Some(device.person), reader, SUBJECT_ROUTE, &reference)?)
        })
        .await?;
    Ok(Json(access).into_response())
}

/// `POST /api/v1/records/{id}/erasure`: one record's content, sealed under keys of its
/// own (a record about no named person).
pub async fn erase_record(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(record, ..): Id<EventId>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let (reason, legal_basis) = erasure_request(&body)?;
    let erasure = state
        .with(move |s| Ok(s.erase_record(device.person, record, &reason, legal_basis)?))
        .await?;
    Ok(Json(erasure).into_response())
}

/// The reason and legal basis an erasure is asked with.
fn erasure_request(body: &[u8]) -> Result<(String, LegalBasis), ServerError> {
    let request: ErasureRequest = serde_json::from_slice(body).map_err(|e| {
        ServerError::BadRequest(format!(
            "Send JSON {{\"reason\", \"legal_basis\"}}, the legal basis one of {} ({e}).",
            bases()
        ))
    })?;
    let legal_basis = LegalBasis::from_name(request.legal_basis.trim()).ok_or_else(|| {
        ServerError::BadRequest(format!(
            "'{}' is not a legal basis for erasure: give one of {}.",
            request.legal_basis,
            bases()
        ))
    })?;
    Ok((request.reason, legal_basis))
}

pub async fn erase_subject(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(reference): Path<String>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let (reason, legal_basis) = erasure_request(&body)?;
    let reference = reference_of(&reference)?;
    let erasure = state
        .with(move |s| Ok(s.erase_subject(device.person, &reference, &reason, legal_basis)?))
        .await?;
    Ok(Json(erasure).into_response())
}
