//! The field app under `/field/`: an installable web app for practitioners on a
//! phone, working without signal. The server gives it its shell (HTML, scripts,
//! styles, manifest, icons and service worker, all built into the binary), tells it
//! who is signed in to this browser, and enrols the browser as a device of theirs.
//! From then on the app talks to the API (`/api/v1/field`) with its device token, and
//! keeps its person's data in the browser (see `assets/store.js`).

use crate::auth::{new_token, token_hash};
use crate::error::ServerError;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::session::SignedIn;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use praxis_core::protocol::field::{FieldDevice, FieldDeviceRequest, FieldSession};

/// One file of the app's shell: its name under `/field/`, type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("assets/index.html"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/app.js"),
    },
    Asset {
        name: "store.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/store.js"),
    },
    Asset {
        name: "sync.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/sync.js"),
    },
    Asset {
        name: "forms.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/forms.js"),
    },
    Asset {
        name: "views.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/views.js"),
    },
    Asset {
        name: "sw.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/sw.js"),
    },
    Asset {
        name: "manifest.webmanifest",
        content_type: "application/manifest+json",
        bytes: include_bytes!("assets/manifest.webmanifest"),
    },
    Asset {
        name: "icon-192.png",
        content_type: "image/png",
        bytes: include_bytes!("assets/icon-192.png"),
    },
    Asset {
        name: "icon-512.png",
        content_type: "image/png",
        bytes: include_bytes!("assets/icon-512.png"),
    },
];

/// The device name a browser enrolled by the field app gets.
const DEVICE_NAME: &str = "Field app in a browser";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/field", get(|| async { Redirect::permanent("/field/") }))
        .route("/field/", get(|| async { asset("index.html") }))
        .route("/field/session", get(session))
        .route("/field/device", post(device))
        .route(
            "/field/{name}",
            get(|Path(name): Path<String>| async move { asset(&name) }),
        )
}

fn asset(name: &str) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                // The service worker keeps the shell; the browser asks for it again
                // each time it is online, so a new server's app is taken up at once.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            a.bytes,
        )
            .into_response(),
        None => ServerError::NotFound(format!(
            "The field app has no file '{name}'. Open /field/ to start it."
        ))
        .into_response(),
    }
}

/// Who is signed in to this browser, for the app to enrol it; 401 when nobody is.
async fn session(signed_in: Result<SignedIn, WebError>) -> Result<Response, ServerError> {
    let who = signed_in.map_err(|_| ServerError::SignInRequired)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(FieldSession {
            person_id: who.session.person,
            name: who.session.name.clone(),
            csrf: who.session.csrf.clone(),
        }),
    )
        .into_response())
}

/// Enrols this browser as a device of the signed-in person (or gives the device it
/// already is a new token), valid as long as a browser session.
async fn device(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, WebError>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let who = signed_in.map_err(|_| ServerError::SignInRequired)?;
    let request: FieldDeviceRequest = serde_json::from_slice(&body).map_err(|e| {
        ServerError::BadRequest(format!(
            "Send JSON {{\"csrf\", \"device_id\"}} from the field app ({e})."
        ))
    })?;
    if request.csrf.is_empty() || request.csrf != who.session.csrf {
        return Err(ServerError::Forbidden(
            "This request did not come from Praxis's field app. Open /field/ again.".into(),
        ));
    }
    let person = who.session.person;
    let token = new_token()?;
    let hash = token_hash(&token);
    let hours = state.session_hours();
    let device_id = state
        .with(move |s| {
            if let Some(device) = request.device_id
                && s.renew_device_token(device, person, &hash, hours)?
            {
                return Ok(device);
            }
            Ok(s.enrol_field_device(person, DEVICE_NAME, &hash, hours)?)
        })
        .await?;
    let expires_at = praxis_core::dates::timestamp(
        praxis_core::domain::hlc::wall_millis_now() as i64 + hours * 3_600_000,
    );
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(FieldDevice {
            device_id,
            person_id: person,
            name: who.session.name.clone(),
            token,
            expires_at,
        }),
    )
        .into_response())
}
