//! `/devices/enrol`: a signed-in person makes a one-time enrolment code and types it
//! on their phone or terminal, which enrols as theirs with no password typed there
//! (people who sign in through single sign-on have none). The code is shown once,
//! stored only as its hash, works once and for `ENROLMENT_CODE_MINUTES`, and a new one
//! spends the person's earlier one. The form carries the session's CSRF token.

use super::layout::{csrf_field, page};
use super::{SignedIn, WebError, html_page};
use crate::credentials::{ENROLMENT_CODE_MINUTES, new_enrolment_code, token_hash};
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::protocol::enrolment_code::grouped;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
}

/// This server's address for the commands the page shows: `serve --public-url` when
/// it is set, else as the browser reached it; a placeholder when the request does not
/// name a plain host.
fn server_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(public) = state.public_url() {
        return public.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    match host {
        Some(host) => {
            let scheme = if state.behind_tls() { "https" } else { "http" };
            format!("{scheme}://{host}")
        }
        None => "https://THIS-SERVER".into(),
    }
}

fn explanation() -> Markup {
    html! {
        p {
            "To use Praxis on a phone or in the terminal client, enrol it as yours with a one-time code: "
            "no password is typed on the device. Make a code here, then type it on the device within "
            (ENROLMENT_CODE_MINUTES) " minutes. A code enrols one device, once; making a new code "
            "cancels any earlier one you have not used."
        }
    }
}

/// `GET /devices/enrol`
pub async fn form(who: SignedIn) -> Result<Response, WebError> {
    Ok(html_page(page(
        "Enrol a device",
        Some(&who.session),
        html! {
            h1 { "Enrol a phone or terminal" }
            (explanation())
            form.stacked method="post" action="/devices/enrol" {
                (csrf_field(&who.session))
                button type="submit" { "Make an enrolment code" }
            }
        },
    )))
}

/// `POST /devices/enrol`: a new code for the signed-in person, shown this once.
pub async fn issue(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, WebError> {
    // A form that cannot be read carries no token: refused as one from elsewhere.
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    who.check_csrf(&csrf)?;
    let person = who.session.person;
    let code = new_enrolment_code().map_err(crate::error::ServerError::from)?;
    let hash = token_hash(&code);
    state
        .with(move |s| Ok(s.issue_enrolment_code(person, &hash, ENROLMENT_CODE_MINUTES)?))
        .await?;
    let until =
        praxis_core::domain::hlc::wall_millis_now() as i64 + ENROLMENT_CODE_MINUTES * 60_000;
    let shown = grouped(&code);
    let url = server_url(&state, &headers);
    Ok(html_page(page(
        "Your enrolment code",
        Some(&who.session),
        html! {
            h1 { "Your enrolment code" }
            p { "Type it on the device before " (state.local_time().text(until)) ". It is shown only now, and works once." }
            p { strong { code data-enrolment-code { (shown) } } }
            h2 { "In the terminal" }
            pre { code { "praxis enrol --server " (url) " --code " (shown) } }
            h2 { "In the Praxis app on a phone" }
            p {
                "Where the app asks how to enrol, choose the enrolment code, and give the server address "
                code { (url) } " and the code " code { (shown) } "."
            }
            p.muted {
                "Not used in time, or typed wrong? Make a new code: "
                a href="/devices/enrol" { "enrol a device" } "."
            }
        },
    )))
}
