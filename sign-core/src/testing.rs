//! Test support shared by the SDK crates' test suites (cargo feature `testing`; never needed in
//! production): a real `redis-server` started on a free loopback port, a deterministic
//! mutator for hostile-input tests, and what every SDK's simulator is built on: the gateway's
//! mock server ([`SimServer`]), the merchant's callback URL and the delivery of a signed
//! callback there ([`Callbacks`]), and the lock the simulators keep their state behind.
//!
//! ```
//! // Needs Debian's `redis-server` on PATH (`.ci/run` installs it).
//! let mut redis = sign_core::testing::RedisServer::start().expect("redis-server is required");
//! assert!(redis.url().starts_with("redis://127.0.0.1:"));
//! redis.stop();
//! ```

use std::io::{self, BufRead as _, BufReader, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A `redis-server` process of the test's own, on a free 127.0.0.1 port, with no persistence.
/// It is killed when dropped, so no process outlives the test.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port and waits (up to 10 s) until it answers
    /// `PING`. Fails when the binary is missing: tests must not skip silently.
    pub fn start() -> io::Result<RedisServer> {
        let dir = std::env::temp_dir().join(format!(
            "sign-core-redis-{}-{}",
            std::process::id(),
            crate::new_nonce()
        ));
        std::fs::create_dir_all(&dir)?;
        let mut last = io::Error::other("no attempt made");
        // A port found free can be taken by someone else before redis binds it: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
                .local_addr()?
                .port();
            let mut server = RedisServer {
                port,
                dir: dir.clone(),
                child: None,
            };
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn(&mut self) -> io::Result<()> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot run redis-server (apt-get install redis-server): {e}"),
                )
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(reply) = self.command(&["PING"]) {
                if reply == "+PONG" {
                    return Ok(());
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    return Err(io::Error::other(format!("redis-server exited: {status}")));
                }
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "redis-server did not answer PING within 10 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port it listens on (the same after [`RedisServer::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server and waits for it (its data is gone: it keeps none on disk).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.spawn()
    }

    /// `PTTL key` in milliseconds, as Redis answers it (-2: no such key, -1: no expiry).
    pub fn pttl(&self, key: &str) -> io::Result<i64> {
        let reply = self.command(&["PTTL", key])?;
        reply
            .strip_prefix(':')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| io::Error::other(format!("unexpected PTTL reply {reply:?}")))
    }

    /// Sends one command and returns the first line of the reply (simple replies only).
    pub fn command(&self, args: &[&str]) -> io::Result<String> {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(req.as_bytes())?;
        let mut line = String::new();
        BufReader::new(&mut stream).read_line(&mut line)?;
        Ok(line.trim_end().to_owned())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How many mutated inputs a hostile-input test runs per target: `FUZZ_ITERATIONS` from the
/// environment, else 20 000 (the short run in CI; the ignored long tests pass 1 000 000).
///
/// ```
/// assert!(sign_core::testing::fuzz_iterations() > 0);
/// ```
pub fn fuzz_iterations() -> usize {
    std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20_000)
}

/// Tokens spliced into inputs: the syntax the gateways' parsers care about.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"0.1",
    b"99999999999999999999999",
    b"&",
    b"=",
    b"%",
    b"%zz",
    b"%00",
    b"+",
    b"\r\n",
    b"\n",
    b"\0",
    b"\xff",
    b"\xe4\xb8\xad",
    b"sha256=",
    b"CheckMacValue",
    b"RtnCode",
    b"status",
    b"amount",
    b"timestamp",
    b"page",
    b"totalPages",
    b"data",
    b"ok",
];

/// A deterministic byte-level mutator (xorshift64*): the same seed gives the same sequence of
/// inputs, so a failure is reproduced from its seed alone. Mutations: bit flips, byte
/// replacement, insertion and deletion, truncation, chunk duplication and token splices.
///
/// ```
/// use sign_core::testing::Mutator;
/// let (mut a, mut b) = (Mutator::new(7), Mutator::new(7));
/// let seed = br#"{"amount":"100.10"}"#;
/// let x = a.mutate(seed);
/// assert_eq!(x, b.mutate(seed));
/// ```
#[derive(Debug, Clone)]
pub struct Mutator {
    state: u64,
}

