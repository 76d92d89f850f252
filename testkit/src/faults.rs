//! A proxy on 127.0.0.1 that puts the network's faults between sync clients and the
//! server. It reads each HTTP/1.1 request and answer whole (by Content-Length) and,
//! for a share of the requests, drops the request or the answer, delays it, sends it
//! to the server twice, cuts it short, holds it back until a later request has
//! reached the server, or resets the connection. Which requests meet
//! which fault follows from a seed and from each client's own count of requests (by
//! its `Authorization`), so a device meets the same faults on a run with the same
//! seed. The server behind the proxy can change (a restart on a new port) while the
//! proxy keeps its address.

use crate::rng::Rng;
use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// No delay is longer than this.
pub const LONGEST_DELAY: Duration = Duration::from_millis(300);
/// A request held back reaches the server once a later one has, or after this long.
const LONGEST_HOLD: Duration = Duration::from_secs(1);
/// A request or answer head longer than this is not HTTP from Praxis.
const LONGEST_HEAD: usize = 64 * 1024;

/// What can happen to a request on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// It never reaches the server; the client's connection closes.
    DropRequest,
    /// The server answers, and the answer is lost with the connection.
    DropAnswer,
    /// It waits up to `LONGEST_DELAY` on its way there or back.
    Delay,
    /// The server gets it twice (the first answer is thrown away).
    Duplicate,
    /// Only its first bytes reach the server, then the connection closes.
    TruncateRequest,
    /// Only the answer's first bytes reach the client, then the connection closes.
    TruncateAnswer,
    /// It is held back while the client, its connection closed, goes on, and reaches
    /// the server after a later request has.
    Reorder,
    /// The connection is reset (RST), before the request reaches the server or after.
    Reset,
}

impl Fault {
    pub const ALL: [Fault; 8] = [
        Fault::DropRequest,
        Fault::DropAnswer,
        Fault::Delay,
        Fault::Duplicate,
        Fault::TruncateRequest,
        Fault::TruncateAnswer,
        Fault::Reorder,
        Fault::Reset,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::DropRequest => "dropped request",
            Fault::DropAnswer => "dropped answer",
            Fault::Delay => "delay",
            Fault::Duplicate => "duplicated request",
            Fault::TruncateRequest => "truncated request",
            Fault::TruncateAnswer => "truncated answer",
            Fault::Reorder => "reordered request",
            Fault::Reset => "reset connection",
        }
    }
}

/// Which faults, how often: `permille` requests in a thousand meet one, all kinds
/// alike, chosen from `seed`.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    pub seed: u64,
    pub permille: u64,
}

pub struct FaultProxy {
    url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

struct Shared {
    /// `127.0.0.1:port` of the server.
    upstream: Mutex<String>,
    faults: Mutex<Option<Faults>>,
    /// Requests seen so far from each client, by its `Authorization`.
    seen: Mutex<HashMap<Vec<u8>, u64>>,
    met: [AtomicU64; Fault::ALL.len()],
    /// Counts the requests that reached the server, for a held one to wait on.
    passed: watch::Sender<u64>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl FaultProxy {
    /// A proxy to the server at `upstream` (`http://127.0.0.1:port`), without faults
    /// until `set_faults`.
    pub fn start(upstream: &str) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the fault proxy");
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("the fault proxy listens on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let shared = Arc::new(Shared {
            upstream: Mutex::new(address(upstream)),
            faults: Mutex::new(None),
            seen: Mutex::new(HashMap::new()),
            met: Default::default(),
            passed: watch::channel(0).0,
        });
        let accepting = shared.clone();
        runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).expect("a tokio listener");
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, accepting.clone()));
            }
        });
        FaultProxy {
            url,
            shared,
            runtime: Some(runtime),
        }
    }

    /// The address clients are to use.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends new connections to the server at `upstream`; open ones to the old server
    /// close as it goes.
    pub fn point_at(&self, upstream: &str) {
        *lock(&self.shared.upstream) = address(upstream);
    }

    /// Faults from now on, or none.
    pub fn set_faults(&self, faults: Option<Faults>) {
        *lock(&self.shared.faults) = faults;
    }

    /// How many requests met each fault so far.
    pub fn met(&self) -> Vec<(Fault, u64)> {
        Fault::ALL
            .iter()
            .zip(&self.shared.met)
            .map(|(fault, n)| (*fault, n.load(Ordering::Relaxed)))
            .collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn address(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

impl Shared {
    /// The fault this request meets, if any, counted.
    fn choose(&self, request: &Message) -> Option<(Fault, Rng)> {
        let faults = (*lock(&self.faults))?;
        let client = request
            .header(b"authorization")
            .unwrap_or_default()
            .to_vec();
        let n = {
            let mut seen = lock(&self.seen);
            let n = seen.entry(client.clone()).or_default();
            *n += 1;
            *n
        };
        let hash = client.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01B3)
        });
        let mut rng = Rng::new(faults.seed ^ hash ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if !rng.chance(faults.permille) {
            return None;
        }
        let index = rng.below(Fault::ALL.len() as u64) as usize;
        self.met[index].fetch_add(1, Ordering::Relaxed);
        Some((Fault::ALL[index], rng))
    }

    fn upstream(&self) -> String {
        lock(&self.upstream).clone()
    }
}

