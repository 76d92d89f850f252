//! Identifiers. Every id is a UUID; events get UUIDv7 ids made on the device, so ids
//! sort roughly by creation time and never need a server to hand them out.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The last eight hex digits: the random part, short enough to type.
            pub fn short(&self) -> String {
                let s = self.0.simple().to_string();
                s[s.len() - 8..].to_string()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// One event; also the id of the record an event creates (a measure is known by the
    /// id of the event that defined it).
    EventId
);
id_type!(
    /// A stream: the unit of replication and access, one per collaborative and one per
    /// team improvement project.
    StreamId
);
id_type!(
    /// A person who records (practitioner, coordinator, manager...).
    PersonId
);
id_type!(
    /// A device (phone, terminal) that records on a person's behalf.
    DeviceId
);
id_type!(
    /// A data key: personal content is sealed under one, and erasing destroys it.
    DataKeyId
);
