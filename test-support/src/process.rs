//! Harness for tests that run the real `stable-futures` binary as separate OS processes, in
//! production mode, against a real PostgreSQL database of their own ([`TestDatabase`]).
//!
//! The in-process `TestApp` of `tests/` cannot show what only a process shows: that two processes
//! on one database agree (nothing essential in memory), how the process answers signals, and
//! what it writes to its standard streams. The binary is the caller's to name: only the api
//! crate's own tests know where Cargo built it (`env!("CARGO_BIN_EXE_stable-futures")`).

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{AsyncConnection, AsyncPgConnection};

pub use crate::tenants::{AUDIENCE, CAMDEN, ISLINGTON};

/// The production issuer the processes trust (with the test-only RSA key).
pub const ISSUER: &str = "https://idp.process-tests.invalid/";

/// Generous: a debug binary on a loaded 2-core machine, while other test processes build their
/// databases, can take several seconds to connect and bind.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the output readers may lag behind the process's exit.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
/// A request that takes longer than this is a hung server, not a slow one.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// `tests/fixtures` of the workspace: the test-only keys.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A fresh database (migrated, no data) that serves Islington and Camden.
pub async fn database() -> TestDatabase {
    TestDatabase::serving_two_authorities().await
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// The `kid` of the RSA key in `test-only-jwks-rsa.json`, read from the file so the harness cannot
/// drift from the JWKS the server is given.
pub fn rsa_kid() -> String {
    let path = fixtures_dir().join("test-only-jwks-rsa.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let jwks: Value = serde_json::from_str(&text).expect("JWKS is JSON");
    jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|key| key["kty"] == "RSA"))
        .and_then(|key| key["kid"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no RSA key with a kid in {}", path.display()))
}

/// An RS256 token from [`ISSUER`] for local authority `la` with exactly `scopes`, valid ten minutes.
pub fn token(la: &str, scopes: &[&str]) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    token_with_claims(&json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "process-test-worker",
        "iat": now,
        "exp": now + 600,
        "la": la,
        "scope": scopes.join(" "),
    }))
}

/// Every scope the service knows.
pub fn all_scopes() -> Vec<&'static str> {
    Scope::ALL.iter().map(|scope| scope.as_str()).collect()
}

/// A token for `la` with every scope.
pub fn token_all(la: &str) -> String {
    token(la, &all_scopes())
}

/// Any claims, signed RS256 with the test-only RSA key under its `kid`.
pub fn token_with_claims(claims: &Value) -> String {
    let path = fixtures_dir().join("test-only-rsa-private.pem");
    let pem = std::fs::read(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let key = EncodingKey::from_rsa_pem(&pem).expect("test-only RSA private key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(rsa_kid());
    jsonwebtoken::encode(&header, claims, &key).expect("signed token")
}

// ---------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------

/// Status, headers and JSON body of an answer (a body that is not JSON becomes a JSON string).
pub type Reply = (u16, HeaderMap, Value);

/// Two loopback ports nobody listens on right now. Both listeners are held until both ports are
/// known, so the two differ; another process may still take one before the server binds it,
/// which [`ServerBuilder::start`] survives by trying again.
fn free_ports() -> (SocketAddr, SocketAddr) {
    let first = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let second = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    (
        first.local_addr().expect("address"),
        second.local_addr().expect("address"),
    )
}

/// Whether process `pid` holds the listening TCP socket on 127.0.0.1:`port`, from Linux's
/// `/proc` (where there is no `/proc/net/tcp`, assumed so).
fn listens_on(pid: u32, port: u16) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return true;
    };
    // Columns: sl, local_address (hex address:port, address in host byte order), rem_address,
    // st (0A = LISTEN), tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout, inode.
    let local = format!("0100007F:{port:04X}");
    let sockets: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            match columns.as_slice() {
                [_, address, _, "0A", _, _, _, _, _, inode, ..] if *address == local => {
                    Some(format!("socket:[{inode}]"))
                }
                _ => None,
            }
        })
        .collect();
    let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    descriptors.flatten().any(|descriptor| {
        std::fs::read_link(descriptor.path()).is_ok_and(|target| {
            sockets
                .iter()
                .any(|socket| target.as_os_str() == socket.as_str())
        })
    })
}

