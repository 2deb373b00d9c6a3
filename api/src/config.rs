//! Typed configuration, read from the command line and environment variables. Every variable is
//! documented in the README; secrets are never printed (see the `Debug` impls).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// How the server trusts tokens and what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Synthetic data, GraphiQL, introspection, tokens signed with a development key under the
    /// data directory.
    Development,
    /// Tokens only from the identity providers in the JWKS file; no GraphiQL, no introspection.
    Production,
}

/// Which GraphQL documents may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentPolicy {
    /// Any document within the limits; a registered one may also be sent by its id.
    Any,
    /// Only documents the calling client registered (`stable-futures documents add`), sent by id
    /// or as their exact text; anything else is refused with `PERSISTED_QUERY_NOT_FOUND`.
    Registered,
}

/// Settings of `stable-futures serve`.
#[derive(Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "SF_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// PostgreSQL URL for the server's own role (which must not own the schema). Unset: a private
    /// PostgreSQL is started under the data directory, in development mode.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL of standbys that queries read from (one or several hosts, e.g.
    /// `postgresql://…@db2:5432,db3:5432/stable_futures?target_session_attrs=read-only`); the
    /// same role as `DATABASE_URL`. Writes, the audit trail and notifications stay on the
    /// primary. Unset: every query reads from the primary.
    #[arg(long, env = "DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<String>,

    /// How long a query that sends a write's consistency token (`X-Consistency-Token`) waits for
    /// a standby to have replayed it before it reads from the primary instead.
    #[arg(long, env = "SF_READ_CONSISTENCY_WAIT_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=30_000))]
    pub read_consistency_wait_ms: u64,

    /// `development` or `production`. Default: development without DATABASE_URL, production with.
    #[arg(long, env = "SF_MODE", value_enum)]
    pub mode: Option<Mode>,

    #[command(flatten)]
    pub data: DataDirConfig,

    #[command(flatten)]
    pub auth: AuthConfig,

    #[command(flatten)]
    pub limits: LimitsConfig,

    /// Connections in the database pool.
    #[arg(long, env = "SF_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,

    /// Microseconds the audit writer waits for more requests' read rows before a flush (as
    /// PostgreSQL's `commit_delay`): fewer commits under load, that much longer per audited
    /// answer. 0: flush at once.
    #[arg(long, env = "SF_AUDIT_GATHER_MICROS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=50_000))]
    pub audit_gather_micros: u64,

    /// Add an `x-sql-statements` header with the number of SQL statements a request ran (for tests
    /// and benchmarks).
    #[arg(long, env = "SF_EXPOSE_STATEMENT_COUNT", default_value_t = false)]
    pub expose_statement_count: bool,

    /// Address of the Prometheus `/metrics` listener, kept apart from the API's port so that it
    /// can be reached only by the monitoring system. `off`: no listener (metrics still go over
    /// OTLP when an endpoint is set).
    #[arg(long, env = "SF_METRICS_LISTEN", default_value = "127.0.0.1:9464", value_parser = parse_listen)]
    pub metrics_listen: Listen,

    /// On SIGTERM/SIGINT, how long in-flight requests may take to finish before the server
    /// stops anyway, in seconds. Keep it below the platform's own grace period (Kubernetes'
    /// `terminationGracePeriodSeconds`, 30 s by default).
    #[arg(long, env = "SF_SHUTDOWN_GRACE_SECONDS", default_value_t = 20)]
    pub shutdown_grace_seconds: u64,

    /// Load the synthetic demo dataset (development mode on the private database only).
    #[arg(long, env = "SF_DEMO_DATA", default_value_t = true, action = clap::ArgAction::Set)]
    pub demo_data: bool,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field(
                "database_read_url",
                &self.database_read_url.as_ref().map(|_| "<set>"),
            )
            .field("read_consistency_wait_ms", &self.read_consistency_wait_ms)
            .field("mode", &self.mode)
            .field("data", &self.data)
            .field("auth", &self.auth)
            .field("limits", &self.limits)
            .field("db_pool_size", &self.db_pool_size)
            .field("audit_gather_micros", &self.audit_gather_micros)
            .field("metrics_listen", &self.metrics_listen)
            .field("shutdown_grace_seconds", &self.shutdown_grace_seconds)
            .finish_non_exhaustive()
    }
}

