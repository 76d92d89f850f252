//! Listening: accepting connections and serving each with hyper, within limits an
//! outsider cannot stretch. A connection has `header_read` to send its request's
//! headers (a client that sends them a byte at a time is cut off), and at most
//! `connections` are open at once: beyond that, new ones wait in the listen queue
//! until one closes. Ctrl-C stops accepting and lets open requests finish (for a
//! bounded time).

use crate::app;
use crate::state::AppState;
use crate::storage::Storage;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long open requests may take to finish once the server is told to stop.
const STOPPING: Duration = Duration::from_secs(10);

/// How the server is run.
pub struct Options {
    pub addr: SocketAddr,
    /// How many days a phone's token stays valid.
    pub token_days: i64,
    /// How many hours a browser session (and the field app's token) lasts.
    pub session_hours: i64,
    /// The server is reached over TLS, through a proxy that ends it.
    pub behind_tls: bool,
    /// Proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections open at once, at most.
    pub connections: usize,
    /// How long a connection has to send its request's headers.
    pub header_read: Duration,
    /// The collaboratives' time zone, which the pages speak.
    pub local_time: crate::local_time::LocalTime,
    /// The address people reach the server at, when given.
    pub public_url: Option<String>,
    /// Single sign-on through an OpenID Connect provider, beside passwords.
    pub sso: Option<crate::sso::SsoSettings>,
}

/// Serves the API and pages on `options.addr` until the process is stopped.
pub async fn serve(storage: Box<dyn Storage>, options: Options) -> anyhow::Result<()> {
    // A provider set up wrongly stops the server here, saying what to fix.
    let sso = match options.sso {
        Some(settings) => Some(
            crate::sso::Sso::connect(settings)
                .await
                .map_err(|e| anyhow::anyhow!("single sign-on: {e}"))?,
        ),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(options.addr).await?;
    // Printed (not only logged) so scripts and tests learn the port of `--addr 127.0.0.1:0`.
    println!(
        "praxis-server listening on http://{}",
        listener.local_addr()?
    );
    let mut state = AppState::new(storage, options.token_days)
        .with_session_hours(options.session_hours)
        .with_behind_tls(options.behind_tls)
        .with_trusted_proxies(options.trusted_proxies)
        .with_local_time(options.local_time)
        .with_public_url(options.public_url);
    if let Some(sso) = sso {
        state = state.with_sso(sso);
    }
    tokio::spawn(retain_daily(state.clone()));
    let app = app::router(state);
    let open = Arc::new(Semaphore::new(options.connections.max(1)));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read);
    let graceful = GracefulShutdown::new();
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            _ = &mut stop => break,
            permit = open.clone().acquire_owned() => permit?,
        };
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A connection that failed before it was accepted: take the next.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    continue;
                }
            },
        };
        // Each request learns the address it came from (for the sign-in limits).
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut request: axum::http::Request<_>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .service(app.clone());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(STOPPING) => {}
    }
    Ok(())
}

/// Erases, at start and then once a day, the sealed content whose retention period has
/// ended and that no legal hold covers (`praxis-server retention run`).
async fn retain_daily(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let today = praxis_core::dates::today();
        match state.with(move |s| Ok(s.run_retention(today)?)).await {
            Ok(erasures) => {
                for erasure in erasures {
                    tracing::info!(
                        keys = erasure.keys,
                        streams = erasure.streams.len(),
                        "retention: content past its period erased"
                    );
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "the retention run failed: it runs again tomorrow")
            }
        }
    }
}
