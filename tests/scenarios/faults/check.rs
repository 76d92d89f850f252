//! What must hold once the faults stop and every phone has synced to the end: every
//! event a phone recorded is on the server exactly once, the receipt log names it
//! once, from the device that recorded it, and the server and every phone hold the
//! same events and show the same views.

use super::device::Device;
use praxis_core::domain::ids::{DeviceId, EventId, StreamId};
use praxis_core::store::queries;
use praxis_testkit::server::TestServer;
use std::collections::{BTreeSet, HashMap};

/// What the check counted in one stream.
#[derive(Default)]
pub struct Counted {
    pub events: usize,
    /// Recorded on a phone, and not on the server.
    pub lost: usize,
    /// On the server more than once, or with more than one receipt.
    pub duplicated: usize,
}

/// Checks `stream`, which `devices` share, against the server; panics saying what
/// differs when a replica does not show what the server shows. `token` is a device
/// token that may read the stream.
pub fn stream(
    server: &TestServer,
    token: &str,
    stream: StreamId,
    devices: &mut [Device],
) -> Counted {
    let mut expected: Vec<EventId> = devices
        .iter()
        .flat_map(|d| d.recorded.iter().copied())
        .collect();
    expected.sort();
    let on_server = praxis_testkit::records::server_event_ids(
        &server.get_json(&format!("/api/v1/streams/{stream}/events"), token),
    );
    let distinct: BTreeSet<EventId> = on_server.iter().copied().collect();
    let lost = expected.iter().filter(|id| !distinct.contains(id)).count();
    let mut duplicated = on_server.len() - distinct.len();

    let receipts = server.get_json(&format!("/api/v1/streams/{stream}/receipts"), token);
    let mut received: HashMap<EventId, Vec<DeviceId>> = HashMap::new();
    for receipt in receipts["receipts"].as_array().expect("receipts") {
        let device: DeviceId = receipt["device"]
            .as_str()
            .expect("device")
            .parse()
            .expect("a device id");
        for event in receipt["events"].as_array().expect("events") {
            let id: EventId = event.as_str().expect("id").parse().expect("an event id");
            received.entry(id).or_default().push(device);
        }
    }
    duplicated += received.values().map(|from| from.len() - 1).sum::<usize>();
    let counted = Counted {
        events: expected.len(),
        lost,
        duplicated,
    };
    if counted.lost > 0 || counted.duplicated > 0 {
        return counted;
    }
    assert_eq!(
        on_server, expected,
        "the server holds what the phones recorded"
    );
    for device in devices.iter_mut() {
        let from = device.store().identity().device;
        for id in &device.recorded {
            assert_eq!(
                received.get(id),
                Some(&vec![from]),
                "{}'s event {id} has one receipt, from that phone",
                device.username
            );
        }
    }

    // Every phone holds the same events and shows the same records, and the server
    // shows the same overview.
    let first_name = devices[0].username.clone();
    let first = devices[0].store().connection();
    let records = queries::all_records(first, stream).expect("records");
    let overview = serde_json::to_value(queries::project_overview(first, stream).expect("view"))
        .expect("JSON");
    for device in devices.iter_mut() {
        let name = device.username.clone();
        let store = device.store();
        assert_eq!(
            praxis_testkit::records::event_ids(store, stream),
            expected,
            "{name} holds every event once"
        );
        assert!(
            queries::all_records(store.connection(), stream).expect("records") == records,
            "{name} shows the same records as {first_name}"
        );
    }
    let served = server.get_json(&format!("/api/v1/streams/{stream}"), token);
    assert_eq!(served["Project"], overview, "the server's overview");
    counted
}
