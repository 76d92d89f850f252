//! A TCP proxy on 127.0.0.1 between a browser and the server, for network faults a
//! person meets in the field: no signal at all (`Offline`: every connection is
//! closed at once), or a signal lost while the server answers (`DropAnswers`: what
//! the browser sends reaches the server, and the connection drops as soon as the
//! answer starts back). Changing the mode closes every open connection, so a kept-
//! alive connection cannot outlive it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Online,
    Offline,
    DropAnswers,
}

impl Mode {
    fn from_u8(n: u8) -> Mode {
        match n {
            0 => Mode::Online,
            1 => Mode::Offline,
            _ => Mode::DropAnswers,
        }
    }
}

pub struct Proxy {
    url: String,
    mode: Arc<AtomicU8>,
    changed: watch::Sender<u64>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Proxy {
    /// A proxy to `upstream` (`http://127.0.0.1:port`), online.
    pub async fn start(upstream: &str) -> Proxy {
        let target = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy listens on 127.0.0.1");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the proxy's address")
        );
        let mode = Arc::new(AtomicU8::new(0));
        let (changed, _) = watch::channel(0u64);
        let accept = {
            let (mode, changed) = (mode.clone(), changed.clone());
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let now = Mode::from_u8(mode.load(Ordering::SeqCst));
                    if now == Mode::Offline {
                        drop(client);
                        continue;
                    }
                    let mut change = changed.subscribe();
                    let target = target.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = relay(client, &target, now) => {}
                            _ = change.changed() => {}
                        }
                    });
                }
            })
        };
        Proxy {
            url,
            mode,
            changed,
            accept,
        }
    }

    /// The address the browser is to open.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
        self.changed.send_modify(|n| *n += 1);
    }
}

async fn relay(client: TcpStream, target: &str, mode: Mode) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    };
    let down = async {
        if mode == Mode::DropAnswers {
            // The answer's first bytes arrive: the connection is lost with them.
            let mut first = [0u8; 1];
            let _ = server_read.read(&mut first).await;
            return;
        }
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    // Either direction ending ends the connection (a dropped answer drops it all).
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}
