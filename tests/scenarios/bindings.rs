//! The generated Python bindings against a real server: builds nothing itself, but
//! writes the bindings with `scripts/bindings --debug --library` from the library cargo
//! built for these tests (and its `uniffi-bindgen`), starts praxis-server (seeded with the demo) on
//! 127.0.0.1, and runs `tests/python/test_bindings.py` with Python 3. Fails, saying
//! what to install, when Python is missing.

use praxis_server::app::router;
use praxis_server::state::AppState;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The library cargo built with the test binaries (`target/<profile>/deps/`).
fn built_library() -> PathBuf {
    let dir = praxis_testkit::binary("uniffi-bindgen")
        .parent()
        .expect("the binaries' directory")
        .to_path_buf();
    let name = if cfg!(target_os = "macos") {
        "libpraxis_mobile.dylib"
    } else if cfg!(windows) {
        "praxis_mobile.dll"
    } else {
        "libpraxis_mobile.so"
    };
    // `cargo test` builds the library into `deps/` and copies it up only on `cargo build`.
    let library = dir.join("deps").join(name);
    assert!(
        library.exists(),
        "the praxis-mobile library was not built at {}: build with `cargo test --workspace`",
        library.display()
    );
    library
}

fn python() -> &'static str {
    let found = Command::new("python3").arg("--version").output();
    match found {
        Ok(out) if out.status.success() => "python3",
        _ => panic!(
            "Python 3 is needed to test the generated bindings and `python3` cannot be run: install it (apt-get install python3) and run the tests again"
        ),
    }
}

/// The real server's router on 127.0.0.1, seeded with the demo, for the rest of the test.
fn start_server(data_dir: &Path) -> String {
    let story = praxis_server::demo::story_clock();
    let mut storage = praxis_testkit::server::open_storage_with_clock(data_dir, story.clone())
        .expect("server storage");
    praxis_server::demo::seed(&mut storage, &story).expect("the demo seeds");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port on 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let app = router(AppState::new(Box::new(storage), 30));
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let _ = axum::serve(listener, app).await;
        })
    });
    url
}

/// A store as the terminal client made them before device stores were encrypted:
/// praxis-core's `Store` without a key, with a collaborative and the settings an
/// enrolment leaves. The Python test opens it, is told to encrypt it, and encrypts it.
fn plain_store(dir: &Path) -> PathBuf {
    let path = dir.join("plain.sqlite3");
    let mut store = praxis_core::store::Store::create(&path, "Asha Patel").expect("a plain store");
    store
        .found_collaborative(praxis_core::domain::event::CollaborativeFounded {
            name: "Independence at home".into(),
            topic: "Mrs Q's neighbour keeps the spare key under the blue pot".into(),
            chosen_with: "The service users' forum".into(),
        })
        .expect("a collaborative");
    store
        .set_setting(praxis_core::sync::SERVER_SETTING, "http://127.0.0.1:1")
        .expect("a setting");
    path
}

#[test]
fn python_uses_the_generated_bindings_against_a_real_server() {
    let python = python();
    let library = built_library();
    let work = tempfile::tempdir().expect("a temporary directory");
    let bindings = work.path().join("bindings");
    // The README's command, on the library cargo built for these tests: a nested
    // `cargo build` would wait for the build directory `cargo test` holds.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bindings");
    let out = Command::new(&script)
        .arg("--debug")
        .arg("--library")
        .arg(&library)
        .arg(&bindings)
        .output()
        .expect("scripts/bindings runs");
    assert!(
        out.status.success(),
        "scripts/bindings failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The Python module loads the library from its own directory, where the script put it.
    assert!(bindings.join(library.file_name().expect("a name")).exists());
    assert!(bindings.join("praxis_mobile.py").exists());
    let kotlin = std::fs::read_to_string(bindings.join("uniffi/praxis_mobile/praxis_mobile.kt"))
        .expect("the Kotlin bindings");
    assert!(kotlin.contains("class WrongKey(message: String) : PraxisException(message)"));
    assert!(kotlin.contains("class NotEncrypted(message: String) : PraxisException(message)"));
    assert!(kotlin.contains("fun `encryptPlain`("));
    assert!(kotlin.contains("interface SyncObserver"));
    // What the terminal client records through, every app can too.
    for method in [
        "setCharter",
        "setSchedule",
        "correct",
        "resolveConflict",
        "importEvents",
    ] {
        assert!(kotlin.contains(&format!("fun `{method}`(")), "{method}");
    }
    let swift = std::fs::read_to_string(bindings.join("praxis_mobile.swift")).expect("Swift");
    assert!(swift.contains("enum PraxisError: Swift.Error"));
    assert!(swift.contains("func recordObservation("));
    assert!(swift.contains("func adoptProgressScale("));

    let url = start_server(&work.path().join("server"));
    let stores = work.path().join("stores");
    std::fs::create_dir_all(&stores).expect("a directory for the stores");
    let plain = plain_store(&stores);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/test_bindings.py");
    let out = Command::new(python)
        .arg(&script)
        .env("PRAXIS_BINDINGS", &bindings)
        .env("PRAXIS_SERVER", &url)
        .env("PRAXIS_WORK", &stores)
        .env("PRAXIS_PLAIN_STORE", &plain)
        .output()
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the Python tests failed:\n{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // unittest reports on stderr; every test ran.
    assert!(stderr.contains("Ran 9 tests"), "{stderr}");
    assert!(stderr.trim_end().ends_with("OK"), "{stderr}");
}

#[test]
fn the_bindings_command_says_what_to_do_when_the_library_is_missing() {
    let work = tempfile::tempdir().expect("a temporary directory");
    let missing = work.path().join("libpraxis_mobile.so");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bindings");
    let out = Command::new(&script)
        .arg("--debug")
        .arg("--library")
        .arg(&missing)
        .arg(work.path().join("bindings"))
        .output()
        .expect("scripts/bindings runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("there is no library at {}", missing.display())),
        "{stderr}"
    );
    assert!(stderr.contains("cargo build -p praxis-mobile"), "{stderr}");
    assert!(
        !work.path().join("bindings").exists(),
        "nothing was written"
    );
}
