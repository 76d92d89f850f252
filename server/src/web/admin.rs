//! Administration in the browser, for people with the administrator role: the
//! collaboratives and their teams, people and their roles, devices, one-time codes
//! for setting a password, and the organisation stream's history of every change.
//! Each change goes through the same storage calls as `praxis-server admin`, so it is
//! the same event in the organisation stream, checked the same way; every form
//! carries the session's CSRF token. A person sets their own password with a code
//! (`set_password`): no password is ever shown to, or sent by, anyone else.

use super::layout::{csrf_field, page, scrolling};
use super::{SignedIn, WebError, html_page};
use crate::auth::{hash_password, new_token, token_hash};
use crate::error::ServerError;
use crate::local_time::LocalTime;
use crate::state::AppState;
use crate::storage::{Device, DeviceStatus, Membership, PasswordReset, Person, Storage, Team};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{CollaborativeFounded, Scope};
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::domain::summary::one_line;
use serde::Deserialize;
use std::collections::HashMap;

/// How long a one-time code for setting a password lasts.
pub const RESET_HOURS: i64 = 72;

/// How many of the organisation stream's latest changes the page lists.
const HISTORY_SHOWN: usize = 200;

/// Refuses anyone without the administrator role.
fn administrator(storage: &dyn Storage, person: PersonId) -> Result<(), ServerError> {
    let is = storage
        .memberships()?
        .iter()
        .any(|m| m.person == person && m.role == Role::Administrator && !m.revoked());
    if is {
        Ok(())
    } else {
        Err(ServerError::Forbidden(
            "This page is for administrators. Ask an administrator to grant you the administrator role.".into(),
        ))
    }
}

/// Everything the page shows.
struct AdminRead {
    collaboratives: Vec<(StreamId, String)>,
    teams: Vec<Team>,
    people: Vec<Person>,
    memberships: Vec<Membership>,
    devices: Vec<Device>,
    resets: Vec<PasswordReset>,
    history: Vec<Envelope>,
}

fn read(storage: &dyn Storage) -> Result<AdminRead, ServerError> {
    // The organisation stream, and each collaborative's founding (its own stream's
    // first record), newest first.
    let collaboratives = storage.collaboratives()?;
    let mut history = storage.envelopes(storage.organisation_stream())?;
    for (c, _) in &collaboratives {
        history.extend(storage.envelopes(*c)?.into_iter().filter(|e| {
            e.kind() == Some(praxis_core::domain::event_kind::EventKind::CollaborativeFounded)
        }));
    }
    history.sort_by_key(|e| std::cmp::Reverse(e.order_key()));
    history.truncate(HISTORY_SHOWN);
    let mut people = storage.people()?;
    people.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(AdminRead {
        collaboratives,
        teams: storage.teams()?,
        people,
        memberships: storage.memberships()?,
        devices: storage.devices()?,
        resets: storage.password_resets()?,
        history,
    })
}

/// What one change did, to say at the top of the page: a sentence, and a one-time
/// code when one was issued (shown this once).
struct Done {
    said: String,
    code: Option<(String, String)>,
}

impl Done {
    /// A change that issued `whom` a one-time code, shown this once.
    fn with_code(said: String, whom: String, code: String) -> Done {
        Done {
            said,
            code: Some((whom, code)),
        }
    }
}

/// A new one-time code and the hash of it that is stored.
fn new_code() -> Result<(String, String), ServerError> {
    let code = new_token()?;
    let hash = token_hash(&code);
    Ok((code, hash))
}

/// The page, after `done` when a form was sent.
async fn show(state: &AppState, who: &SignedIn, done: Option<Done>) -> Result<Response, WebError> {
    let person = who.session.person;
    let read = state
        .with(move |s| {
            administrator(s, person)?;
            read(s)
        })
        .await?;
    Ok(html_page(page(
        "Administration",
        Some(&who.session),
        content(
            &read,
            who,
            done.as_ref(),
            state.local_time(),
            super::sso::username_hint(state).as_deref(),
        ),
    )))
}

fn scope_words(scope: &Scope, read: &AdminRead) -> String {
    match scope {
        Scope::Collaborative(c) => read
            .collaboratives
            .iter()
            .find(|(id, _)| id == c)
            .map(|(_, n)| format!("the whole of {n}"))
            .unwrap_or_else(|| format!("collaborative {c}")),
        Scope::Team(t) => read
            .teams
            .iter()
            .find(|x| x.id == *t)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| format!("team {t}")),
    }
}

