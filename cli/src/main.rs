//! `praxis`: the terminal client. Records and shows a collaborative's work offline.

mod args;
mod audit;
mod commands;
mod context;
mod device;
mod exit;
mod render;

use clap::Parser;
use exit::Exit;
use praxis_core::domain::printable::printable;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = args::Cli::parse();
    let json = args.json;
    match commands::run(args) {
        Ok(output) => {
            // JSON escapes control characters itself; text has them escaped here, so
            // nothing a record holds can drive the terminal.
            let shown = if json {
                serde_json::to_string_pretty(&output.json).unwrap_or_default()
            } else {
                printable(&output.text).into_owned()
            };
            // A closed pipe (`praxis overview | head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{shown}");
            output.exit.into()
        }
        Err(error) => {
            let exit = Exit::of(&error);
            let message = printable(&format!("{error:#}")).into_owned();
            if json {
                eprintln!(
                    "{}",
                    serde_json::json!({ "error": exit.word(), "message": message })
                );
            } else {
                eprintln!("praxis: {message}");
            }
            exit.into()
        }
    }
}
