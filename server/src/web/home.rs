//! The first page after sign-in: the collaboratives and team projects this person may
//! read, as their memberships give them.

use super::layout::page;
use super::{SignedIn, WebError, html_page};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::html;
use praxis_core::domain::record::StreamKind;

pub async fn home(State(state): State<AppState>, who: SignedIn) -> Result<Response, WebError> {
    let person = who.session.person;
    let (streams, administers) = state
        .with(move |s| {
            let administers = s.memberships()?.iter().any(|m| {
                m.person == person
                    && m.role == praxis_core::domain::role::Role::Administrator
                    && !m.revoked()
            });
            Ok((s.streams_for(person)?, administers))
        })
        .await?;
    let roles = |s: &crate::storage::StreamAccess| {
        s.roles
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(html_page(page(
        "Your collaboratives",
        Some(&who.session),
        html! {
            h1 { "Your collaboratives and teams" }
            @if streams.iter().any(|s| s.roles.contains(&praxis_core::domain::role::Role::Auditor)) {
                p.links { a href="/audit" { "Audit: replay the history of decisions" } }
            }
            @if administers {
                p.links { a href="/admin" { "Administration: teams, people, roles and devices" } }
            }
            @if streams.is_empty() {
                p.notice { "You are not a member of any team or collaborative yet. Ask an administrator to grant you a role." }
            }
            @for c in streams.iter().filter(|s| s.kind == StreamKind::Collaborative) {
                section {
                    h2 { a href={ "/collaboratives/" (c.stream_id) } { (c.name) } }
                    p.muted { "Your roles: " (roles(c)) }
                    ul.links {
                        li { a href={ "/collaboratives/" (c.stream_id) } { "Dashboard" } }
                        li { a href={ "/collaboratives/" (c.stream_id) "/report" } { "Collaborative report (printable)" } }
                    }
                    h3 { "Team projects" }
                    ul.links {
                        @for p in streams.iter().filter(|s| s.kind == StreamKind::Project && s.collaborative == Some(c.stream_id)) {
                            li { a href={ "/projects/" (p.stream_id) } { (p.name) } " " span.muted { "(" (roles(p)) ")" } }
                        }
                    }
                }
            }
        },
    )))
}
