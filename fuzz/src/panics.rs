//! libFuzzer's Rust glue aborts at any panic, even one the code under test catches.
//! Praxis catches Automerge's panics on malformed changes and answers an error
//! (`praxis_core::replication`), so the targets that reach Automerge print a caught
//! panic (with its backtrace under `RUST_BACKTRACE=1`) and go on. A panic nobody catches still reaches the glue's own
//! catch, which aborts: it is a crash, as before.

use std::sync::Once;

/// Puts a hook that only prints in place of the glue's aborting one (once).
pub fn go_on_after_caught_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(|info| {
            eprintln!("{info}\n{}", std::backtrace::Backtrace::capture());
        }));
    });
}
