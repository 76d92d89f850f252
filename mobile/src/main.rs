//! `praxis`: the terminal client. Records and shows a collaborative's work offline.

mod cli;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// The exit code when the store is one made before stores were encrypted, and
/// `praxis store encrypt` must be run first (1 is an error, 2 a refusal, 3 a sync that
/// left some streams unsynced).
const NOT_ENCRYPTED: u8 = 4;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    let json = args.json;
    match cli::run::run(args) {
        Ok(output) => {
            let shown = if json {
                serde_json::to_string_pretty(&output.json).unwrap_or_default()
            } else {
                output.text
            };
            // A closed pipe (`praxis overview | head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{shown}");
            ExitCode::from(output.code)
        }
        Err(error) => {
            let refused = error
                .downcast_ref::<praxis_core::store::StoreError>()
                .is_some_and(|e| matches!(e, praxis_core::store::StoreError::Refused(_)))
                || error
                    .downcast_ref::<praxis_mobile::PraxisError>()
                    .is_some_and(|e| matches!(e, praxis_mobile::PraxisError::Refused(_)));
            let not_encrypted = error
                .downcast_ref::<praxis_core::store::StoreError>()
                .is_some_and(|e| matches!(e, praxis_core::store::StoreError::NotEncrypted(_)))
                || error
                    .downcast_ref::<praxis_mobile::PraxisError>()
                    .is_some_and(|e| matches!(e, praxis_mobile::PraxisError::NotEncrypted(_)));
            let message = format!("{error:#}");
            if json {
                let code = if refused {
                    "refused"
                } else if not_encrypted {
                    "not-encrypted"
                } else {
                    "error"
                };
                eprintln!(
                    "{}",
                    serde_json::json!({ "error": code, "message": message })
                );
            } else {
                eprintln!("praxis: {message}");
            }
            ExitCode::from(if refused {
                2
            } else if not_encrypted {
                NOT_ENCRYPTED
            } else {
                1
            })
        }
    }
}
