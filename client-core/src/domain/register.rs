//! A single-valued thing that several people may change offline: a charter, a
//! schedule, a measure's definition, a cycle's Act. Each version names the versions
//! its author had seen (`replaces`); versions nobody replaced are the heads. One head
//! is the value; several heads are a conflict, kept side by side until a resolution
//! names them all.

use super::envelope::Stamp;
use super::ids::EventId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version<T> {
    pub stamp: Stamp,
    pub replaces: Vec<EventId>,
    pub value: T,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Register<T> {
    pub versions: Vec<Version<T>>,
    /// Sorted, so replicas agree byte for byte.
    pub heads: Vec<EventId>,
}

impl<T> Default for Register<T> {
    fn default() -> Self {
        Register {
            versions: Vec::new(),
            heads: Vec::new(),
        }
    }
}

impl<T: Clone> Register<T> {
    pub fn apply(&mut self, stamp: Stamp, replaces: Vec<EventId>, value: T) {
        self.heads.retain(|h| !replaces.contains(h));
        self.heads.push(stamp.event);
        self.heads.sort();
        self.heads.dedup();
        self.versions.push(Version {
            stamp,
            replaces,
            value,
        });
    }

    pub fn version(&self, id: EventId) -> Option<&Version<T>> {
        self.versions.iter().find(|v| v.stamp.event == id)
    }

    /// The value, when there is exactly one head.
    pub fn current(&self) -> Option<&T> {
        match self.heads.as_slice() {
            [one] => self.version(*one).map(|v| &v.value),
            _ => None,
        }
    }

    /// The competing versions, when there is a conflict.
    pub fn conflict(&self) -> Option<Vec<&Version<T>>> {
        (self.heads.len() > 1).then(|| self.heads.iter().filter_map(|h| self.version(*h)).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// True when `replaces` names exactly the current heads, i.e. its author saw the
    /// latest version.
    pub fn is_up_to_date(&self, replaces: &[EventId]) -> bool {
        let mut r = replaces.to_vec();
        r.sort();
        r.dedup();
        r == self.heads
    }
}
