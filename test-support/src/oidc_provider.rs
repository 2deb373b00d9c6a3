//! A real OpenID Provider on a loopback port: `oidc-provider` (Node.js, `tests/oidc-provider`),
//! issuing RFC 9068 JWT access tokens by the client-credentials grant for the resource
//! `urn:stable-futures`, as a local authority's identity provider does for a case system. The
//! server's token verifier is then tested against tokens, discovery and a JWKS it did not make
//! itself, and against a key rotation the way an identity provider performs one: the provider
//! restarted on the same issuer with a new signing key in front of the old.
//!
//! `scripts/oidc-provider.sh install` puts it and the Node.js it needs under `target/` (npm and
//! the npm registry the first time).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

/// The resource (and so the `aud`) the provider issues tokens for.
pub const RESOURCE: &str = "urn:stable-futures";
/// The one client of the provider: the case system.
pub const CLIENT_ID: &str = "case-system-oidc-test";

/// Installing is done before the clock starts; loading oidc-provider on a loaded 2-core machine,
/// while other test processes build their databases, can still take seconds.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// What SIGTERM may take before the provider is killed: it closes its listener and exits.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where `scripts/oidc-provider.sh install` put Node.js and the provider.
#[derive(Debug, Clone)]
struct Installed {
    node: PathBuf,
    provider: PathBuf,
}

/// Installs once per test process: every test in it then finds the paths at once, and two
/// tests starting together do not both run npm (the script locks against other processes).
fn installed() -> &'static Installed {
    static INSTALLED: OnceLock<Installed> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/oidc-provider.sh");
        let output = Command::new(&script)
            .arg("install")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{} install failed ({}):\n{stdout}{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let mut lines = stdout
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty());
        match (lines.next(), lines.next()) {
            (Some(node), Some(provider)) => Installed {
                node: PathBuf::from(node),
                provider: PathBuf::from(provider),
            },
            _ => panic!("{} install printed no paths: {stdout}", script.display()),
        }
    })
}

/// [`installed`] off the runtime's threads: the first call runs npm.
async fn installed_async() -> Installed {
    tokio::task::spawn_blocking(|| installed().clone())
        .await
        .unwrap_or_else(|error| panic!("installing the OpenID Provider failed: {error}"))
}

