//! Praxis server: enrols devices, syncs streams with them under each person's
//! memberships, and serves a JSON read API. See ARCHITECTURE.md.

pub mod access;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod credentials;
pub mod demo;
pub mod edges;
pub mod error;
pub mod field;
pub mod sign_in_limit;
pub mod state;
pub mod storage;
pub mod transport;
pub mod web;

use std::net::SocketAddr;

/// Serves the API on `addr` until the process is stopped.
pub async fn serve(
    storage: Box<dyn storage::Storage>,
    addr: SocketAddr,
    token_days: i64,
    session_hours: i64,
    behind_tls: bool,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // Printed (not only logged) so scripts and tests learn the port of `--addr 127.0.0.1:0`.
    println!(
        "praxis-server listening on http://{}",
        listener.local_addr()?
    );
    let app = app::router(
        state::AppState::new(storage, token_days)
            .with_session_hours(session_hours)
            .with_behind_tls(behind_tls),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