/// Environment variables passed through from the test process: nothing that configures the
/// server (a developer's `SF_*` or `OTEL_*` must not change what a test sees).
const PASSED_THROUGH: &[&str] = &["PATH", "HOME", "TMPDIR", "LLVM_PROFILE_FILE"];

/// How a server process is started. Production mode, the test-only RSA JWKS, `RUST_LOG=info`.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    binary: PathBuf,
    database_url: String,
    env: Vec<(String, String)>,
}

impl ServerBuilder {
    /// Sets (or overrides) one environment variable of the process, e.g. `OTEL_*`.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// `SF_SHUTDOWN_GRACE_SECONDS`: how long in-flight requests may run on after a signal.
    pub fn shutdown_grace_seconds(self, seconds: u64) -> Self {
        self.env("SF_SHUTDOWN_GRACE_SECONDS", &seconds.to_string())
    }

    /// Starts the process and waits until `/health/ready` answers 200. Panics, with everything the
    /// process wrote, if it exits first or is not ready within [`STARTUP_TIMEOUT`].
    pub async fn start(self) -> ServerProcess {
        let mut attempt = 1;
        loop {
            let (listen, metrics) = free_ports();
            let server = self.spawn(listen, metrics);
            match server.wait_ready().await {
                Ok(()) => return server,
                // Another process took a port between our probe and the server's bind.
                Err(Some(_))
                    if attempt < 3 && server.logs_text().contains("Address already in use") =>
                {
                    attempt += 1;
                }
                Err(Some(status)) => panic!(
                    "stable-futures serve exited with {status} before it was ready; it wrote:\n{}",
                    server.logs_text()
                ),
                Err(None) => panic!(
                    "stable-futures serve was not ready within {STARTUP_TIMEOUT:?}; it wrote:\n{}",
                    server.logs_text()
                ),
            }
        }
    }

    fn spawn(&self, listen: SocketAddr, metrics: SocketAddr) -> ServerProcess {
        let mut command = Command::new(&self.binary);
        command
            .arg("serve")
            .env_clear()
            .envs(
                PASSED_THROUGH
                    .iter()
                    .filter_map(|key| std::env::var_os(key).map(|value| (key.to_string(), value))),
            )
            .env("DATABASE_URL", &self.database_url)
            .env("SF_MODE", "production")
            .env("SF_JWT_AUDIENCE", AUDIENCE)
            .env("SF_LISTEN", listen.to_string())
            .env("SF_METRICS_LISTEN", metrics.to_string())
            // A production server never touches its data directory; if it ever did, not in the
            // source tree.
            .env(
                "SF_DATA_DIR",
                std::env::temp_dir().join("sf-process-test-unused"),
            )
            // Several servers share one private cluster per test binary.
            .env("SF_DB_POOL_SIZE", "4")
            .env("RUST_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The test issuer, unless the test configured its own: a test's issuers file replaces
        // it whole (the server refuses both).
        let set_by_test = |wanted: &str| self.env.iter().any(|(key, _)| key == wanted);
        if !set_by_test("SF_TRUSTED_ISSUERS_FILE") {
            if !set_by_test("SF_JWT_ISSUER") {
                command.env("SF_JWT_ISSUER", ISSUER);
            }
            if !set_by_test("SF_JWKS_FILE") && !set_by_test("SF_JWKS_URL") {
                command.env(
                    "SF_JWKS_FILE",
                    fixtures_dir().join("test-only-jwks-rsa.json"),
                );
            }
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start stable-futures: {error}"));
        let logs = Arc::new(Mutex::new(Vec::new()));
        let open_streams = Arc::new(AtomicUsize::new(2));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        capture(stdout, "stdout", &logs, &open_streams);
        capture(stderr, "stderr", &logs, &open_streams);
        ServerProcess {
            child: Mutex::new(child),
            address: listen,
            metrics_address: metrics,
            logs,
            open_streams,
            client: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("HTTP client"),
        }
    }
}

/// Reads one of the process's streams line by line into `logs` until it closes.
fn capture<R: Read + Send + 'static>(
    stream: R,
    name: &str,
    logs: &Arc<Mutex<Vec<String>>>,
    open_streams: &Arc<AtomicUsize>,
) {
    let logs = Arc::clone(logs);
    let open_streams = Arc::clone(open_streams);
    std::thread::Builder::new()
        .name(format!("server-{name}"))
        .spawn(move || {
            collect_lines(stream, &logs);
            open_streams.fetch_sub(1, Ordering::SeqCst);
        })
        .expect("output reader thread");
}

/// A running `stable-futures serve`. Killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Mutex<Child>,
    /// Where it serves `/graphql` and the health checks.
    pub address: SocketAddr,
    /// Where it serves Prometheus `/metrics` (`SF_METRICS_LISTEN`).
    pub metrics_address: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
    open_streams: Arc<AtomicUsize>,
    client: reqwest::Client,
}