impl ServeConfig {
    pub fn effective_mode(&self) -> Mode {
        self.mode.unwrap_or(if self.database_url.is_some() {
            Mode::Production
        } else {
            Mode::Development
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct DataDirConfig {
    /// Where development state lives: the private PostgreSQL cluster and the development signing
    /// key.
    #[arg(long, env = "SF_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
}

/// Token rules.
/// The single issuer's settings, which `SF_TRUSTED_ISSUERS_FILE` replaces as a whole.
const SINGLE_ISSUER_ARGUMENTS: [&str; 9] = [
    "jwt_issuer",
    "jwks_file",
    "jwks_url",
    "jwt_local_authorities",
    "jwt_scope_claims",
    "jwt_scope_names",
    "jwt_client_claims",
    "jwt_local_authority_claim",
    "jwt_local_authority",
];

#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
    /// Required `iss` of tokens. Default in development: `stable-futures-dev`.
    #[arg(long, env = "SF_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required `aud` of tokens.
    #[arg(long, env = "SF_JWT_AUDIENCE", default_value = "stable-futures")]
    pub jwt_audience: String,

    /// Clock leeway for `exp`/`nbf`, in seconds (at most 30).
    #[arg(long, env = "SF_JWT_LEEWAY_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=30))]
    pub jwt_leeway_seconds: u64,

    /// JWKS file with the identity provider's public keys (RS256/ES256/EdDSA). Neither this nor
    /// `SF_JWKS_URL`: the keys are found by OpenID discovery from `SF_JWT_ISSUER`.
    #[arg(long, env = "SF_JWKS_FILE")]
    pub jwks_file: Option<PathBuf>,

    /// HTTPS URL of the identity provider's JWKS (fetched at start, refreshed on unknown `kid`).
    #[arg(long, env = "SF_JWKS_URL")]
    pub jwks_url: Option<String>,

    /// Comma-separated GSS codes the issuer of `SF_JWT_ISSUER` may speak for. Empty: any.
    #[arg(long, env = "SF_JWT_LOCAL_AUTHORITIES", value_delimiter = ',')]
    pub jwt_local_authorities: Vec<String>,

    /// Comma-separated claims the scopes are read from (e.g. `roles,scp`). Empty: `scope`.
    #[arg(long, env = "SF_JWT_SCOPE_CLAIMS", value_delimiter = ',')]
    pub jwt_scope_claims: Vec<String>,

    /// Comma-separated `Provider.Name=our:scope` pairs: the provider's names for our scopes.
    #[arg(long, env = "SF_JWT_SCOPE_NAMES", value_delimiter = ',', value_parser = parse_scope_name)]
    pub jwt_scope_names: Vec<(String, String)>,

    /// Comma-separated claims naming the case-system client (e.g. `azp,appid`). Empty: `azp`,
    /// `client_id`.
    #[arg(long, env = "SF_JWT_CLIENT_CLAIMS", value_delimiter = ',')]
    pub jwt_client_claims: Vec<String>,

    /// The claim holding the local authority's GSS code. Default: `la`.
    #[arg(
        long,
        env = "SF_JWT_LOCAL_AUTHORITY_CLAIM",
        conflicts_with = "jwt_local_authority"
    )]
    pub jwt_local_authority_claim: Option<String>,

    /// The one local authority every token of `SF_JWT_ISSUER` speaks for (a GSS code).
    #[arg(long, env = "SF_JWT_LOCAL_AUTHORITY")]
    pub jwt_local_authority: Option<String>,

    /// JSON file listing several trusted issuers, each with its keys, authorities and claim
    /// mapping (see docs/security.md). Instead of the single issuer's variables: set with any of
    /// them, the server refuses to start rather than silently ignore one of the two.
    #[arg(
        long,
        env = "SF_TRUSTED_ISSUERS_FILE",
        conflicts_with_all = SINGLE_ISSUER_ARGUMENTS
    )]
    pub trusted_issuers_file: Option<PathBuf>,

    /// Least time between two fetches of an issuer's keys for unknown `kid`s, in seconds.
    #[arg(long, env = "SF_JWKS_MIN_REFRESH_SECONDS", default_value_t = 60)]
    pub jwks_min_refresh_seconds: u64,
}