impl Mutator {
    /// A mutator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Mutator {
            state: seed ^ 0x9E37_79B9_7F4A_7C15 | 1,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// One mutated copy of `input` (one to four mutations stacked).
    pub fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            self.mutate_once(&mut out);
        }
        out
    }

    fn mutate_once(&mut self, out: &mut Vec<u8>) {
        let len = out.len();
        match self.below(8) {
            0 if len > 0 => {
                let i = self.below(len);
                out[i] ^= 1 << self.below(8);
            }
            1 if len > 0 => {
                let i = self.below(len);
                out[i] = self.next() as u8;
            }
            2 => {
                let i = self.below(len + 1);
                out.insert(i, self.next() as u8);
            }
            3 if len > 0 => {
                let i = self.below(len);
                let n = 1 + self.below((len - i).min(16));
                out.drain(i..i + n);
            }
            4 => out.truncate(self.below(len + 1)),
            5 if len > 0 => {
                let i = self.below(len);
                let n = 1 + self.below((len - i).min(64));
                let chunk = out[i..i + n].to_vec();
                let at = self.below(out.len() + 1);
                out.splice(at..at, chunk);
            }
            _ => {
                let token = TOKENS[self.below(TOKENS.len())];
                let at = self.below(len + 1);
                if self.next() & 1 == 0 && at < len {
                    let end = (at + token.len()).min(len);
                    out.splice(at..end, token.iter().copied());
                } else {
                    out.splice(at..at, token.iter().copied());
                }
            }
        }
    }
}

/// The HTTP client a simulator delivers its signed callbacks with, the same in every SDK: it
/// does not follow redirects (a gateway posts to the URL the merchant registered; a redirect
/// is the merchant's answer and is returned as it is) and gives up after 10 s.
///
/// ```
/// let http = sign_core::testing::callback_client();
/// let request = http.post("http://127.0.0.1:9/hook").body("RtnCode=1").build();
/// assert!(request.is_ok());
/// ```
#[cfg(feature = "http")]
pub fn callback_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

/// The longest merchant reply a simulator reads: a gateway reads a short acknowledgement, and a
/// handler that answers more is not waited on past this.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// The merchant's reply to a callback a simulator delivered: what the gateway sees.
///
/// ```
/// let reply = sign_core::testing::CallbackReply { status: 200, body: "OK".into() };
/// assert_eq!((reply.status, reply.body.as_str()), (200, "OK"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackReply {
    /// The HTTP status the merchant's endpoint answered.
    pub status: u16,
    /// The body it answered (at most [`MAX_REPLY_BYTES`], invalid UTF-8 replaced).
    pub body: String,
}

/// The merchant's side of a simulator, the same for every gateway: the callback URL the
/// merchant registered with it, and the delivery of a signed callback there (through
/// [`callback_client`]) with the merchant's reply. A cheap handle: clones share one URL, so
/// the simulator's routes (a payment completed over HTTP) and its own methods deliver to
/// the same place. Each SDK signs the body and headers its gateway's way before
/// [`Callbacks::post`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sign_core::testing::{Callbacks, SimServer};
/// use wiremock::{matchers::header, Mock, ResponseTemplate};
///
/// // A merchant's endpoint that acknowledges a form post.
/// let shop = SimServer::start().await;
/// let ack = ResponseTemplate::new(200).set_body_string("1|OK");
/// let form = header("content-type", "application/x-www-form-urlencoded");
/// Mock::given(form).respond_with(ack).mount(shop.mock_server()).await;
///
/// let callbacks = Callbacks::new();
/// assert_eq!(callbacks.url(), None, "nothing registered yet");
/// callbacks.set_url(format!("{}/return", shop.base_url()));
/// let url = callbacks.url().ok_or("no callback URL")?;
/// let ct = "application/x-www-form-urlencoded";
/// let reply = callbacks.post(&url, ct, Default::default(), "RtnCode=1").await?;
/// assert_eq!((reply.status, reply.body.as_str()), (200, "1|OK"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Callbacks(std::sync::Arc<CallbacksInner>);

struct CallbacksInner {
    http: reqwest::Client,
    url: StateMutex<Option<String>>,
}

