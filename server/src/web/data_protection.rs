//! The data protection officer's page (`/data-protection`): erase the personal content
//! about a person, by their pseudonymous reference, with a reason and a legal basis,
//! through the same storage call as `POST /api/v1/subjects/{reference}/erasure`; the
//! erasures recorded in the collaboratives the officer acts for; and a subject access
//! request, answered with the printable page of everything held about the person
//! (`subject_access_page`, which `praxis-server subject-access` writes too). Apart from
//! that answer, it shows no record's content.

use super::layout::{csrf_field, page};
use super::{SignedIn, WebError, html_page};
use crate::error::ServerError;
use crate::local_time::LocalTime;
use crate::state::AppState;
use crate::storage::{Erasure, Storage, SubjectAccess, SubjectReader};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, LegalBasis, Scope};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use serde::Deserialize;

/// The collaboratives `person` is data protection officer for, with their names;
/// refused for anyone else.
pub(super) fn officer_of(
    storage: &dyn Storage,
    person: PersonId,
) -> Result<Vec<(StreamId, String)>, ServerError> {
    let ids: Vec<StreamId> = storage
        .memberships()?
        .into_iter()
        .filter(|m| m.person == person && m.role == Role::DataProtectionOfficer && !m.revoked())
        .filter_map(|m| match m.scope {
            Scope::Collaborative(c) => Some(c),
            Scope::Team(_) => None,
        })
        .collect();
    if ids.is_empty() {
        return Err(ServerError::Forbidden(
            "This page is for data protection officers. An administrator grants the role with `praxis-server admin grant --role data-protection-officer --collaborative …`.".into(),
        ));
    }
    Ok(storage
        .collaboratives()?
        .into_iter()
        .filter(|(c, _)| ids.contains(c))
        .collect())
}

/// The erasures recorded in the officer's collaboratives, newest first.
fn erasures(
    storage: &dyn Storage,
    collaboratives: &[(StreamId, String)],
) -> Result<Vec<Envelope>, ServerError> {
    let mut found = Vec::new();
    for (c, _) in collaboratives {
        found.extend(
            storage
                .envelopes(*c)?
                .into_iter()
                .filter(|e| matches!(e.event(), Some(Event::DataErased { .. }))),
        );
    }
    found.sort_by_key(|e| std::cmp::Reverse(e.order_key()));
    Ok(found)
}

async fn show(
    state: &AppState,
    who: &SignedIn,
    done: Option<Erasure>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (collaboratives, erased) = state
        .with(move |s| {
            let collaboratives = officer_of(s, person)?;
            let erased = erasures(s, &collaboratives)?;
            Ok((collaboratives, erased))
        })
        .await?;
    Ok(html_page(page(
        "Data protection",
        Some(&who.session),
        content(
            who,
            &collaboratives,
            &erased,
            done.as_ref(),
            state.local_time(),
        ),
    )))
}