/// One client connection, request by request, over one connection to the server
/// (made when the first request comes, and made again after a fault closed it).
async fn serve(client: TcpStream, shared: Arc<Shared>) {
    let mut client = Peer::new(client);
    let mut server: Option<Peer> = None;
    loop {
        // A server that closes its side (it stopped, or timed the connection out)
        // closes the client's too, as it would without the proxy.
        let request = match &mut server {
            Some(server) => tokio::select! {
                request = client.message(true) => request,
                _ = server.closed() => return,
            },
            None => client.message(true).await,
        };
        let Ok(Some(request)) = request else { return };
        let Some((fault, mut rng)) = shared.choose(&request) else {
            match forward(&mut server, &shared, &request).await {
                Ok(answer) if client.send(&answer.bytes).await.is_ok() => continue,
                _ => return,
            }
        };
        let cut = |rng: &mut Rng, bytes: &[u8]| rng.between(1, bytes.len() as u64 - 1) as usize;
        // Whether a delay or a reset comes before the request reaches the server, or
        // after it was answered.
        let before = rng.chance(500);
        match fault {
            Fault::DropRequest => return,
            Fault::Reset => {
                if !before {
                    let _ = forward(&mut server, &shared, &request).await;
                }
                let _ = client.stream.set_zero_linger();
                return;
            }
            Fault::TruncateRequest => {
                let Ok(mut partial) = Peer::connect(&shared.upstream()).await else {
                    return;
                };
                let _ = partial
                    .send(&request.bytes[..cut(&mut rng, &request.bytes)])
                    .await;
                return;
            }
            Fault::Reorder => {
                tokio::spawn(deliver_late(request, shared.clone()));
                return;
            }
            Fault::Duplicate => {
                let mut first = None;
                if forward(&mut first, &shared, &request).await.is_err() {
                    return;
                }
            }
            Fault::Delay if before => tokio::time::sleep(delay(&mut rng)).await,
            Fault::Delay | Fault::DropAnswer | Fault::TruncateAnswer => {}
        }
        let Ok(answer) = forward(&mut server, &shared, &request).await else {
            return;
        };
        let sent = match fault {
            Fault::DropAnswer => return,
            Fault::TruncateAnswer => {
                let _ = client
                    .send(&answer.bytes[..cut(&mut rng, &answer.bytes)])
                    .await;
                return;
            }
            Fault::Delay if !before => {
                tokio::time::sleep(delay(&mut rng)).await;
                client.send(&answer.bytes).await
            }
            _ => client.send(&answer.bytes).await,
        };
        if sent.is_err() {
            return;
        }
    }
}

fn delay(rng: &mut Rng) -> Duration {
    Duration::from_millis(rng.between(1, LONGEST_DELAY.as_millis() as u64))
}

/// Sends `request` to the server over `server` (connecting first if need be) and
/// reads its answer. On any failure the connection is dropped.
async fn forward(
    server: &mut Option<Peer>,
    shared: &Shared,
    request: &Message,
) -> io::Result<Message> {
    let peer = match server {
        Some(peer) => peer,
        None => server.insert(Peer::connect(&shared.upstream()).await?),
    };
    let answer = async {
        peer.send(&request.bytes).await?;
        shared.passed.send_modify(|n| *n += 1);
        peer.message(false)
            .await?
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))
    }
    .await;
    if answer.is_err() {
        *server = None;
    }
    answer
}

/// A held request reaches the server after a later one has (or after `LONGEST_HOLD`);
/// nobody waits for its answer.
async fn deliver_late(request: Message, shared: Arc<Shared>) {
    let mut passed = shared.passed.subscribe();
    passed.borrow_and_update();
    let _ = tokio::time::timeout(LONGEST_HOLD, passed.changed()).await;
    let _ = forward(&mut None, &shared, &request).await;
}

/// A request or an answer as it came, whole.
struct Message {
    bytes: Vec<u8>,
    head: usize,
}

impl Message {
    /// The value of the header `name` (lower case), if present.
    fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.bytes[..self.head]
            .split(|b| *b == b'\n')
            .skip(1)
            .find_map(|line| {
                let colon = line.iter().position(|b| *b == b':')?;
                line[..colon]
                    .eq_ignore_ascii_case(name)
                    .then(|| line[colon + 1..].trim_ascii())
            })
    }
}

/// One side of a connection, with what was read and not yet taken.
struct Peer {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Peer {
    fn new(stream: TcpStream) -> Peer {
        Peer {
            stream,
            buffer: Vec::new(),
        }
    }

    async fn connect(address: &str) -> io::Result<Peer> {
        Ok(Peer::new(TcpStream::connect(address).await?))
    }

    async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Reads more into the buffer; an error at the end of the stream.
    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    }

    /// Resolves when the other side closes or sends what nobody asked for.
    async fn closed(&mut self) {
        let _ = self.fill().await;
    }

    /// The next whole request (or answer); `None` when the connection closed between
    /// messages. Praxis's sync client and server frame every body by Content-Length;
    /// a message framed otherwise is refused, which closes the connection.
    async fn message(&mut self, request: bool) -> io::Result<Option<Message>> {
        let head = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if self.buffer.len() > LONGEST_HEAD {
                return Err(io::ErrorKind::InvalidData.into());
            }
            match self.fill().await {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && self.buffer.is_empty() => {
                    return Ok(None);
                }
                other => other?,
            }
        };
        let mut message = Message {
            bytes: self.buffer[..head].to_vec(),
            head,
        };
        // An answer without a body says so by its status: 1xx, 204 or 304.
        let status = message.bytes.get(9..12).unwrap_or_default();
        let bodiless =
            !request && (status.starts_with(b"1") || status == b"204" || status == b"304");
        let length = match message.header(b"content-length") {
            _ if message.header(b"transfer-encoding").is_some() => None,
            Some(v) => std::str::from_utf8(v).ok().and_then(|v| v.parse().ok()),
            None if request || bodiless => Some(0),
            None => None,
        }
        .ok_or(io::ErrorKind::InvalidData)?;
        while self.buffer.len() < head + length {
            self.fill().await?;
        }
        message.bytes = self.buffer.drain(..head + length).collect();
        Ok(Some(message))
    }
}
