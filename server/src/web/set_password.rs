//! Setting one's own password with the one-time code an administrator issued
//! (`web/admin.rs`): no session is needed, the code is the proof, and it is spent in
//! the same transaction that sets the password.

use super::layout::page;
use super::{WebError, html_page};
use crate::auth::{hash_password, token_hash};
use crate::error::ServerError;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SetPasswordForm {
    username: String,
    code: String,
    password: String,
    again: String,
}

fn set_password_page(problem: Option<&str>, username: &str) -> Markup {
    page(
        "Set your password",
        None,
        html! {
            h1 { "Set your password" }
            p { "With the one-time code an administrator gave you." }
            @if let Some(p) = problem { p.error role="alert" { (p) } }
            form.stacked method="post" action="/set-password" {
                label for="username" { "Username" }
                input id="username" name="username" value=(username) autocomplete="username" required;
                label for="code" { "One-time code" }
                input id="code" name="code" autocomplete="one-time-code" required;
                label for="password" { "New password (at least 8 characters)" }
                input id="password" name="password" type="password" autocomplete="new-password" required;
                label for="again" { "The new password again" }
                input id="again" name="again" type="password" autocomplete="new-password" required;
                button type="submit" { "Set my password" }
            }
        },
    )
}

/// `GET /set-password`
pub async fn set_password_form() -> Response {
    html_page(set_password_page(None, ""))
}

/// `POST /set-password`: sets the person's password with their one-time code.
pub async fn set_password(
    State(state): State<AppState>,
    form: Result<Form<SetPasswordForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = super::admin::fields(form)?;
    let refused = |problem: &str, username: &str| {
        (
            axum::http::StatusCode::BAD_REQUEST,
            html_page(set_password_page(Some(problem), username)),
        )
            .into_response()
    };
    if f.password.chars().count() < 8 {
        return Ok(refused(
            "The password is too short: give at least 8 characters.",
            &f.username,
        ));
    }
    if f.password != f.again {
        return Ok(refused(
            "The two passwords differ: type the same one twice.",
            &f.username,
        ));
    }
    let (username, code, password) = (
        f.username.trim().to_string(),
        f.code.trim().to_string(),
        f.password.clone(),
    );
    let shown = username.clone();
    let set = state
        .with(move |s| {
            let hash = hash_password(&password)?;
            Ok(s.redeem_password_reset(&username, &token_hash(&code), &hash)?)
        })
        .await;
    match set {
        Ok(_) => Ok(html_page(page(
            "Password set",
            None,
            html! {
                h1 { "Your password is set" }
                p { a href="/sign-in" { "Sign in" } " with it." }
            },
        ))),
        Err(ServerError::Forbidden(problem)) => Ok(refused(&problem, &shown)),
        Err(e) => Err(e.into()),
    }
}
