//! Signing in and out in the browser. The sign-in form is protected by a double-submit
//! token (a cookie and a hidden field that must match); signing out needs the session's
//! CSRF token and ends the session on the server, not only in the browser.

use super::layout::page;
use super::session::{SESSION_COOKIE, SIGN_IN_COOKIE, SignedIn, cookie, random_token, set_cookie};
use super::{WebError, html_page};
use crate::auth::{token_hash, verify_credentials};
use crate::error::ServerError;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only a path on this site, so a link cannot send someone elsewhere after sign-in:
/// it starts with one `/`, and holds no backslash, no whitespace and no control
/// character (a browser drops a tab or newline, and `/<TAB>/evil.example` becomes
/// `//evil.example`, another site).
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The sign-in page: the provider's button when the server signs people in through
/// one (see `web::sso`), and the password form.
pub(super) fn sign_in_page(
    state: &AppState,
    next: &str,
    token: &str,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let sso = state.sso().map(|s| s.provider_name().to_string());
    let sso_href = format!(
        "/sign-in/sso?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish()
    );
    let markup = page(
        "Sign in",
        None,
        html! {
            h1 { "Sign in to Praxis" }
            @if let Some(p) = problem {
                p.error role="alert" { (p) }
            }
            @if let Some(provider) = &sso {
                p { a.button #sign-in-sso href=(sso_href) { "Sign in with " (provider) } }
                h2 { "Or with a Praxis password" }
            }
            form.stacked method="post" action="/sign-in" {
                input type="hidden" name="sign_in_token" value=(token);
                input type="hidden" name="next" value=(next);
                label for="username" { "Username" }
                input id="username" name="username" type="text" autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    );
    let mut response = (status, html_page(markup)).into_response();
    if let Ok(value) = set_cookie(SIGN_IN_COOKIE, token, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn form(
    State(state): State<AppState>,
    Query(q): Query<Next>,
) -> Result<Response, WebError> {
    let token = random_token()?;
    Ok(sign_in_page(
        &state,
        &safe_next(q.next.as_deref()),
        &token,
        None,
        StatusCode::OK,
    ))
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    sign_in_token: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    crate::auth::ClientAddress(address): crate::auth::ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let next = safe_next(Some(&form.next));
    let fresh = random_token()?;
    let sent = cookie(&headers, SIGN_IN_COOKIE);
    if form.sign_in_token.is_empty() || sent.as_deref() != Some(form.sign_in_token.as_str()) {
        return Ok(sign_in_page(
            &state,
            &next,
            &fresh,
            Some(
                "This sign-in form is out of date or did not come from Praxis. Sign in again below.",
            ),
            StatusCode::FORBIDDEN,
        ));
    }
    let person = match verify_credentials(&state, &form.username, &form.password, address).await {
        Ok((person, _)) => person,
        Err(e @ (ServerError::WrongCredentials | ServerError::RateLimited(_))) => {
            return Ok(sign_in_page(
                &state,
                &next,
                &fresh,
                Some(&e.to_string()),
                e.status(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let (token, hours) = start_session(&state, person).await?;
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
    for value in [
        set_cookie(SESSION_COOKIE, &token, hours * 3600),
        set_cookie(SIGN_IN_COOKIE, "", 0),
    ] {
        if let Ok(v) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// Starts a browser session for `person`, however they signed in: the cookie's token
/// and how many hours it lasts.
pub(super) async fn start_session(
    state: &AppState,
    person: praxis_core::domain::ids::PersonId,
) -> Result<(String, i64), WebError> {
    let token = random_token()?;
    let csrf = random_token()?;
    let hash = token_hash(&token);
    let hours = state.session_hours();
    state
        .with(move |s| Ok(s.start_session(person, &hash, &csrf, hours)?))
        .await?;
    Ok((token, hours))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    who: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    who.check_csrf(&form.csrf)?;
    let hash = who.token_hash.clone();
    state.with(move |s| Ok(s.end_session(&hash)?)).await?;
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/sign-in".to_string())],
    )
        .into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}
