//! Fixed ids that stand in a committed input for ids a fuzz target's server made at
//! set-up (new every process): a seed names "the project" or "its cycle" with these,
//! and the target puts the real ids in their place before the input is used, as 16
//! bytes (postcard's form of an id) and as text (JSON's and a form's).

use uuid::Uuid;

/// The project stream the fixture's practitioner records in.
pub const PROJECT: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0050_524f_4a01);
/// The collaborative the project lies in.
pub const COLLABORATIVE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0043_4f4c_4c01);
/// A cycle planned in the project (Plan only).
pub const CYCLE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0043_5943_4c01);
/// A measure defined in the project.
pub const MEASURE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_004d_4541_5301);
/// A monthly report submitted in the project.
pub const REPORT: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0052_4550_4f01);
/// Which real id each placeholder stands for.
#[derive(Clone, Debug, Default)]
pub struct Placeholders {
    pairs: Vec<(Uuid, Uuid)>,
}

impl Placeholders {
    pub fn new(pairs: Vec<(Uuid, Uuid)>) -> Placeholders {
        Placeholders { pairs }
    }

    /// `bytes` with every placeholder, in either form, replaced by its real id.
    pub fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for (placeholder, real) in &self.pairs {
            replace_all(&mut out, placeholder.as_bytes(), real.as_bytes());
            let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            let mut real_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            placeholder.hyphenated().encode_lower(&mut text);
            real.hyphenated().encode_lower(&mut real_text);
            replace_all(&mut out, &text, &real_text);
        }
        out
    }
}

/// Replaces every occurrence of `from` in `bytes` by `to`, of the same length.
fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    debug_assert_eq!(from.len(), to.len());
    let mut at = 0;
    while at + from.len() <= bytes.len() {
        if &bytes[at..at + from.len()] == from {
            bytes[at..at + from.len()].copy_from_slice(to);
            at += from.len();
        } else {
            at += 1;
        }
    }
}