impl Default for Callbacks {
    fn default() -> Self {
        Callbacks::new()
    }
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Callbacks {
    /// No callback URL yet; deliveries through [`callback_client`].
    ///
    /// ```
    /// assert_eq!(sign_core::testing::Callbacks::new().url(), None);
    /// ```
    pub fn new() -> Self {
        Callbacks(std::sync::Arc::new(CallbacksInner {
            http: callback_client(),
            url: StateMutex::new(None),
        }))
    }

    /// Registers the merchant's callback URL (it replaces the one before).
    ///
    /// ```
    /// let callbacks = sign_core::testing::Callbacks::new();
    /// callbacks.clone().set_url("http://127.0.0.1:9/hook");
    /// assert_eq!(callbacks.url().as_deref(), Some("http://127.0.0.1:9/hook"), "clones share it");
    /// ```
    pub fn set_url(&self, url: impl Into<String>) {
        *self.0.url.lock() = Some(url.into());
    }

    /// The merchant's callback URL, if one was registered.
    ///
    /// ```
    /// let callbacks = sign_core::testing::Callbacks::new();
    /// callbacks.set_url("http://127.0.0.1:9/hook");
    /// assert!(callbacks.url().is_some());
    /// ```
    pub fn url(&self) -> Option<String> {
        self.0.url.lock().clone()
    }

    /// The HTTP client deliveries go through ([`callback_client`]), for a simulator that also
    /// acts as the payer's browser.
    ///
    /// ```
    /// let callbacks = sign_core::testing::Callbacks::new();
    /// assert!(callbacks.http().get("http://127.0.0.1:9/").build().is_ok());
    /// ```
    pub fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    /// POSTs one signed callback to `url` as the gateway does (`content_type`, then the
    /// gateway's signature `headers`) and returns the merchant's reply: its status and up to
    /// [`MAX_REPLY_BYTES`] of its body. An error when the merchant could not be reached or
    /// its reply could not be read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let callbacks = sign_core::testing::Callbacks::new();
    /// // Nobody listens on port 9: the delivery fails rather than inventing a reply.
    /// let sent = callbacks.post("http://127.0.0.1:9/hook", "application/json", Default::default(), "{}");
    /// assert!(sent.await.is_err());
    /// # }
    /// ```
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        headers: reqwest::header::HeaderMap,
        body: impl Into<reqwest::Body>,
    ) -> Result<CallbackReply, reqwest::Error> {
        let mut answer = self
            .0
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .headers(headers)
            .body(body)
            .send()
            .await?;
        let status = answer.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() >= MAX_REPLY_BYTES {
                body.truncate(MAX_REPLY_BYTES);
                break;
            }
        }
        Ok(CallbackReply {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

/// The gateway's side of a simulator, the same for every SDK: a wiremock server on a free
/// loopback port (the SDK's routes are mounted on [`SimServer::mock_server`]) and the
/// merchant's [`Callbacks`]. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use wiremock::{matchers::path, Mock, ResponseTemplate};
///
/// let sim = sign_core::testing::SimServer::start().await;
/// assert!(sim.base_url().starts_with("http://127.0.0.1:"));
/// let health = Mock::given(path("/health")).respond_with(ResponseTemplate::new(204));
/// health.mount(sim.mock_server()).await;
/// let url = format!("{}/health", sim.base_url());
/// let got = sim.callbacks().http().get(url).send().await.map(|r| r.status().as_u16());
/// assert_eq!(got.ok(), Some(204));
/// assert_eq!(sim.received_requests().await.len(), 1);
/// # }
/// ```
pub struct SimServer {
    server: wiremock::MockServer,
    callbacks: Callbacks,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("base_url", &self.base_url())
            .field("callbacks", &self.callbacks)
            .finish()
    }
}

impl SimServer {
    /// Starts the server on 127.0.0.1, with no routes and no callback URL.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = sign_core::testing::SimServer::start().await;
    /// assert_eq!(sim.callbacks().url(), None);
    /// # }
    /// ```
    pub async fn start() -> SimServer {
        SimServer {
            server: wiremock::MockServer::start().await,
            callbacks: Callbacks::new(),
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = sign_core::testing::SimServer::start().await;
    /// assert!(!sim.base_url().ends_with('/'));
    /// # }
    /// ```
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The wiremock server, to mount the gateway's routes on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = sign_core::testing::SimServer::start().await;
    /// assert_eq!(sim.mock_server().uri(), sim.base_url());
    /// # }
    /// ```
    pub fn mock_server(&self) -> &wiremock::MockServer {
        &self.server
    }

    /// The merchant's callback URL and the deliveries to it; clone it into the routes that
    /// deliver callbacks.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = sign_core::testing::SimServer::start().await;
    /// let for_routes = sim.callbacks().clone();
    /// sim.callbacks().set_url("http://127.0.0.1:9/hook");
    /// assert!(for_routes.url().is_some());
    /// # }
    /// ```
    pub fn callbacks(&self) -> &Callbacks {
        &self.callbacks
    }

    /// Every request the server received, oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = sign_core::testing::SimServer::start().await;
    /// assert!(sim.received_requests().await.is_empty());
    /// # }
    /// ```
    pub async fn received_requests(&self) -> Vec<wiremock::Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

/// The mutex a simulator keeps its state behind: [`StateMutex::lock`] gives the guard directly,
/// also after a panic poisoned the lock, so every SDK's simulator shares one locking rule
/// instead of its own `lock().unwrap_or_else(..)` helper.
///
/// A simulator is test support: a panic while its lock is held happens in a test that has
/// already failed, and the other tasks serving that test (the mock server's responders, the
/// callback deliveries) keep answering from the state as it was, so the failure is reported
/// by the test that caused it rather than as a cascade of `PoisonError`s. Its `Debug` never
/// prints the state, which may hold merchants' secrets.
///
/// ```
/// use sign_core::testing::StateMutex;
///
/// let deliveries = std::sync::Arc::new(StateMutex::new(Vec::<String>::new()));
/// let d = deliveries.clone();
/// let _ = std::thread::spawn(move || {
///     let mut held = d.lock();
///     held.push("first".into());
///     panic!("a test thread fails while holding the lock: {}", held.len());
/// })
/// .join();
/// assert_eq!(*deliveries.lock(), ["first"]); // poisoned, and still readable
/// assert_eq!(format!("{deliveries:?}"), "StateMutex { .. }");
/// ```
#[derive(Default)]
pub struct StateMutex<T>(Mutex<T>);

impl<T> StateMutex<T> {
    /// A lock around `value`.
    ///
    /// ```
    /// let state = sign_core::testing::StateMutex::new(0_u64);
    /// *state.lock() += 1;
    /// assert_eq!(*state.lock(), 1);
    /// ```
    pub const fn new(value: T) -> Self {
        StateMutex(Mutex::new(value))
    }

    /// Locks, blocking the thread until the lock is free; a poisoned lock is taken over as it
    /// is (see the type's docs for why that is right for a simulator).
    ///
    /// ```
    /// let state = sign_core::testing::StateMutex::new(String::from("a"));
    /// state.lock().push('b');
    /// assert_eq!(state.lock().as_str(), "ab");
    /// ```
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> std::fmt::Debug for StateMutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateMutex").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_vary_and_stay_bounded() {
        let seed = br#"{"ok":1,"data":{"amount":"12.50"}}"#;
        let mut m = Mutator::new(1);
        let outs: Vec<Vec<u8>> = (0..1000).map(|_| m.mutate(seed)).collect();
        let distinct: std::collections::HashSet<&Vec<u8>> = outs.iter().collect();
        assert!(
            distinct.len() > 900,
            "only {} distinct of 1000",
            distinct.len()
        );
        // Four stacked mutations add at most 4 × 64 bytes.
        assert!(outs.iter().all(|o| o.len() <= seed.len() + 4 * 64));
        assert!(outs.iter().any(|o| o.as_slice() != seed));
    }

    /// The lock survives a poisoning panic and hands out the state as the panicking thread
    /// left it (the expected value is what that thread wrote before panicking).
    #[test]
    fn state_mutex_recovers_a_poisoned_lock() {
        let state = std::sync::Arc::new(StateMutex::new(vec![1]));
        let s = state.clone();
        let joined = std::thread::spawn(move || {
            let mut held = s.lock();
            held.push(2);
            panic!("poison the lock while holding it ({} items)", held.len());
        })
        .join();
        assert!(
            joined.is_err(),
            "the thread panicked while holding the lock"
        );
        assert!(state.0.is_poisoned(), "std's mutex is poisoned");
        assert_eq!(*state.lock(), [1, 2]);
        state.lock().push(3);
        assert_eq!(*state.lock(), [1, 2, 3]);
    }

    /// Wattt's simulator followed redirects when it delivered a callback, the other three did
    /// not; the one client does not. The expected 302 is what this test's merchant answers.
    #[cfg(feature = "http")]
    #[test]
    fn callback_client_returns_a_redirect_as_the_answer() {
        use std::io::Read as _;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let merchant = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0_u8; 4096];
            let _ = conn.read(&mut buf).unwrap();
            let answer = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\n\
                          Content-Length: 0\r\nConnection: close\r\n\r\n";
            conn.write_all(answer.as_bytes()).unwrap();
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let status = runtime.block_on(async {
            let url = format!("http://{addr}/hook");
            let r = callback_client().post(url).body("x").send().await.unwrap();
            r.status().as_u16()
        });
        merchant.join().unwrap();
        assert_eq!(
            status, 302,
            "the redirect is the merchant's answer, not followed"
        );
    }
}
