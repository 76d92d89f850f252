//! The sync target's input. Its first byte is a header; the rest is either a sync
//! message as a device would send it, or changes for the target to build into one
//! from the phone's own actor on top of what the server holds, so that inputs reach
//! the gate and the domain's rules and not only the decoder. Each change is a flags
//! byte, its event's time (a little-endian `u32` of seconds after `EPOCH_MILLIS`) and
//! its event's body (a little-endian `u16` length and that many bytes of postcard,
//! with placeholders for the fixture's ids).

use crate::placeholders::Placeholders;
use automerge::sync::{Have, Message, MessageVersion};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use praxis_core::domain::envelope::{Body, Envelope, SCHEMA_VERSION};
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_core::replication::device_actor;

/// Header: the rest is changes to build into a message (else the message itself).
pub const BUILT: u8 = 1;
/// Header: the message is about `NEW_STREAM`, which the server does not hold.
pub const NEW_STREAM: u8 = 2;
/// Header: a built message in automerge's second format.
pub const V2: u8 = 4;
/// Header: a built message says what the phone had when it last synced.
pub const HAVE: u8 = 8;

/// Change: made by another device's actor.
pub const OTHER_ACTOR: u8 = 1;
/// Change: its event is authored by another person.
pub const OTHER_AUTHOR: u8 = 2;
/// Change: its event names another device.
pub const OTHER_DEVICE: u8 = 4;
/// Change: its event names the collaborative's stream.
pub const OTHER_STREAM: u8 = 8;
/// Change: it also deletes the list's first event (or sets a key beside the list).
pub const EXTRA_OP: u8 = 16;
/// Change: it appends its event twice.
pub const TWO_EVENTS: u8 = 32;
/// Change: its event says schema 2, newer than this build.
pub const NEWER_SCHEMA: u8 = 64;
/// Change: made, but left out of the message, so what follows depends on a change
/// the server does not have.
pub const HELD_BACK: u8 = 128;

/// The stream a `NEW_STREAM` input is about.
pub const NEW_STREAM_ID: uuid::Uuid =
    uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_004e_4557_5301);

/// 2026-01-01T00:00:00Z, from which a change's seconds count.
pub const EPOCH_MILLIS: u64 = 1_767_225_600_000;

/// One change for the target to build.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSpec {
    pub flags: u8,
    pub seconds: u32,
    pub body: Vec<u8>,
}

/// What an input asks to be sent.
pub enum Input<'a> {
    Sent(&'a [u8]),
    Built(Vec<ChangeSpec>),
}

/// The header and what it says is to be sent.
pub fn parse(data: &[u8]) -> (u8, Input<'_>) {
    let Some((&header, mut rest)) = data.split_first() else {
        return (0, Input::Sent(data));
    };
    if header & BUILT == 0 {
        return (header, Input::Sent(rest));
    }
    let mut specs = Vec::new();
    while let Some((&flags, after)) = rest.split_first() {
        let Some((seconds, after)) = after.split_first_chunk::<4>() else {
            break;
        };
        let Some((length, after)) = after.split_first_chunk::<2>() else {
            break;
        };
        let length = usize::from(u16::from_le_bytes(*length)).min(after.len());
        let (body, after) = after.split_at(length);
        specs.push(ChangeSpec {
            flags,
            seconds: u32::from_le_bytes(*seconds),
            body: body.to_vec(),
        });
        rest = after;
    }
    (header, Input::Built(specs))
}

/// The input `parse` reads as `header` and `specs` (`BUILT` is set).
pub fn encode(header: u8, specs: &[ChangeSpec]) -> Vec<u8> {
    let mut out = vec![header | BUILT];
    for spec in specs {
        out.push(spec.flags);
        out.extend_from_slice(&spec.seconds.to_le_bytes());
        let length = u16::try_from(spec.body.len()).expect("a body of at most 64 KiB");
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&spec.body);
    }
    out
}

/// Who the built changes come from, and whom the flags may name instead.
pub struct Parties<'a> {
    pub stream: StreamId,
    pub other_stream: StreamId,
    pub device: DeviceId,
    pub other_device: DeviceId,
    pub person: PersonId,
    pub other_person: PersonId,
    pub placeholders: &'a Placeholders,
}

/// The sync message carrying `specs` as changes on top of `base` (the stream's
/// document as the server holds it, saved).
pub fn build(header: u8, specs: &[ChangeSpec], base: &[u8], parties: &Parties) -> Vec<u8> {
    let mut document = AutoCommit::load(base).expect("the server's document loads");
    let list = match document.get(ROOT, "events") {
        Ok(Some((Value::Object(ObjType::List), id))) => id,
        _ => panic!("the server's document has no event list"),
    };
    let before = document.get_heads();
    let mut changes = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let flag = |f: u8| spec.flags & f != 0;
        let device = if flag(OTHER_ACTOR) {
            parties.other_device
        } else {
            parties.device
        };
        document.set_actor(device_actor(device));
        let millis = EPOCH_MILLIS + u64::from(spec.seconds) * 1000;
        let mut random = [0x5a; 10];
        random[9] = index as u8;
        let envelope = Envelope {
            id: EventId(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()),
            stream: if flag(OTHER_STREAM) {
                parties.other_stream
            } else {
                parties.stream
            },
            author: if flag(OTHER_AUTHOR) {
                parties.other_person
            } else {
                parties.person
            },
            device: if flag(OTHER_DEVICE) {
                parties.other_device
            } else {
                parties.device
            },
            recorded_at: Hlc { millis, counter: 0 },
            schema: if flag(NEWER_SCHEMA) {
                SCHEMA_VERSION + 1
            } else {
                SCHEMA_VERSION
            },
            body: Body::Unknown(parties.placeholders.apply(&spec.body)),
        };
        let bytes = envelope.encode();
        let kind = Envelope::decode(&bytes).map_or("unknown", |e| e.kind_name());
        let copies = if flag(TWO_EVENTS) { 2 } else { 1 };
        for _ in 0..copies {
            let end = document.length(&list);
            document
                .insert(&list, end, ScalarValue::Bytes(bytes.clone()))
                .expect("append to the list");
        }
        if flag(EXTRA_OP) {
            if document.length(&list) > copies {
                document.delete(&list, 0).expect("delete the first event");
            } else {
                document
                    .put(ROOT, "note", "beside the list")
                    .expect("set a key");
            }
        }
        let hash = document
            .commit_with(
                CommitOptions::default()
                    .with_message(kind)
                    .with_time(i64::from(spec.seconds)),
            )
            .expect("a change was made");
        if !flag(HELD_BACK) {
            let change = document
                .get_change_by_hash(&hash)
                .expect("the change just made");
            changes.push(change.raw_bytes().to_vec());
        }
    }
    Message {
        heads: document.get_heads(),
        need: Vec::new(),
        have: if header & HAVE != 0 {
            vec![Have {
                last_sync: before,
                ..Have::default()
            }]
        } else {
            Vec::new()
        },
        changes: changes.into(),
        flags: None,
        version: if header & V2 != 0 {
            MessageVersion::V2
        } else {
            MessageVersion::V1
        },
    }
    .encode()
}