fn parse_scope_name(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((theirs, ours)) if !theirs.trim().is_empty() && !ours.trim().is_empty() => {
            Ok((theirs.trim().to_owned(), ours.trim().to_owned()))
        }
        _ => Err(format!("{pair:?} is not Provider.Name=our:scope")),
    }
}

/// Request limits.
#[derive(Debug, Clone, Args)]
pub struct LimitsConfig {
    /// Largest request body, in bytes.
    #[arg(long, env = "SF_BODY_LIMIT_BYTES", default_value_t = 256 * 1024)]
    pub body_limit_bytes: usize,

    /// Longest time a request may take, in seconds.
    #[arg(long, env = "SF_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,

    /// Deepest query nesting.
    #[arg(long, env = "SF_MAX_QUERY_DEPTH", default_value_t = 16)]
    pub max_query_depth: usize,

    /// Highest query complexity (each field costs 1, lists multiply by `first`).
    #[arg(long, env = "SF_MAX_QUERY_COMPLEXITY", default_value_t = 20_000)]
    pub max_query_complexity: usize,

    /// Largest GraphQL document (the `query` string), in bytes; checked before parsing.
    #[arg(long, env = "SF_MAX_DOCUMENT_BYTES", default_value_t = 32 * 1024)]
    pub max_document_bytes: usize,

    /// Most aliases in one document.
    #[arg(long, env = "SF_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Most fields at the root of one operation (counting those reached through fragments).
    #[arg(long, env = "SF_MAX_ROOT_FIELDS", default_value_t = 10)]
    pub max_root_fields: usize,

    /// Most directives in one document.
    #[arg(long, env = "SF_MAX_DIRECTIVES", default_value_t = 20)]
    pub max_directives: usize,

    /// Deepest nesting of fragment spreads (a fragment spreading a fragment spreading …).
    #[arg(long, env = "SF_MAX_FRAGMENT_NESTING", default_value_t = 10)]
    pub max_fragment_nesting: usize,

    /// Most operations in one batch (a JSON array body). 0: batches are refused.
    #[arg(long, env = "SF_MAX_BATCH", default_value_t = 0)]
    pub max_batch: usize,

    /// Operations (`POST /graphql`, report exports) this replica runs at once; more wait for a
    /// turn.
    #[arg(long, env = "SF_MAX_IN_FLIGHT", default_value_t = 64, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub max_in_flight: usize,

    /// How long an operation waits for a turn before it is answered 503 with `Retry-After`.
    #[arg(long, env = "SF_QUEUE_WAIT_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub queue_wait_ms: u64,

    /// The largest share of the turns one client (its client id, else its subject) may hold;
    /// beyond it, 429 `RATE_LIMITED` at once.
    #[arg(long, env = "SF_CLIENT_SHARE_PERCENT", default_value_t = 75, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    pub client_share_percent: usize,

    /// Most subscription connections (WebSockets) one client of one local authority may hold
    /// open on one replica; one more is closed at `connection_init` with 1008.
    #[arg(long, env = "SF_MAX_SUBSCRIPTION_CONNECTIONS", default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_subscription_connections: usize,