fn status_words(status: &DeviceStatus) -> String {
    match status {
        DeviceStatus::Active => "active".into(),
        DeviceStatus::Revoked { at, reason } => format!("revoked {at}: {reason}"),
        DeviceStatus::Expired { at } => format!("token expired {at}"),
    }
}

fn content(
    read: &AdminRead,
    who: &SignedIn,
    done: Option<&Done>,
    local: &LocalTime,
    sso_hint: Option<&str>,
) -> Markup {
    let names: HashMap<PersonId, &str> = read
        .people
        .iter()
        .map(|p| (p.id, p.name.as_str()))
        .collect();
    let name_of = |id: PersonId| names.get(&id).copied().unwrap_or("the server").to_string();
    html! {
        h1 { "Administration" }
        @if let Some(d) = done {
            div.notice role="status" data-done {
                p { (d.said) }
                @if let Some((whom, code)) = &d.code {
                    p { "Give " (whom) " this one-time code, in person or by phone, to set their own password at " a href="/set-password" { "/set-password" } " within " (RESET_HOURS) " hours. It is shown only now." }
                    p { strong { code data-code { (code) } } }
                }
            }
        }
        p.links {
            a href="#teams" { "Collaboratives and teams" } " · " a href="#people" { "People and roles" } " · "
            a href="#devices" { "Devices" } " · " a href="#history" { "History" }
        }
        section id="teams" aria-labelledby="teams-heading" {
            h2 id="teams-heading" { "Collaboratives and teams" }
            @for (c, name) in &read.collaboratives {
                h3 { (name) }
                ul { @for t in read.teams.iter().filter(|t| t.collaborative == *c) {
                    li data-team=(t.id) { (t.name) ", " (t.organisation) }
                } }
            }
            form.stacked method="post" action="/admin/collaboratives" {
                (csrf_field(&who.session))
                h3 { "Found a collaborative" }
                label for="collaborative-name" { "Name" }
                input id="collaborative-name" name="name" required;
                label for="collaborative-topic" { "Topic" }
                input id="collaborative-topic" name="topic" required;
                label for="collaborative-chosen-with" { "How people who use services helped choose the topic" }
                textarea id="collaborative-chosen-with" name="chosen_with" required {}
                button type="submit" { "Found the collaborative" }
            }
            form.stacked method="post" action="/admin/teams" {
                (csrf_field(&who.session))
                h3 { "Add a team" }
                label for="team-collaborative" { "Collaborative" }
                select id="team-collaborative" name="collaborative" required {
                    @for (c, name) in &read.collaboratives { option value=(c) { (name) } }
                }
                label for="team-name" { "Team" }
                input id="team-name" name="name" required;
                label for="team-organisation" { "Organisation" }
                input id="team-organisation" name="organisation" required;
                button type="submit" { "Add the team" }
            }
        }
        section id="people" aria-labelledby="people-heading" {
            h2 id="people-heading" { "People and roles" }
            (scrolling("People", html! { table.stack {
                thead { tr { th { "Person" } th { "Roles" } th { "Password" } } }
                tbody { @for p in &read.people {
                    tr data-person=(p.username) {
                        td data-label="Person" { (p.name) br; span.muted { (p.username) } }
                        td data-label="Roles" {
                            ul { @for m in read.memberships.iter().filter(|m| m.person == p.id && !m.revoked()) {
                                li data-membership=(m.id) {
                                    (m.role.name()) " for " (scope_words(&m.scope, read))
                                    form method="post" action={ "/admin/memberships/" (m.id) "/revoke" } {
                                        (csrf_field(&who.session))
                                        label { "Why end it " input name="reason" required; }
                                        button type="submit" { "End this role" }
                                    }
                                }
                            } }
                        }
                        td data-label="Password" {
                            @if let Some(r) = read.resets.iter().find(|r| r.person == p.id) {
                                p.muted { "Code issued " (local.text(r.issued_at)) " by " (name_of(r.issued_by)) @if r.used_at.is_some() { ", used" } @else if r.expires_at < praxis_core::domain::hlc::wall_millis_now() as i64 { ", expired" } @else { ", not used yet" } }
                            }
                            form method="post" action={ "/admin/people/" (p.id) "/password-reset" } {
                                (csrf_field(&who.session))
                                button type="submit" { "Issue a one-time code to set a password" }
                            }
                        }
                    }
                } }
            } }))
            form.stacked method="post" action="/admin/people" {
                (csrf_field(&who.session))
                h3 { "Add a person" }
                p.muted { "They set their own password with a one-time code shown once the person is added." }
                @if let Some(hint) = sso_hint {
                    p.muted #sso-username { (hint) }
                }
                label for="person-username" { "Username" }
                input id="person-username" name="username" required autocomplete="off";
                label for="person-name" { "Name" }
                input id="person-name" name="name" required;
                button type="submit" { "Add the person" }
            }
            form.stacked method="post" action="/admin/memberships" {
                (csrf_field(&who.session))
                h3 { "Grant a role" }
                label for="grant-person" { "Person" }
                select id="grant-person" name="person" required {
                    @for p in &read.people { option value=(p.id) { (p.name) " (" (p.username) ")" } }
                }
                label for="grant-role" { "Role" }
                select id="grant-role" name="role" required {
                    @for r in Role::ALL { option value=(r.name()) { (r.name()) } }
                }
                label for="grant-scope" { "For" }
                select id="grant-scope" name="scope" required {
                    @for (c, name) in &read.collaboratives {
                        option value={ "collaborative:" (c) } { "the whole of " (name) }
                        @for t in read.teams.iter().filter(|t| t.collaborative == *c) {
                            option value={ "team:" (t.id) } { (t.name) " (" (name) ")" }
                        }
                    }
                }
                button type="submit" { "Grant the role" }
            }
        }
        section id="devices" aria-labelledby="devices-heading" {
            h2 id="devices-heading" { "Devices" }
            (scrolling("Devices", html! { table.stack {
                thead { tr { th { "Device" } th { "Whose" } th { "Enrolled" } th { "Last sync" } th { "Status" } } }
                tbody { @for d in &read.devices {
                    tr data-device=(d.id) {
                        td data-label="Device" { (d.name) @if d.field_app { " (field app)" } }
                        td data-label="Whose" { (d.person_name) }
                        td data-label="Enrolled" { (local.text_of(&d.enrolled_at)) }
                        td data-label="Last sync" { (d.last_sync_at.as_deref().map(|t| local.text_of(t)).unwrap_or_else(|| "never".into())) }
                        td data-label="Status" {
                            (status_words(&d.status))
                            @if !matches!(d.status, DeviceStatus::Revoked { .. }) {
                                form method="post" action={ "/admin/devices/" (d.id) "/revoke" } {
                                    (csrf_field(&who.session))
                                    label { "Why (lost, stolen, replaced) " input name="reason" required; }
                                    button type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                } }
            } }))
        }
        section id="history" aria-labelledby="history-heading" {
            h2 id="history-heading" { "History of people, teams, roles and devices" }
            p.muted { "The organisation stream and each collaborative's founding, newest first: every change above is one of these records." }
            ol.history { @for e in &read.history {
                li data-event=(e.id) {
                    (local.text(e.recorded_at.millis as i64)) ": "
                    strong { (e.kind().map(|k| k.words()).unwrap_or("A record of a newer Praxis")) }
                    @if let Some(event) = e.event() { " — " (one_line(event)) }
                    " " span.muted { "by " (name_of(e.author)) }
                }
            } }
        }
    }
}

/// A form's fields, or a page saying what was wrong with them.
pub(super) fn fields<T>(form: Result<Form<T>, FormRejection>) -> Result<T, WebError> {
    form.map(|Form(f)| f).map_err(|e| {
        ServerError::BadRequest(format!(
            "The form could not be read: {e}. Open the page again."
        ))
        .into()
    })
}

fn given(what: &str, value: &str) -> Result<String, ServerError> {
    let v = value.trim();
    if v.is_empty() {
        Err(ServerError::BadRequest(format!("Give the {what}.")))
    } else {
        Ok(v.to_string())
    }
}

fn parse<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, ServerError> {
    value.trim().parse().map_err(|_| {
        ServerError::BadRequest(format!(
            "'{value}' is not a {what}; choose one from the list."
        ))
    })
}

/// One change by an administrator: after the CSRF and role checks, `work` on the
/// storage; then the page, saying `said`.
async fn change(
    state: &AppState,
    who: &SignedIn,
    csrf: &str,
    said: String,
    work: impl FnOnce(&dyn Storage) -> Result<(), ServerError> + Send + 'static,
) -> Result<Response, WebError> {
    who.check_csrf(csrf)?;
    let person = who.session.person;
    state
        .with(move |s| {
            administrator(s, person)?;
            work(s)
        })
        .await?;
    show(state, who, Some(Done { said, code: None })).await
}

/// `GET /admin`
pub async fn index(State(state): State<AppState>, who: SignedIn) -> Result<Response, WebError> {
    show(&state, &who, None).await
}

#[derive(Deserialize)]
pub struct CollaborativeForm {
    csrf: String,
    name: String,
    topic: String,
    chosen_with: String,
}

/// `POST /admin/collaboratives`
pub async fn add_collaborative(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<CollaborativeForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    let founded = CollaborativeFounded {
        name: given("collaborative's name", &f.name)?,
        topic: given("topic", &f.topic)?,
        chosen_with: given(
            "way people who use services helped choose the topic",
            &f.chosen_with,
        )?,
    };
    let said = format!("The collaborative '{}' was founded.", founded.name);
    change(&state, &who, &f.csrf, said, move |s| {
        s.add_collaborative(founded)?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct TeamForm {
    csrf: String,
    collaborative: String,
    name: String,
    organisation: String,
}

/// `POST /admin/teams`
pub async fn add_team(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<TeamForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    let collaborative: StreamId = parse("collaborative", &f.collaborative)?;
    let (name, organisation) = (
        given("team's name", &f.name)?,
        given("organisation", &f.organisation)?,
    );
    let said = format!("The team '{name}' was added.");
    change(&state, &who, &f.csrf, said, move |s| {
        s.add_team(collaborative, &name, &organisation)?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct PersonForm {
    csrf: String,
    username: String,
    name: String,
}

/// `POST /admin/people`: adds a person, with a one-time code to set their password.
pub async fn add_person(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<PersonForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let admin = who.session.person;
    let username = given("username", &f.username)?;
    if username.chars().any(char::is_whitespace) {
        return Err(ServerError::BadRequest(
            "A username has no spaces; give one such as amira.hassan.".into(),
        )
        .into());
    }
    let name = given("name", &f.name)?;
    let (code, hash) = new_code()?;
    let whom = name.clone();
    state
        .with(move |s| {
            administrator(s, admin)?;
            // Nobody can sign in as them until they set a password with the code.
            let unusable = hash_password(&new_token()?)?;
            let person = s.add_person(&username, &name, &unusable)?;
            s.issue_password_reset(person, admin, &hash, RESET_HOURS)?;
            Ok(())
        })
        .await?;
    let said = format!("{whom} was added.");
    show(&state, &who, Some(Done::with_code(said, whom, code))).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /admin/people/{id}/password-reset`: a new one-time code for the person.
pub async fn reset_password(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let admin = who.session.person;
    let person: PersonId = parse("person", &id)?;
    let (code, hash) = new_code()?;
    let whom = state
        .with(move |s| {
            administrator(s, admin)?;
            let whom = s
                .people()?
                .into_iter()
                .find(|p| p.id == person)
                .ok_or_else(|| ServerError::NotFound(format!("There is no person {person}.")))?;
            s.issue_password_reset(person, admin, &hash, RESET_HOURS)?;
            Ok(whom.name)
        })
        .await?;
    let said = format!(
        "A one-time code was issued for {whom}; any earlier code of theirs no longer works."
    );
    show(&state, &who, Some(Done::with_code(said, whom, code))).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    csrf: String,
    person: String,
    role: String,
    scope: String,
}

/// `POST /admin/memberships`
pub async fn grant(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<GrantForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    let person: PersonId = parse("person", &f.person)?;
    let role = Role::from_name(f.role.trim()).ok_or_else(|| {
        ServerError::BadRequest(format!(
            "'{}' is not a role; choose one from the list.",
            f.role
        ))
    })?;
    let scope = match f.scope.trim().split_once(':') {
        Some(("team", id)) => Scope::Team(parse::<EventId>("team", id)?),
        Some(("collaborative", id)) => {
            Scope::Collaborative(parse::<StreamId>("collaborative", id)?)
        }
        _ => {
            return Err(ServerError::BadRequest(
                "Choose a team or a collaborative from the list.".into(),
            )
            .into());
        }
    };
    let said = format!("The {} role was granted.", role.name());
    change(&state, &who, &f.csrf, said, move |s| {
        s.grant(person, role, scope)?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    csrf: String,
    reason: String,
}

/// `POST /admin/memberships/{id}/revoke`
pub async fn revoke_membership(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: Result<Form<ReasonForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    let membership: EventId = parse("membership", &id)?;
    let reason = given("reason", &f.reason)?;
    change(
        &state,
        &who,
        &f.csrf,
        "The role was ended.".into(),
        move |s| Ok(s.revoke_membership(membership, &reason)?),
    )
    .await
}

/// `POST /admin/devices/{id}/revoke`
pub async fn revoke_device(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: Result<Form<ReasonForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    let device: DeviceId = parse("device", &id)?;
    let reason = given("reason", &f.reason)?;
    let said = "The device was revoked: it can no longer sync.".to_string();
    change(&state, &who, &f.csrf, said, move |s| {
        Ok(s.revoke_device(device, &reason)?)
    })
    .await
}
