//! A real OpenID Connect provider for the single sign-on tests: `oidc-provider` (a
//! certified implementation, from npm) run by Node from `tests/oidc-provider/`, on a
//! free port of 127.0.0.1, killed when dropped. Anyone signs in there with any
//! password; the login typed is their email. It can be made to misbehave: to answer
//! with an ID token that Praxis must refuse.

use crate::server::TestServer;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The client Praxis is registered as at the provider.
pub const CLIENT_ID: &str = "praxis";
pub const CLIENT_SECRET: &str = "praxis-test-secret";
/// What Praxis's sign-in button calls the provider in these tests.
pub const PROVIDER_NAME: &str = "Council account";

/// How the provider answers the token request.
#[derive(Clone, Copy, Debug)]
pub enum Misbehaviour {
    /// As a provider should.
    None,
    /// With an ID token it issued to another application.
    WrongAudience,
    /// With an ID token for another sign-in's nonce.
    WrongNonce,
    /// With an ID token that expired an hour ago.
    Expired,
}

impl Misbehaviour {
    fn flag(self) -> &'static str {
        match self {
            Misbehaviour::None => "none",
            Misbehaviour::WrongAudience => "wrong-audience",
            Misbehaviour::WrongNonce => "wrong-nonce",
            Misbehaviour::Expired => "expired",
        }
    }
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc-provider")
}

/// The provider's process; killed when dropped.
pub struct Provider {
    pub issuer: String,
    port: u16,
    redirect: String,
    misbehaviour: Misbehaviour,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port of 127.0.0.1 (free when asked; the caller binds it at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

impl Provider {
    /// Starts the provider with Praxis registered to be sent back to `redirect`, and
    /// waits (at most 30 s) until it takes requests.
    pub fn start(redirect: &str, misbehaviour: Misbehaviour) -> Provider {
        Self::start_on(free_port(), redirect, misbehaviour)
    }

    /// Stops the provider and starts it again at the same issuer: it signs with a new
    /// key from now on, as when a provider rotates its keys.
    pub fn restart(self) -> Provider {
        let (port, redirect, misbehaviour) = (self.port, self.redirect.clone(), self.misbehaviour);
        drop(self);
        Self::start_on(port, &redirect, misbehaviour)
    }

    fn start_on(port: u16, redirect: &str, misbehaviour: Misbehaviour) -> Provider {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "the OpenID Connect provider for the single sign-on tests is not installed: run \
             `npm ci --prefix tests/oidc-provider` (scripts/test does)"
        );
        let mut child = Command::new("node")
            .current_dir(&dir)
            .arg("provider.mjs")
            .args(["--port", &port.to_string(), "--redirect", redirect])
            .args(["--misbehave", misbehaviour.flag()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("node did not start ({e}): the single sign-on tests need Node.js")
            });
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(issuer) = line.strip_prefix("listening on ") {
                    let _ = tx.send(issuer.trim().to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(issuer) => Provider {
                issuer,
                port,
                redirect: redirect.to_string(),
                misbehaviour,
                child,
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the OpenID Connect provider did not say where it listens within 30 s");
            }
        }
    }
}

/// A provider, and a Praxis server on `data_dir` that signs people in through it
/// (beside passwords), matching the `email` claim to usernames.
pub fn server_with_provider(
    data_dir: &Path,
    misbehaviour: Misbehaviour,
    options: &[&str],
) -> (Provider, TestServer) {
    let addr = format!("127.0.0.1:{}", free_port());
    let public = format!("http://{addr}");
    let provider = Provider::start(&format!("{public}/sign-in/sso/callback"), misbehaviour);
    let mut all = vec![
        "--oidc-issuer",
        provider.issuer.as_str(),
        "--oidc-client-id",
        CLIENT_ID,
        "--oidc-client-secret",
        CLIENT_SECRET,
        "--oidc-provider-name",
        PROVIDER_NAME,
        "--public-url",
        public.as_str(),
    ];
    all.extend_from_slice(options);
    let server = TestServer::start_on(data_dir, &addr, &all);
    (provider, server)
}
