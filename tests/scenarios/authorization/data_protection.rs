//! The data protection columns of the authorization matrix: the key exchange, subject
//! access, erasure of a person or of one record, and the retention routes, each
//! request with what it must give to count as done.

use super::http::Http;
use super::outcome::{NF, OK, Out, error_out};
use praxis_core::domain::ids::{EventId, StreamId};
use std::collections::BTreeSet;

/// The key exchange: asked for N's and S's keys (in `Row::keys`), it lists the changes
/// to the keys of a stream the caller may read, and none of another.
pub(super) const KEYS_ROUTE: &str = "/api/v1/keys";
/// A data protection officer's erasure of P-0413 (every observation in the matrix is
/// about P-0413), in `Row::erase`.
pub(super) const ERASURE_ROUTE: &str = "/api/v1/subjects/{reference}/erasure";
/// A data protection officer's erasure of N's observation about no named person, in
/// `Row::erase_record`.
pub(super) const RECORD_ERASURE_ROUTE: &str = "/api/v1/records/{id}/erasure";
/// A data protection officer's subject access request for P-0413, in `Row::subject`
/// (asked before the erasure).
pub(super) const SUBJECT_ROUTE: &str = "/api/v1/subjects/{reference}";
/// A data protection officer's retention routes, in `Row::retention`: the schedule and
/// what is due (GET), setting it (PUT), placing a hold on P-0999 (who has no records,
/// so the erasures stay free), and lifting the hold `World::hold`.
pub(super) const RETENTION_ROUTES: [&str; 3] = [
    "/api/v1/collaboratives/{stream_id}/retention",
    "/api/v1/collaboratives/{stream_id}/legal-holds",
    "/api/v1/legal-holds/{id}/lift",
];

/// What the key exchange gave for `stream`: its keys listed, or none of them.
pub(super) fn keys_out(http: &Http, stream: StreamId, token: Option<&str>) -> Result<Out, String> {
    let answer = http.send(
        http.client
            .post(format!("{}{KEYS_ROUTE}", http.base))
            .json(&serde_json::json!({"streams": [{"stream": stream, "since": 0}]})),
        token,
    );
    if answer.status != 200 {
        return error_out(&answer);
    }
    let changes = answer.json["changes"]
        .as_array()
        .ok_or_else(|| format!("200 but no changes: {}", answer.json))?;
    if changes.iter().any(|c| c["stream"] != stream.to_string()) {
        return Err(format!("keys of another stream: {}", answer.json));
    }
    Ok(if changes.is_empty() { NF } else { OK })
}

/// What a subject access request for P-0413 gave: `Ok` when it lists records of both
/// teams' projects, each about P-0413's observations.
pub(super) fn subject_out(http: &Http, token: Option<&str>) -> Result<Out, String> {
    let answer = http.get("/api/v1/subjects/P-0413", token);
    if answer.status != 200 {
        return error_out(&answer);
    }
    let records = answer.json["records"]
        .as_array()
        .ok_or_else(|| format!("200 but no records: {}", answer.json))?;
    let streams: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r["stream"].as_str())
        .collect();
    if answer.json["reference"] == "P-0413" && streams.len() == 2 {
        Ok(OK)
    } else {
        Err(format!(
            "200 but not both projects' records: {}",
            answer.json
        ))
    }
}

/// What an erasure of one record gave: `Ok` when it destroyed its key.
pub(super) fn erase_record_out(
    http: &Http,
    record: EventId,
    token: Option<&str>,
) -> Result<Out, String> {
    let answer = http.send(
        http.client
            .post(format!("{}/api/v1/records/{record}/erasure", http.base))
            .json(&serde_json::json!({"reason": "Recorded by mistake", "legal_basis": "unlawfully-processed"})),
        token,
    );
    match answer.status {
        200 if answer.json["keys"].as_u64() == Some(1) => Ok(OK),
        200 => Err(format!("200 but not one key erased: {}", answer.json)),
        _ => error_out(&answer),
    }
}

/// What an erasure of P-0413 gave: `Ok` when it destroyed its keys.
pub(super) fn erase_out(http: &Http, token: Option<&str>) -> Result<Out, String> {
    let answer = http.send(
        http.client
            .post(format!("{}/api/v1/subjects/P-0413/erasure", http.base))
            .json(&serde_json::json!({"reason": "The person asked", "legal_basis": "objection"})),
        token,
    );
    match answer.status {
        200 if answer.json["keys"].as_u64().is_some_and(|k| k > 0) => Ok(OK),
        200 => Err(format!("200 but nothing erased: {}", answer.json)),
        _ => error_out(&answer),
    }
}

/// What a retention route gave (`which`: the schedule read, set; a hold placed, the
/// world's hold lifted): `Ok` when it did that.
pub(super) fn retention_out(
    http: &Http,
    (c, hold): (StreamId, EventId),
    which: usize,
    token: Option<&str>,
) -> Result<Out, String> {
    let url = |path: String| format!("{}{path}", http.base);
    let answer = match which {
        0 => http.get(&format!("/api/v1/collaboratives/{c}/retention"), token),
        1 => http.send(
            http.client.put(url(format!("/api/v1/collaboratives/{c}/retention"))).json(
                &serde_json::json!({"periods": [{"kind": "observation", "years": 8}], "reason": "Policy"}),
            ),
            token,
        ),
        2 => http.send(
            http.client.post(url(format!("/api/v1/collaboratives/{c}/legal-holds")))
                .json(&serde_json::json!({"reference": "P-0999", "reason": "A complaint"})),
            token,
        ),
        _ => http.send(
            http.client.post(url(format!("/api/v1/legal-holds/{}/lift", hold)))
                .json(&serde_json::json!({"reason": "The inquiry reported"})),
            token,
        ),
    };
    let done = match which {
        0 => answer.json["collaborative"] == c.to_string(),
        1 => answer.json["schedule"].is_string(),
        2 => answer.json["hold"].is_string(),
        _ => answer.json["lifted"].is_string(),
    };
    match answer.status {
        200 if done => Ok(OK),
        200 => Err(format!("200 but not done: {}", answer.json)),
        _ => error_out(&answer),
    }
}
