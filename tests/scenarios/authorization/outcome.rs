//! What one cell of the authorization matrix gives, and how an error answer reads as
//! one.

use super::http::Answer;

/// What one cell gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Out {
    /// 200 with the resource asked for.
    Ok,
    /// 404 `not_found`: not a resource of that kind, or in a stream the caller may
    /// not read: the same answer as for an id that does not exist.
    NotFound,
    /// 403 `forbidden`, and for a sync nothing applied.
    Forbidden,
    /// 401 `sign_in_required`, and for a sync nothing applied.
    SignIn,
    /// 401 `device_revoked`, and for a sync nothing applied.
    DeviceRevoked,
    /// Sync: a 2xx answer, `x-praxis-events-accepted` counting every event sent, and
    /// the server holding exactly that many more events in the stream.
    Accepted,
    /// Sync: 422 `changes_refused` naming the event that may not be recorded, and the
    /// server holding no more events than before (nothing of the message applied):
    /// what a person who may only read the stream sends.
    Refused,
    /// Sync: a 2xx answer counting every event sent, the last held back: the server
    /// holds every event sent and its own `Quarantined` naming the last, whose record
    /// no view shows (its history answers 404).
    Held,
    /// Enrolment: 201 with a token that works.
    Created,
    /// Enrolment: 401 `wrong_credentials`.
    WrongCredentials,
}

pub(super) const OK: Out = Out::Ok;
pub(super) const NF: Out = Out::NotFound;
pub(super) const FB: Out = Out::Forbidden;
pub(super) const SI: Out = Out::SignIn;
pub(super) const RV: Out = Out::DeviceRevoked;
pub(super) const ACC: Out = Out::Accepted;
pub(super) const REF: Out = Out::Refused;
pub(super) const HLD: Out = Out::Held;
pub(super) const NEW: Out = Out::Created;
pub(super) const BAD: Out = Out::WrongCredentials;

/// An error answer as the `Out` it stands for, or what it was instead.
pub(super) fn error_out(answer: &Answer) -> Result<Out, String> {
    let code = answer.json["error"].as_str().unwrap_or("");
    match (answer.status, code) {
        (404, "not_found") => Ok(NF),
        (403, "forbidden") => Ok(FB),
        (401, "sign_in_required") => Ok(SI),
        (401, "device_revoked") => Ok(RV),
        (401, "wrong_credentials") => Ok(BAD),
        _ => Err(format!("{} {}", answer.status, answer.json)),
    }
}