impl ServerProcess {
    /// A production server on `database` (as the server's own role), not yet started.
    /// A server of the binary at `binary`.
    pub fn builder(binary: &str, database: &TestDatabase) -> ServerBuilder {
        ServerBuilder {
            binary: PathBuf::from(binary),
            database_url: database.app_url.clone(),
            env: Vec::new(),
        }
    }

    /// A production server on `database` with the defaults, ready.
    pub async fn start(binary: &str, database: &TestDatabase) -> ServerProcess {
        Self::builder(binary, database).start().await
    }

    /// `Ok` when ready; `Err(Some(status))` if the process exited, `Err(None)` on timeout.
    async fn wait_ready(&self) -> Result<(), Option<ExitStatus>> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let url = self.url("/health/ready");
        while Instant::now() < deadline {
            if let Some(status) = self.try_exit_status() {
                self.drain_output().await;
                return Err(Some(status));
            }
            // Until this process holds the port, whatever answers there is someone else (the
            // port was free when probed, not necessarily when the server came to bind it).
            if listens_on(self.pid(), self.address.port()) {
                let probe = self
                    .client
                    .get(&url)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await;
                if matches!(&probe, Ok(response) if response.status().as_u16() == 200) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(None)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn metrics_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.metrics_address)
    }

    /// The process id, for signals the harness does not wrap.
    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap_or_else(|e| e.into_inner()).id()
    }

    /// `GET` on the main port.
    pub async fn get(&self, path: &str) -> Reply {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {path} failed: {error:?}\n{}", self.logs_text()));
        reply(response).await
    }

    /// `POST /graphql` with a bearer token. Panics if there is no HTTP answer at all.
    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Reply {
        self.graphql_request(token, query, variables)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "POST /graphql got no answer: {error:?}\nserver output:\n{}",
                    self.logs_text()
                )
            })
    }

    /// `POST /graphql` with a bearer token and the extra `headers` (e.g. a consistency token).
    pub async fn graphql_with(
        &self,
        token: &str,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> Reply {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("POST /graphql got no answer: {error:?}"));
        reply(response).await
    }

    /// The same request as a future that borrows nothing, for `tokio::spawn`: a request that is
    /// still in flight when the test signals the process. `Err` when the connection fails or is
    /// closed without an answer.
    pub fn graphql_request(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> impl std::future::Future<Output = Result<Reply, reqwest::Error>> + Send + 'static {
        let request = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }));
        async move { Ok(reply(request.send().await?).await) }
    }

    /// Sends SIGTERM (what an orchestrator sends to stop a container).
    pub fn sigterm(&self) {
        self.signal(Signal::SIGTERM);
    }

    /// Sends SIGINT (Ctrl-C).
    pub fn sigint(&self) {
        self.signal(Signal::SIGINT);
    }

    pub fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.pid()).expect("pid fits i32"));
        kill(pid, signal).unwrap_or_else(|error| panic!("cannot send {signal}: {error}"));
    }

    /// The exit status, if the process has exited.
    pub fn try_exit_status(&self) -> Option<ExitStatus> {
        self.child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_wait()
            .expect("process status")
    }

    /// Waits up to `timeout` for the process to exit. After `Some`, [`Self::logs`] holds
    /// everything it wrote.
    pub async fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exit_status() {
                self.drain_output().await;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Lets the output readers reach the end of both streams.
    async fn drain_output(&self) {
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while self.open_streams.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every line the process wrote so far, stdout and stderr interleaved as they were read.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The same, as one text for failure messages.
    pub fn logs_text(&self) -> String {
        self.logs().join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        // Reaped, so no zombie outlives the test.
        let _ = child.wait();
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

/// A valid `SubmitReferralInput` for `child`: a police referral for criminal exploitation.
pub fn referral_input(child: &str) -> Value {
    json!({
        "childId": child,
        "referredAt": "2025-03-03T09:00:00Z",
        "firstResponder": { "organisationType": "POLICE", "organisationName": "Metropolitan Police Service" },
        "exploitationTypes": ["CRIMINAL"],
        "countyLines": true,
        "exploitationLocation": "UK",
        "competentAuthority": "SCA"
    })
}

/// The value at a JSON pointer, with the whole body in the message when it is missing.
#[track_caller]
pub fn at<'a>(body: &'a Value, pointer: &str) -> &'a Value {
    body.pointer(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer} in {body}"))
}

/// The string at a JSON pointer (an id, typically).
#[track_caller]
pub fn text_at(body: &Value, pointer: &str) -> String {
    match at(body, pointer).as_str() {
        Some(text) => text.to_owned(),
        None => panic!("no string at {pointer} in {body}"),
    }
}

/// Codes of the `userErrors` of mutation `name`.
#[track_caller]
pub fn user_error_codes(body: &Value, name: &str) -> Vec<String> {
    at(body, &format!("/data/{name}/userErrors"))
        .as_array()
        .unwrap_or_else(|| panic!("userErrors of {name} is not a list in {body}"))
        .iter()
        .map(|error| error["code"].as_str().unwrap_or("<none>").to_owned())
        .collect()
}

/// `extensions.code` of every GraphQL error (errors that are not about the input).
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An answer with HTTP 200 and no GraphQL errors.
#[track_caller]
pub fn assert_ok(reply: &Reply) {
    let (status, _, body) = reply;
    assert_eq!(*status, 200, "{body}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
}

/// Whether connecting to `address` is refused within `timeout` (the listener is closed).
pub async fn refuses_connections(address: SocketAddr, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_secs(1),
            tokio::net::TcpStream::connect(address),
        )
        .await;
        if matches!(attempt, Ok(Err(_))) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Holding a table lock as the owner
// ---------------------------------------------------------------------------------------------

/// `batch_execute` belongs to diesel-async's `SimpleAsyncConnection`, which the persistence crate
/// does not re-export; through the `AsyncConnection` bound (its subtrait) it can be called.
async fn batch_execute<C: AsyncConnection>(conn: &mut C, sql: &str) {
    if let Err(error) = conn.batch_execute(sql).await {
        panic!("owner statement failed: {error}");
    }
}

/// An `ACCESS EXCLUSIVE` lock on one table, held by an open owner transaction until
/// [`Self::release`] (or drop, which closes the connection and so ends the transaction): a way to
/// keep a server's request in flight for as long as a test needs.
pub struct TableLock<'a> {
    database: &'a TestDatabase,
    table: String,
    conn: AsyncPgConnection,
}

impl std::fmt::Debug for TableLock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableLock")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl<'a> TableLock<'a> {
    /// `table` must be a plain identifier (it is spliced into SQL).
    pub async fn take(database: &'a TestDatabase, table: &str) -> TableLock<'a> {
        assert!(
            table.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "not a plain table name: {table}"
        );
        let mut conn = AsyncPgConnection::establish(&database.owner_url)
            .await
            .unwrap_or_else(|error| panic!("owner connection failed: {error}"));
        batch_execute(
            &mut conn,
            &format!("BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"),
        )
        .await;
        TableLock {
            database,
            table: table.to_owned(),
            conn,
        }
    }

    /// Waits until at least one session waits for this lock: the request is then known to be
    /// inside the server, past every check, blocked on the database.
    pub async fn wait_for_waiter(&self, timeout: Duration) -> bool {
        // Every test database is a copy of one template, so table oids repeat across databases:
        // the database must be part of the filter.
        let sql = format!(
            "SELECT count(*) FROM pg_locks \
             WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND relation = '{}'::regclass AND NOT granted",
            self.table
        );
        let deadline = Instant::now() + timeout;
        loop {
            let waiting = self.database.owner_query(&sql).await;
            if waiting.first().is_some_and(|count| count != "0") {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the transaction, and with it the lock.
    pub async fn release(mut self) {
        batch_execute(&mut self.conn, "ROLLBACK").await;
    }
}

/// Appends each line a child process writes to `stream` to `logs`, until the stream closes.
pub(crate) fn collect_lines<R: Read>(stream: R, logs: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    // Bytes, not `lines()`: one line of invalid UTF-8 must not end the capture.
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        logs.lock().unwrap_or_else(|e| e.into_inner()).push(text);
        line.clear();
    }
}
