//! Arbitrary bodies sent to the routes that take one, through the server's real
//! router (`praxis_server::app::router`): enrolment, the sign-in and sign-out forms,
//! the monthly report, score and decision forms, the field app's enrolment and its
//! records, each with the cookie or token its sender has. Whatever the body, the
//! server answers; it never fails itself (a 5xx other than 503 busy). Sign-ins come
//! from an address held back after many failures, so no password is hashed.

#![no_main]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode, header};
use libfuzzer_sys::fuzz_target;
use praxis_fuzz::fixture::{self, ADDRESS, FIELD_TOKEN, Fixture, SESSION_TOKEN, SIGN_IN_TOKEN};
use praxis_fuzz::request::{self, Sender};
use praxis_server::state::AppState;
use praxis_server::web::session::{SESSION_COOKIE, SIGN_IN_COOKIE};
use std::net::SocketAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tower::ServiceExt;

/// How long a copy of the data directory serves before the next is opened, well
/// inside the sign-in backoff's longest wait that its failures count from.
const SERVE_FOR: Duration = Duration::from_secs(5 * 60);

/// The router on a copy of the data directory; the directory goes after the router.
struct Served {
    router: Router,
    opened_at: Instant,
    _dir: TempDir,
}

impl Served {
    fn new(fixture: &Fixture) -> Served {
        let opened = fixture.open();
        fixture::hold_back_sign_ins(&opened.storage);
        let state = AppState::new(Box::new(opened.storage), 30);
        Served {
            router: praxis_server::app::router(state),
            opened_at: Instant::now(),
            _dir: opened.dir,
        }
    }
}

struct Target {
    served: Served,
    fixture: Fixture,
    runtime: tokio::runtime::Runtime,
}

static TARGET: LazyLock<Mutex<Target>> = LazyLock::new(|| {
    let fixture = Fixture::set_up();
    Mutex::new(Target {
        served: Served::new(&fixture),
        fixture,
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime"),
    })
});

fuzz_target!(init: praxis_fuzz::panics::go_on_after_caught_panics(), |data: &[u8]| {
    let mut target = TARGET.lock().unwrap_or_else(|p| p.into_inner());
    let target = &mut *target;
    let input = request::parse(data);
    let fixture = &target.fixture;
    let path = input
        .route
        .path
        .replace("{project}", &fixture.project.to_string())
        .replace("{report}", &fixture.report.to_string());
    let mut builder = axum::http::Request::builder()
        .method(Method::POST)
        .uri(&path)
        .extension(ConnectInfo(SocketAddr::new(ADDRESS, 40_000)));
    if let Some(content_type) = input.content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder = match input.route.sender {
        Sender::Device => builder,
        Sender::SigningIn => {
            builder.header(header::COOKIE, format!("{SIGN_IN_COOKIE}={SIGN_IN_TOKEN}"))
        }
        Sender::Browser => {
            builder.header(header::COOKIE, format!("{SESSION_COOKIE}={SESSION_TOKEN}"))
        }
        Sender::FieldApp => builder.header(header::AUTHORIZATION, format!("Bearer {FIELD_TOKEN}")),
    };
    let body = fixture.placeholders.apply(input.body);
    let request = builder.body(Body::from(body)).expect("a request");

    let router = target.served.router.clone();
    let (status, answer) = target.runtime.block_on(async move {
        let response = router.oneshot(request).await.expect("the router answers");
        let status = response.status();
        let answer = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the answer's body");
        (status, answer)
    });
    assert!(
        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
        "POST {path} answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );

    // What was taken changed the server: the next input meets it as it was set up.
    if status.as_u16() < 400 || target.served.opened_at.elapsed() > SERVE_FOR {
        target.served = Served::new(&target.fixture);
    }
});