/// A new private RSA JWK (2048 bits, `alg` RS256, `use` sig) named `kid`, made by Node.js: the
/// workspace has no Rust crate that generates RSA keys, and a test key needs no new one.
pub async fn generate_rsa_key(kid: &str) -> Value {
    let installed = installed_async().await;
    let output = tokio::process::Command::new(&installed.node)
        .arg(&installed.provider)
        .args(["--generate-key", kid])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", installed.node.display()));
    assert!(
        output.status.success(),
        "provider.mjs --generate-key failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("provider.mjs printed a JWK")
}

/// A JWKS of `keys`, in order: for the provider, the first signs.
pub fn jwks(keys: &[&Value]) -> Value {
    json!({ "keys": keys })
}

/// A running OpenID Provider. Killed when dropped; its scratch folder (the private JWKS) removed.
#[derive(Debug)]
pub struct OidcProvider {
    installed: Installed,
    port: u16,
    issuer: String,
    scopes: String,
    client_secret: String,
    folder: PathBuf,
    child: Option<Child>,
    logs: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Environment variables passed through to Node.js: nothing that configures it (a developer's
/// `NODE_OPTIONS` or `DEBUG` must not change what a test sees).
const PASSED_THROUGH: &[&str] = &["PATH", "HOME", "TMPDIR"];

impl OidcProvider {
    /// Starts a provider signing with the first key of `jwks` (a private JWKS, RSA keys with
    /// `kid`s; every key is published), whose client may be granted `scopes` (space-separated),
    /// and waits until it listens.
    pub async fn start(jwks: &Value, scopes: &str) -> OidcProvider {
        let installed = installed_async().await;
        let folder = std::env::temp_dir().join(format!(
            "sf-oidc-provider-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&folder).expect("a scratch folder");
        let mut provider = OidcProvider {
            installed,
            port: 0,
            issuer: String::new(),
            scopes: scopes.to_owned(),
            client_secret: format!("secret-{}", uuid::Uuid::new_v4().simple()),
            folder,
            child: None,
            logs: Arc::new(Mutex::new(Vec::new())),
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("HTTP client"),
        };
        let mut attempt = 1;
        loop {
            provider.port = free_port();
            match provider.run(jwks).await {
                Ok(()) => return provider,
                // Another process took the port between our probe and the provider's bind.
                Err(said) if attempt < 3 && said.contains("cannot listen") => {
                    attempt += 1;
                    provider
                        .logs
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .clear();
                }
                Err(said) => panic!("the OpenID Provider did not start: {said}"),
            }
        }
    }

    /// The issuer exactly as the provider puts it in `iss` and its discovery document.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The client id the provider puts in `client_id` (and `sub`) of its tokens.
    pub fn client_id(&self) -> &str {
        CLIENT_ID
    }

    /// The scopes the client may be granted.
    pub fn scopes(&self) -> &str {
        &self.scopes
    }

    /// An access token for [`RESOURCE`] with every scope the client may be granted.
    pub async fn token(&self) -> String {
        self.token_with_scopes(&self.scopes).await
    }

    /// An access token for [`RESOURCE`] asking for `scopes` (space-separated), by the
    /// client-credentials grant at the token endpoint named by discovery.
    pub async fn token_with_scopes(&self, scopes: &str) -> String {
        let discovery = self.discovery().await;
        let endpoint = discovery["token_endpoint"]
            .as_str()
            .unwrap_or_else(|| panic!("no token_endpoint in {discovery}"));
        let response = self
            .http
            .post(endpoint)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", self.client_secret.as_str()),
                ("resource", RESOURCE),
                ("scope", scopes),
            ])
            .send()
            .await
            .unwrap_or_else(|error| {
                panic!("POST {endpoint} failed: {error}\n{}", self.logs_text())
            });
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match body["access_token"].as_str() {
            Some(token) if status == 200 => token.to_owned(),
            _ => panic!(
                "the token endpoint answered {status}: {body}\n{}",
                self.logs_text()
            ),
        }
    }

    /// `/.well-known/openid-configuration`.
    pub async fn discovery(&self) -> Value {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {url} failed: {error}\n{}", self.logs_text()));
        assert_eq!(response.status().as_u16(), 200, "GET {url}");
        response.json().await.expect("a JSON discovery document")
    }

    /// Stops the provider and starts it again on the same port, so with the same issuer,
    /// signing with the first key of `jwks` and publishing them all: a key rotation.
    pub async fn restart_with_keys(&mut self, jwks: &Value) {
        let issuer = std::mem::take(&mut self.issuer);
        self.stop().await;
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        if let Err(said) = self.run(jwks).await {
            panic!(
                "the OpenID Provider did not start again on port {}: {said}",
                self.port
            );
        }
        assert_eq!(self.issuer, issuer, "the issuer changed on restart");
    }

    /// Everything the provider wrote since it last started, for failure messages.
    pub fn logs_text(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// Writes `jwks`, starts Node.js and waits for `READY <issuer>`. `Err` with what the
    /// provider wrote when it exits or is not ready in time.
    async fn run(&mut self, jwks: &Value) -> Result<(), String> {
        let jwks_file = self.folder.join("jwks.json");
        std::fs::write(&jwks_file, jwks.to_string()).expect("write the JWKS");
        let mut command = Command::new(&self.installed.node);
        command
            .arg(&self.installed.provider)
            .env_clear()
            .envs(
                PASSED_THROUGH
                    .iter()
                    .filter_map(|key| std::env::var_os(key).map(|value| (key.to_string(), value))),
            )
            .env("OIDC_PORT", self.port.to_string())
            .env("OIDC_JWKS_FILE", &jwks_file)
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", &self.client_secret)
            .env("OIDC_SCOPES", &self.scopes)
            .current_dir(&self.folder)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|error| {
            panic!("cannot start {}: {error}", self.installed.node.display())
        });
        capture(child.stdout.take().expect("piped stdout"), &self.logs);
        capture(child.stderr.take().expect("piped stderr"), &self.logs);
        self.child = Some(child);

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let ready = self
                .logs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .find_map(|line| line.strip_prefix("READY ").map(str::to_owned));
            if let Some(issuer) = ready {
                self.issuer = issuer;
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().expect("process status"));
            if let Some(status) = exited {
                // The readers may lag behind the exit by a moment.
                tokio::time::sleep(Duration::from_millis(200)).await;
                self.child = None;
                return Err(format!("it exited with {status}:\n{}", self.logs_text()));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "not ready within {STARTUP_TIMEOUT:?}:\n{}",
                    self.logs_text()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited in time. Waits for the exit, so the port is
    /// free again.
    async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(None)) {
            let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid fits i32"));
            let _ = kill(pid, Signal::SIGTERM);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// Reads one of the provider's streams line by line into `logs` until it closes.
fn capture<R: Read + Send + 'static>(stream: R, logs: &Arc<Mutex<Vec<String>>>) {
    let logs = Arc::clone(logs);
    std::thread::Builder::new()
        .name("oidc-provider-output".to_owned())
        .spawn(move || crate::process::collect_lines(stream, &logs))
        .expect("output reader thread");
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            // Reaped, so no zombie outlives the test.
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
