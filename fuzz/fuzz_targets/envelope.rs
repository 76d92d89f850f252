//! Arbitrary bytes as an event envelope and as a stored record. Every decoder must
//! return an error on bad bytes; whatever decodes must encode to bytes that decode
//! to the same value and encode the same again, or a replica could read back an
//! event other than the one it stored.

#![no_main]

use libfuzzer_sys::fuzz_target;
use praxis_core::domain::envelope::Envelope;
use praxis_core::store::decode_stored;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::decode(data) {
        let encoded = envelope.encode();
        let again = Envelope::decode(&encoded).unwrap_or_else(|e| {
            panic!("an envelope that decoded does not decode once encoded again: {e}")
        });
        // Bytes, not values: a measurement may hold NaN, which equals nothing.
        assert_eq!(
            again.encode(),
            encoded,
            "an envelope encodes differently after a round trip"
        );
        assert_eq!(
            (again.id, again.stream, again.author, again.device),
            (
                envelope.id,
                envelope.stream,
                envelope.author,
                envelope.device
            )
        );
        assert_eq!(
            (again.recorded_at, again.schema, again.kind_name()),
            (envelope.recorded_at, envelope.schema, envelope.kind_name())
        );
    }
    if let Ok(record) = decode_stored(data) {
        let encoded = record.encode();
        let again = decode_stored(&encoded).unwrap_or_else(|e| {
            panic!("a record that decoded does not decode once encoded again: {e}")
        });
        assert_eq!(
            again.encode(),
            encoded,
            "a record encodes differently after a round trip"
        );
    }
});
