//! How `praxis` ends: every exit code a script can read, in one place.

use std::process::ExitCode;

/// The outcome of one run of `praxis`, as its exit code tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done (0).
    Done,
    /// It failed; the message on stderr says what happened and what to do (1).
    Failed,
    /// A rule of the store or of the server refused it, or the server refused an
    /// enrolment code, and nothing changed (2).
    Refused,
    /// A sync ran, but some streams did not sync; the others did (3).
    SomeStreamsUnsynced,
    /// The store was made before stores were encrypted: `praxis store encrypt` first (4).
    NotEncrypted,
    /// An audit bundle, or the server's integrity check, found something altered (4).
    Altered,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Done => 0,
            Exit::Failed => 1,
            Exit::Refused => 2,
            Exit::SomeStreamsUnsynced => 3,
            Exit::NotEncrypted | Exit::Altered => 4,
        }
    }

    /// The word `--json` gives for a failure on stderr (`{"error": ...}`).
    pub fn word(self) -> &'static str {
        match self {
            Exit::Refused => "refused",
            Exit::NotEncrypted => "not-encrypted",
            _ => "error",
        }
    }

    /// How a failure ends: refused, a store to encrypt first, or any other error.
    pub fn of(error: &anyhow::Error) -> Exit {
        use praxis_core::store::StoreError;
        use praxis_mobile::PraxisError;
        let store = error.downcast_ref::<StoreError>();
        let device = error.downcast_ref::<PraxisError>();
        // A wrong, used or expired enrolment code is the server refusing it: nothing
        // was enrolled, and a new code is made in the browser.
        if matches!(store, Some(StoreError::Refused(_)))
            || matches!(
                device,
                Some(PraxisError::Refused(_) | PraxisError::WrongEnrolmentCode(_))
            )
        {
            Exit::Refused
        } else if matches!(store, Some(StoreError::NotEncrypted(_)))
            || matches!(device, Some(PraxisError::NotEncrypted(_)))
        {
            Exit::NotEncrypted
        } else {
            Exit::Failed
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}