fn content(
    who: &SignedIn,
    collaboratives: &[(StreamId, String)],
    erased: &[Envelope],
    done: Option<&Erasure>,
    local: &LocalTime,
) -> Markup {
    html! {
        h1 { "Data protection" }
        p { "You are data protection officer for "
            (collaboratives.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")) "." }
        p { a href="/data-protection/retention" { "Retention schedules and legal holds" } }
        @if let Some(d) = done {
            div.notice role="status" data-erased=(d.keys) {
                p { "Erased: " (d.keys) " data " (if d.keys == 1 { "key" } else { "keys" })
                    " destroyed, in " (d.streams.len()) " " (if d.streams.len() == 1 { "stream" } else { "streams" })
                    ". Every device destroys its copies at its next sync; every page already shows the content as erased." }
            }
        }
        form.stacked method="post" action="/data-protection/erasures" {
            (csrf_field(&who.session))
            h2 { "Erase a person's content" }
            p { "Everything recorded about the person in these collaboratives' streams becomes unreadable everywhere at once: the history keeps its shape, its hashes and this decision, never the content." }
            label for="reference" { "The person's pseudonymous reference" }
            input id="reference" name="reference" required placeholder="P-0413";
            label for="legal-basis" { "Legal basis" }
            select id="legal-basis" name="legal_basis" required {
                @for b in LegalBasis::ALL {
                    @if b != LegalBasis::RetentionEnded {
                        option value=(b.name()) { (b.words()) }
                    }
                }
            }
            label for="reason" { "Reason (kept with the erasure, and shown where the content was)" }
            input id="reason" name="reason" required;
            button type="submit" { "Erase" }
        }
        form.stacked method="post" action="/data-protection/record-erasures" {
            (csrf_field(&who.session))
            h2 { "Erase one record" }
            p { "A record about no named person has a key of its own, and can be erased alone. A record about a named person shares their key: erase the person." }
            label for="record" { "The record's id" }
            input id="record" name="record" required;
            label for="record-legal-basis" { "Legal basis" }
            select id="record-legal-basis" name="legal_basis" required {
                @for b in LegalBasis::ALL {
                    @if b != LegalBasis::RetentionEnded {
                        option value=(b.name()) { (b.words()) }
                    }
                }
            }
            label for="record-reason" { "Reason" }
            input id="record-reason" name="reason" required;
            button type="submit" { "Erase the record" }
        }
        form.stacked method="get" action="/data-protection/subject-access" {
            h2 { "Subject access" }
            p { "Everything held about a person, as a page to print or save. Each export is written to the access log." }
            label for="access-reference" { "The person's pseudonymous reference" }
            input id="access-reference" name="reference" required placeholder="P-0413";
            button type="submit" { "Export" }
        }
        section aria-labelledby="erasures-heading" {
            h2 id="erasures-heading" { "Erasures recorded" }
            @if erased.is_empty() {
                p { "None yet." }
            } @else {
                table {
                    thead { tr { th { "When" } th { "Keys" } th { "Streams" } th { "Legal basis" } th { "Reason" } } }
                    tbody { @for e in erased {
                        @if let Some(Event::DataErased { keys, streams, reason, legal_basis }) = e.event() {
                            tr data-erasure=(e.id) {
                                td { (local.text(e.recorded_at.millis as i64)) }
                                td { (keys.len()) }
                                td { (streams.len()) }
                                td { (legal_basis.words()) }
                                td { (reason) }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// `GET /data-protection`
pub async fn index(State(state): State<AppState>, who: SignedIn) -> Result<Response, WebError> {
    show(&state, &who, None).await
}

/// Everything held about a person, as a printable page of its own.
pub fn subject_access_page(access: &SubjectAccess) -> Markup {
    let title = format!("Everything held about {}", access.reference);
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { "body{font-family:sans-serif;max-width:50rem;margin:1rem auto}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3rem;vertical-align:top;text-align:left}" }
            }
            body {
                h1 { (title) }
                p { "Produced " (access.produced_at) " by Praxis, in answer to a subject access request (UK GDPR art. 15). "
                    (access.records.len()) " " (if access.records.len() == 1 { "record" } else { "records" }) "." }
                table {
                    thead { tr { th { "Recorded" } th { "By" } th { "Where" } th { "What" } th { "Observed on" } th { "Text" } } }
                    tbody { @for r in &access.records {
                        tr data-record=(r.record) {
                            td { (r.recorded_at) }
                            td { (r.recorded_by) }
                            td { (r.stream_name) }
                            td { (r.kind) @if r.corrected { " (corrected)" } @if r.withdrawn { " (withdrawn)" } }
                            td { (r.observed_on) }
                            td { (r.text) }
                        }
                    } }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct AccessQuery {
    reference: String,
}

/// `GET /data-protection/subject-access?reference=P-0413`
pub async fn subject_access(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<AccessQuery>,
) -> Result<Response, WebError> {
    let reference = q.reference.trim().to_string();
    if !praxis_core::domain::validation::pseudonymous(&reference) {
        return Err(ServerError::BadRequest(format!(
            "'{reference}' is not a pseudonymous reference such as P-0413: Praxis refers to people only so."
        ))
        .into());
    }
    let person = who.session.person;
    let access = state
        .with(move |s| {
            Ok(s.subject_access(
                Some(person),
                SubjectReader::Browser(person),
                "/data-protection/subject-access",
                &reference,
            )?)
        })
        .await?;
    Ok(html_page(subject_access_page(&access)))
}

#[derive(Deserialize)]
pub struct RecordErasureForm {
    csrf: String,
    record: String,
    legal_basis: String,
    reason: String,
}

/// `POST /data-protection/record-erasures`
pub async fn erase_record(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<RecordErasureForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(f) = form.map_err(|e| {
        ServerError::BadRequest(format!(
            "The form could not be read: {e}. Open the page again."
        ))
    })?;
    who.check_csrf(&f.csrf)?;
    let legal_basis = legal_basis(&f.legal_basis)?;
    let record: EventId = f.record.trim().parse().map_err(|_| {
        ServerError::BadRequest(format!(
            "'{}' is not a record's id: copy it from the record's page.",
            f.record.trim()
        ))
    })?;
    let person = who.session.person;
    let done = state
        .with(move |s| Ok(s.erase_record(person, record, &f.reason, legal_basis)?))
        .await?;
    show(&state, &who, Some(done)).await
}

fn legal_basis(name: &str) -> Result<LegalBasis, ServerError> {
    LegalBasis::from_name(name.trim()).ok_or_else(|| {
        ServerError::BadRequest(format!(
            "'{name}' is not a legal basis; choose one from the list."
        ))
    })
}

#[derive(Deserialize)]
pub struct ErasureForm {
    csrf: String,
    reference: String,
    legal_basis: String,
    reason: String,
}

/// `POST /data-protection/erasures`
pub async fn erase(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<ErasureForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(f) = form.map_err(|e| {
        ServerError::BadRequest(format!(
            "The form could not be read: {e}. Open the page again."
        ))
    })?;
    who.check_csrf(&f.csrf)?;
    let legal_basis = legal_basis(&f.legal_basis)?;
    let reference = f.reference.trim().to_string();
    if !praxis_core::domain::validation::pseudonymous(&reference) {
        return Err(ServerError::BadRequest(format!(
            "'{reference}' is not a pseudonymous reference such as P-0413: Praxis refers to people only so."
        ))
        .into());
    }
    let person = who.session.person;
    let done = state
        .with(move |s| Ok(s.erase_subject(person, &reference, &f.reason, legal_basis)?))
        .await?;
    show(&state, &who, Some(done)).await
}