    /// The most cost points (`extensions.cost`: each field 1, a page `first` times what it
    /// selects) a client's bucket holds per local authority, on each replica. 0: no rate limit.
    #[arg(long, env = "SF_RATE_LIMIT_POINTS", default_value_t = 100_000)]
    pub rate_limit_points: u32,

    /// Points restored to each bucket per second.
    #[arg(
        long,
        env = "SF_RATE_LIMIT_RESTORE_PER_SECOND",
        default_value_t = 10_000
    )]
    pub rate_limit_restore_per_second: u32,

    /// `any` (default) or `registered`: only the documents each client registered run (trusted
    /// documents; see docs/integration-guide.md). Production deployments should say `registered`
    /// once their clients have registered their manifests.
    #[arg(long, env = "SF_TRUSTED_DOCUMENTS", value_enum, default_value = "any")]
    pub trusted_documents: DocumentPolicy,

    /// Comma-separated origins (`https://case.example.gov.uk`) browsers may call the API from.
    /// Empty: no CORS headers at all.
    #[arg(long, env = "SF_CORS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_allowed_origins: Vec<String>,
}

/// Where an optional listener listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    Off,
    At(SocketAddr),
}

/// A socket address, or `off`.
fn parse_listen(text: &str) -> Result<Listen, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(Listen::Off);
    }
    text.parse()
        .map(Listen::At)
        .map_err(|_| format!("{text:?} is not an address (host:port) or `off`"))
}

/// An exact origin: `scheme://host[:port]`, no path, no wildcard.
fn parse_origin(text: &str) -> Result<String, String> {
    let origin = text.trim();
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("{origin:?} is not an http(s) origin"))?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if valid {
        Ok(origin.to_owned())
    } else {
        Err(format!(
            "{origin:?} is not an exact origin (scheme://host[:port], no path or wildcard)"
        ))
    }
}

impl LimitsConfig {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 256 * 1024,
            request_timeout_seconds: 30,
            max_query_depth: 16,
            max_query_complexity: 20_000,
            max_document_bytes: 32 * 1024,
            max_aliases: 30,
            max_root_fields: 10,
            max_directives: 20,
            max_fragment_nesting: 10,
            max_batch: 0,
            max_in_flight: 64,
            queue_wait_ms: 1000,
            client_share_percent: 75,
            max_subscription_connections: 10,
            trusted_documents: DocumentPolicy::Any,
            rate_limit_points: 100_000,
            rate_limit_restore_per_second: 10_000,
            cors_allowed_origins: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        auth: AuthConfig,
    }

    fn parse(args: &[&str]) -> Result<AuthConfig, clap::Error> {
        Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map(|cli| cli.auth)
    }

    #[test]
    fn an_issuers_file_is_refused_beside_any_single_issuer_setting() {
        let file = ["--trusted-issuers-file", "issuers.json"];
        let single_issuer: [&[&str]; 9] = [
            &["--jwt-issuer", "https://login.example/"],
            &["--jwks-file", "keys.json"],
            &["--jwks-url", "https://login.example/keys"],
            &["--jwt-local-authorities", "E09000019"],
            &["--jwt-scope-claims", "roles"],
            &["--jwt-scope-names", "Children.Read=children:read"],
            &["--jwt-client-claims", "appid"],
            &["--jwt-local-authority-claim", "council"],
            &["--jwt-local-authority", "E09000019"],
        ];
        assert_eq!(single_issuer.len(), SINGLE_ISSUER_ARGUMENTS.len());
        for setting in single_issuer {
            let error = parse(&[&file[..], setting].concat()).expect_err("both kinds of setting");
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{setting:?}"
            );
            parse(setting).expect("a single-issuer setting alone");
        }
        let alone = parse(&file).expect("the file alone");
        assert_eq!(
            alone.trusted_issuers_file,
            Some(PathBuf::from("issuers.json"))
        );
    }
}
