//! Arbitrary bytes as a stored stream document and the changes a store keeps after it
//! (`StreamDocument::load`), then what a store does with a loaded document: count and
//! list its events, compact it, and append what its device records. A compacted save
//! must load with the same events and heads, and an append must add exactly its
//! event at the end.

#![no_main]

use libfuzzer_sys::fuzz_target;
use praxis_core::domain::ids::DeviceId;
use praxis_core::replication::StreamDocument;
use praxis_fuzz::stored::{self, DEVICE};

const KIND: &str = "observation-recorded";

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort_unstable();
    items
}

/// The document saved as a store compacts it and loaded again, checked to hold what
/// it held; `None` when the save does not load back, which a store never writes.
fn reloaded(document: &mut StreamDocument) -> Option<StreamDocument> {
    let saved = document.save_checked().ok()?;
    let mut again = StreamDocument::load(&saved, &[])
        .unwrap_or_else(|e| panic!("a checked save does not load: {e}"));
    assert_eq!(
        again.events(),
        document.events(),
        "the events changed in a save"
    );
    assert_eq!(again.len(), document.len(), "the length changed in a save");
    assert_eq!(
        sorted(again.heads()),
        sorted(document.heads()),
        "the heads changed in a save"
    );
    Some(again)
}

fuzz_target!(init: praxis_fuzz::panics::go_on_after_caught_panics(), |data: &[u8]| {
    let (saved, changes) = stored::split(data);
    let Ok(mut document) = StreamDocument::load(saved, &changes) else {
        return;
    };
    let events = document.events();
    assert!(
        events.len() <= document.len(),
        "{} events listed in a list of {}",
        events.len(),
        document.len()
    );
    let again = reloaded(&mut document);
    let device = DeviceId(DEVICE);
    let length = document.len();

    // One append, then more through the tail it left.
    if document.append(device, KIND, 1, b"first").is_ok() {
        let mut expected = events.clone();
        expected.push(b"first".to_vec());
        assert_eq!(
            document.events(),
            expected,
            "an append did not add its event at the end"
        );
        assert_eq!(
            document.len(),
            length + 1,
            "an append did not count its event"
        );
        if document
            .append_all(
                device,
                vec![(KIND, 2, b"second".to_vec()), (KIND, 3, b"third".to_vec())],
            )
            .is_ok()
        {
            expected.extend([b"second".to_vec(), b"third".to_vec()]);
            assert_eq!(
                document.events(),
                expected,
                "appends after an append went astray"
            );
            assert_eq!(document.len(), length + 3, "appends were miscounted");
        }
        reloaded(&mut document);
    }

    // Many at once on a document just loaded, which reads its tail from the document.
    let Some(mut again) = again else {
        return;
    };
    if again
        .append_all(
            device,
            vec![(KIND, 4, b"fourth".to_vec()), (KIND, 5, b"fifth".to_vec())],
        )
        .is_ok()
    {
        let mut expected = events;
        expected.extend([b"fourth".to_vec(), b"fifth".to_vec()]);
        assert_eq!(
            again.events(),
            expected,
            "appends on a loaded document went astray"
        );
        assert_eq!(
            again.len(),
            length + 2,
            "appends on a loaded document were miscounted"
        );
        reloaded(&mut again);
    }
});
