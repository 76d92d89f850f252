//! Signing in through the OpenID Connect provider (see `crate::sso`). The sign-in
//! page's button opens `/sign-in/sso`, which remembers the sign-in (its state's hash,
//! PKCE verifier, nonce and the page to go on to) for ten minutes, binds it to this
//! browser with a cookie, and sends the browser to the provider. The provider sends it
//! back to `/sign-in/sso/callback`, where the sign-in is taken once, the browser's
//! cookie checked, the code exchanged and the ID token checked; the person is the one
//! whose username is the configured claim's value. Any refusal is said on the sign-in
//! page, and nothing is created: no person, no session.

use super::session::{SESSION_COOKIE, cookie, random_token, set_cookie};
use super::sign_in::{safe_next, sign_in_page, start_session};
use super::{WebError, html_page};
use crate::auth::token_hash;
use crate::error::ServerError;
use crate::sso::SsoError;
use crate::state::AppState;
use crate::storage::SsoSignIn;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, html};
use serde::Deserialize;

/// The cookie that binds a sign-in begun at the provider to the browser that began it.
/// SameSite=Lax, so the browser sends it when the provider sends it back (a top-level
/// navigation from another site), and only to the callback's path.
const SSO_COOKIE: &str = "praxis_sso";
const SSO_COOKIE_PATH: &str = "/sign-in/sso";

/// How long a sign-in at the provider may take, in minutes.
const SIGN_IN_MINUTES: i64 = 10;

fn sso_cookie(value: &str, max_age_seconds: i64) -> String {
    format!(
        "{SSO_COOKIE}={value}; Path={SSO_COOKIE_PATH}; HttpOnly; Secure; SameSite=Lax; Max-Age={max_age_seconds}"
    )
}

fn not_set_up() -> WebError {
    WebError::from(ServerError::NotFound(
        "This server signs people in with a Praxis password only. Sign in at /sign-in.".into(),
    ))
}

#[derive(Deserialize)]
pub struct Begin {
    next: Option<String>,
}

/// Sends the browser to the provider to sign in.
pub async fn begin(
    State(state): State<AppState>,
    Query(q): Query<Begin>,
) -> Result<Response, WebError> {
    let Some(sso) = state.sso() else {
        return Err(not_set_up());
    };
    let next = safe_next(q.next.as_deref());
    let begun = match sso.begin().await {
        Ok(begun) => begun,
        Err(e) => return refused(&state, &next, &e),
    };
    let browser = random_token()?;
    let pending = SsoSignIn {
        browser_hash: token_hash(&browser),
        pkce_verifier: begun.pkce_verifier,
        nonce: begun.nonce,
        next,
    };
    let state_hash = token_hash(&begun.state);
    state
        .with(move |s| Ok(s.begin_sso_sign_in(&state_hash, &pending, SIGN_IN_MINUTES)?))
        .await?;
    let mut response = (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, begun.authorize_url),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response();
    if let Ok(v) = sso_cookie(&browser, SIGN_IN_MINUTES * 60).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// What the provider sends back: a code and the state, or an error.
#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Takes the provider's answer and, when it names a person of Praxis, signs them in.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Result<Response, WebError> {
    let Some(sso) = state.sso() else {
        return Err(not_set_up());
    };
    let again = |problem: String| refusal_page(&state, "/", &problem, StatusCode::FORBIDDEN);
    let Some(sent_state) = answer.state.filter(|s| !s.is_empty()) else {
        return again(
            "The sign-in service sent you back without saying which sign-in it was. Nobody was signed in; sign in again."
                .into(),
        );
    };
    let state_hash = token_hash(&sent_state);
    let pending = state
        .with(move |s| Ok(s.take_sso_sign_in(&state_hash)?))
        .await?;
    let browser = cookie(&headers, SSO_COOKIE).map(|c| token_hash(&c));
    let Some(pending) = pending.filter(|p| browser.as_deref() == Some(p.browser_hash.as_str()))
    else {
        tracing::warn!(
            "a single sign-on answer was refused: not begun in this browser, used already, or expired"
        );
        return again(format!(
            "This sign-in was not begun in this browser, was used already, or took more than {SIGN_IN_MINUTES} minutes. Nobody was signed in; sign in again."
        ));
    };
    let next = pending.next.clone();
    if let Some(error) = answer.error {
        let why = answer
            .error_description
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(error);
        tracing::info!(%why, "the provider did not sign someone in");
        return refusal_page(
            &state,
            &next,
            &format!(
                "The sign-in service did not sign you in ({why}). Nobody was signed in; sign in again."
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let Some(code) = answer.code.filter(|c| !c.is_empty()) else {
        return refusal_page(
            &state,
            &next,
            "The sign-in service sent you back without a sign-in code. Nobody was signed in; sign in again.",
            StatusCode::FORBIDDEN,
        );
    };
    let username = match sso
        .finish(&code, &pending.pkce_verifier, &pending.nonce)
        .await
    {
        Ok(username) => username,
        Err(e) => {
            tracing::warn!(error = %e, "a single sign-on answer was refused");
            return refused(&state, &next, &e);
        }
    };
    let lookup = username.clone();
    let Some((person, _)) = state
        .with(move |s| Ok(s.person_by_username(&lookup)?))
        .await?
    else {
        tracing::warn!(
            claim = sso.claim(),
            "a person unknown to Praxis signed in at the provider"
        );
        return refusal_page(
            &state,
            &next,
            &format!(
                "You signed in at {} as '{username}', but nobody in Praxis has that username. Nobody was signed in: ask your Praxis administrator to add you with the username '{username}'.",
                sso.provider_name()
            ),
            StatusCode::FORBIDDEN,
        );
    };
    let (token, hours) = start_session(&state, person).await?;
    // A page that goes on to `next`, not a redirect: the session cookie is
    // SameSite=Strict, and a browser does not send it on a redirect that began at the
    // provider's site; from this page, the next one is a visit from Praxis itself.
    let markup = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content=(format!("0; url={next}"));
                title { "Signed in · Praxis" }
            }
            body {
                p { "You are signed in. " a #continue href=(next) { "Continue" } }
            }
        }
    };
    let mut response = (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        html_page(markup),
    )
        .into_response();
    for value in [
        set_cookie(SESSION_COOKIE, &token, hours * 3600),
        sso_cookie("", 0),
    ] {
        if let Ok(v) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// The sign-in page saying why the provider's sign-in did not go through.
fn refused(state: &AppState, next: &str, e: &SsoError) -> Result<Response, WebError> {
    let status = match e {
        SsoError::Provider(_) => StatusCode::BAD_GATEWAY,
        SsoError::Refused(_) => StatusCode::FORBIDDEN,
    };
    refusal_page(state, next, &e.to_string(), status)
}

fn refusal_page(
    state: &AppState,
    next: &str,
    problem: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let token = random_token()?;
    let mut response = sign_in_page(state, next, &token, Some(problem), status);
    if let Ok(v) = sso_cookie("", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// What a username must be for a person to sign in through the provider, when the
/// server signs people in through one.
pub(super) fn username_hint(state: &AppState) -> Option<String> {
    let sso = state.sso()?;
    let what = match sso.claim() {
        "email" => "their email address there (such as their work email)".to_string(),
        claim => format!("the value of their '{claim}' claim there"),
    };
    Some(format!(
        "People also sign in with {}: for that, the username is {what}. They can then sign in at once, without the code.",
        sso.provider_name()
    ))
}
