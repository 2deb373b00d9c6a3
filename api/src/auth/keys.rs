//! Where an issuer's public keys come from (a JWKS file or URL, or the development secret), each
//! key pinned to the one algorithm its type allows, and refreshed when a token names a new `kid`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::mapping::AuthoritySourceConfig;

/// Why the keys could not be loaded: stops the start, or is logged at a refresh.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the JWKS file is not valid: {0}")]
    Jwks(String),
    #[error("key error: {0}")]
    Key(#[from] jsonwebtoken::errors::Error),
}

/// A public key (or the development secret) and the one algorithm it may verify.
pub(super) struct PinnedKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// Where an issuer's keys come from.
#[derive(Debug, Clone)]
enum KeySource {
    /// Fixed at start (the development key).
    Fixed,
    File(PathBuf),
    Url(String),
    /// The issuer's OpenID discovery document names the JWKS (`jwks_uri`); asked again at each
    /// refresh, since a provider may move its keys.
    Discovery(String),
}

/// One issuer's keys by `kid`, refreshed from their source when a token names a `kid` not in the
/// set — at most once per `min_refresh`, so a flood of made-up `kid`s cannot hammer the identity
/// provider.
pub(super) struct KeySet {
    source: KeySource,
    keys: RwLock<HashMap<String, Arc<PinnedKey>>>,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    min_refresh: Duration,
}

/// One trusted issuer, as configured (`SF_TRUSTED_ISSUERS_FILE` holds a list of these).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerConfig {
    /// The exact `iss` of its tokens.
    pub issuer: String,
    /// The `aud` its tokens must carry. Default: the service's audience.
    #[serde(default)]
    pub audience: Option<String>,
    /// A JWKS file with its public keys…
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// …or the HTTPS URL of its JWKS (plain http only to a loopback address). Neither: the
    /// issuer's OpenID discovery document says where its keys are.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// GSS codes of the local authorities it may speak for. Empty or absent: any.
    #[serde(default)]
    pub local_authorities: Vec<String>,
    /// GSS codes of the local authorities its tokens may read aggregate reports over together
    /// (a token naming them in `la_set`, with the `reports:aggregate` scope). Empty or absent:
    /// none — an issuer must be trusted for this explicitly.
    #[serde(default)]
    pub aggregate_local_authorities: Vec<String>,
    /// The claims the scopes are read from (a space-separated string or an array each). Empty or
    /// absent: `scope`.
    #[serde(default)]
    pub scope_claims: Vec<String>,
    /// The provider's names for our scopes (`"Children.Read": "children:read"`).
    #[serde(default)]
    pub scope_names: BTreeMap<String, String>,
    /// The claims naming the case-system client, all present agreeing. Empty or absent: `azp`,
    /// `client_id`.
    #[serde(default)]
    pub client_claims: Vec<String>,
    /// Where the local authority comes from. Absent: the `la` claim.
    #[serde(default)]
    pub local_authority: AuthoritySourceConfig,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IssuersFile {
    issuers: Vec<IssuerConfig>,
}

/// Reads a trusted-issuers file (JSON: `{ "issuers": [ { "issuer": …, "jwksUrl": …,
/// "localAuthorities": [...] } ] }`).
pub fn read_issuers_file(path: &Path) -> Result<Vec<IssuerConfig>, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let file: IssuersFile =
        serde_json::from_str(&text).map_err(|error| KeyError::Jwks(error.to_string()))?;
    Ok(file.issuers)
}

/// The algorithm a key's type allows: RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA. Other keys
/// and keys without a `kid` are skipped.
fn pinned_keys(set: &JwkSet) -> Result<HashMap<String, Arc<PinnedKey>>, KeyError> {
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                Algorithm::EdDSA
            }
            _ => continue,
        };
        keys.insert(
            kid,
            Arc::new(PinnedKey {
                algorithm,
                key: DecodingKey::from_jwk(jwk)?,
            }),
        );
    }
    Ok(keys)
}

/// A key set must hold at least one key this service can use.
fn usable(
    keys: HashMap<String, Arc<PinnedKey>>,
) -> Result<HashMap<String, Arc<PinnedKey>>, KeyError> {
    if keys.is_empty() {
        Err(KeyError::Jwks(
            "no RSA, P-256 or Ed25519 key with a kid".into(),
        ))
    } else {
        Ok(keys)
    }
}

/// Largest JWKS document accepted from a URL.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

fn check_jwks_url(url: &str) -> Result<(), KeyError> {
    check_https_url(url, "JWKS URL")
}

/// Keys are trusted only over TLS: plain http is for a provider on this machine (tests, a sidecar).
fn check_https_url(url: &str, what: &str) -> Result<(), KeyError> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        return if rest.is_empty() {
            Err(KeyError::Jwks(format!("empty {what}")))
        } else {
            Ok(())
        };
    } else if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else {
        return Err(KeyError::Jwks(format!("a {what} must be https")));
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        Ok(())
    } else {
        Err(KeyError::Jwks(format!(
            "a {what} must be https (plain http only to a loopback address)"
        )))
    }
}

/// A document from an identity provider: no redirects (a key set must come from where it was
/// configured), a short timeout, a bounded size.
async fn fetch_document(url: &str, what: &str) -> Result<String, KeyError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| KeyError::Jwks(error.to_string()))?;
    let response = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|error| KeyError::Jwks(format!("fetching the {what} failed: {error}")))?;
    if response
        .content_length()
        .is_some_and(|length| length > MAX_JWKS_BYTES as u64)
    {
        return Err(KeyError::Jwks(format!("the {what} is too large")));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|error| KeyError::Jwks(error.to_string()))?;
    if bytes.len() > MAX_JWKS_BYTES {
        return Err(KeyError::Jwks(format!("the {what} is too large")));
    }
    String::from_utf8(bytes.to_vec()).map_err(|error| KeyError::Jwks(error.to_string()))
}

/// Where an issuer publishes its metadata: OpenID Connect Discovery's
/// `<issuer>/.well-known/openid-configuration`, then RFC 8414's
/// `<origin>/.well-known/oauth-authorization-server<path>`.
fn discovery_urls(issuer: &str) -> [String; 2] {
    let trimmed = issuer.trim_end_matches('/');
    let openid = format!("{trimmed}/.well-known/openid-configuration");
    let after_scheme = trimmed.find("://").map_or(0, |at| at + 3);
    let (origin, path) = match trimmed[after_scheme..].find('/') {
        Some(slash) => trimmed.split_at(after_scheme + slash),
        None => (trimmed, ""),
    };
    [
        openid,
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ]
}

#[derive(Deserialize)]
struct ProviderMetadata {
    issuer: String,
    jwks_uri: String,
}

/// The JWKS URL an issuer's metadata names. The metadata must name the issuer itself (OpenID
/// Connect Discovery §4.3): metadata served for another issuer would hand us its keys.
async fn discover_jwks_url(issuer: &str) -> Result<String, KeyError> {
    check_https_url(issuer, "issuer to discover")?;
    let mut failures = Vec::new();
    for url in discovery_urls(issuer) {
        let metadata = match fetch_document(&url, "discovery document").await {
            Ok(text) => text,
            Err(error) => {
                failures.push(error.to_string());
                continue;
            }
        };
        let metadata: ProviderMetadata = serde_json::from_str(&metadata).map_err(|error| {
            KeyError::Jwks(format!(
                "the discovery document at {url} is not valid: {error}"
            ))
        })?;
        if metadata.issuer != issuer {
            return Err(KeyError::Jwks(format!(
                "the discovery document at {url} is for issuer {}, not {issuer}",
                metadata.issuer
            )));
        }
        check_jwks_url(&metadata.jwks_uri)?;
        return Ok(metadata.jwks_uri);
    }
    Err(KeyError::Jwks(format!(
        "no discovery document for issuer {issuer}: {}",
        failures.join("; ")
    )))
}

async fn fetch_jwks(source: &KeySource) -> Result<Option<JwkSet>, KeyError> {
    let text = match source {
        KeySource::Fixed => return Ok(None),
        KeySource::File(path) => {
            tokio::fs::read_to_string(path)
                .await
                .map_err(|source| KeyError::Read {
                    path: path.display().to_string(),
                    source,
                })?
        }
        KeySource::Url(url) => fetch_document(url, "JWKS").await?,
        KeySource::Discovery(issuer) => {
            fetch_document(&discover_jwks_url(issuer).await?, "JWKS").await?
        }
    };
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|error| KeyError::Jwks(error.to_string()))?;
    Ok(Some(set))
}

impl KeySet {
    /// The development secret under the key id `dev`, HS256 only.
    pub(super) fn development(secret: &[u8]) -> Result<Self, KeyError> {
        let key = PinnedKey {
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret)?,
        };
        Ok(Self {
            source: KeySource::Fixed,
            keys: RwLock::new(HashMap::from([("dev".to_owned(), Arc::new(key))])),
            last_refresh: tokio::sync::Mutex::new(None),
            min_refresh: Duration::MAX,
        })
    }

    /// The keys of a JWKS file, read now (a bad file stops the start).
    pub(super) fn read_file(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let set: JwkSet =
            serde_json::from_str(&text).map_err(|error| KeyError::Jwks(error.to_string()))?;
        let keys = usable(pinned_keys(&set)?)?;
        Ok(Self {
            source: KeySource::File(path.to_path_buf()),
            keys: RwLock::new(keys),
            last_refresh: tokio::sync::Mutex::new(None),
            min_refresh: DEFAULT_MIN_REFRESH,
        })
    }

    /// The keys of a configured issuer, loaded now.
    pub(super) async fn of_issuer(
        config: &IssuerConfig,
        min_refresh: Duration,
    ) -> Result<Self, KeyError> {
        let source = match (&config.jwks_file, &config.jwks_url) {
            (Some(path), None) => KeySource::File(path.clone()),
            (None, Some(url)) => {
                check_jwks_url(url)?;
                KeySource::Url(url.clone())
            }
            (None, None) => KeySource::Discovery(config.issuer.clone()),
            (Some(_), Some(_)) => {
                return Err(KeyError::Jwks(format!(
                    "issuer {} names both jwksFile and jwksUrl",
                    config.issuer
                )))
            }
        };
        Self::load(source, min_refresh).await
    }

    async fn load(source: KeySource, min_refresh: Duration) -> Result<Self, KeyError> {
        let keys = usable(match fetch_jwks(&source).await? {
            Some(set) => pinned_keys(&set)?,
            None => HashMap::new(),
        })?;
        // The load at start does not count as a refresh: a key rotated in soon after the start
        // must still be picked up by the first token that names it.
        Ok(Self {
            source,
            keys: RwLock::new(keys),
            last_refresh: tokio::sync::Mutex::new(None),
            min_refresh,
        })
    }

    /// Whether the set holds `kid` now, without refreshing.
    pub(super) fn holds(&self, kid: &str) -> bool {
        self.cached(kid).is_some()
    }

    fn cached(&self, kid: &str) -> Option<Arc<PinnedKey>> {
        self.keys
            .read()
            .ok()
            .and_then(|keys| keys.get(kid).cloned())
    }

    /// The key for `kid`, refreshing the set once if it is unknown and the last refresh is old
    /// enough. A failed refresh keeps the keys we have.
    pub(super) async fn key(&self, kid: &str) -> Option<Arc<PinnedKey>> {
        if let Some(key) = self.cached(kid) {
            return Some(key);
        }
        if matches!(self.source, KeySource::Fixed) {
            return None;
        }
        let mut last = self.last_refresh.lock().await;
        if let Some(key) = self.cached(kid) {
            return Some(key);
        }
        if last.is_some_and(|at| at.elapsed() < self.min_refresh) {
            return None;
        }
        *last = Some(Instant::now());
        match fetch_jwks(&self.source).await.and_then(|set| match set {
            Some(set) => pinned_keys(&set),
            None => Ok(HashMap::new()),
        }) {
            Ok(fresh) if !fresh.is_empty() => {
                tracing::info!(keys = fresh.len(), "refreshed the identity provider's keys");
                if let Ok(mut keys) = self.keys.write() {
                    *keys = fresh;
                }
            }
            Ok(_) => tracing::warn!("the refreshed JWKS has no usable key; keeping the old keys"),
            Err(error) => {
                tracing::warn!(error = %error, "refreshing the JWKS failed; keeping the old keys")
            }
        }
        self.cached(kid)
    }
}

/// How often an issuer's keys may be refetched for an unknown `kid`, by default.
pub const DEFAULT_MIN_REFRESH: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_asks_openid_then_rfc_8414_where_each_puts_an_issuers_path() {
        assert_eq!(
            discovery_urls("https://idp.example"),
            [
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server"
            ]
        );
        assert_eq!(
            discovery_urls("https://login.microsoftonline.com/tenant-1/v2.0/"),
            [
                "https://login.microsoftonline.com/tenant-1/v2.0/.well-known/openid-configuration",
                "https://login.microsoftonline.com/.well-known/oauth-authorization-server/tenant-1/v2.0"
            ]
        );
        // A host shorter than its scheme: the path starts after the host, not at some offset.
        assert_eq!(
            discovery_urls("https://id.x/t"),
            [
                "https://id.x/t/.well-known/openid-configuration",
                "https://id.x/.well-known/oauth-authorization-server/t"
            ]
        );
        assert_eq!(
            discovery_urls("http://127.0.0.1:4000/oidc"),
            [
                "http://127.0.0.1:4000/oidc/.well-known/openid-configuration",
                "http://127.0.0.1:4000/.well-known/oauth-authorization-server/oidc"
            ]
        );
    }

    #[test]
    fn keys_come_over_tls_except_from_this_machine() {
        for allowed in [
            "https://idp.example/jwks",
            "http://127.0.0.1:9/jwks",
            "http://localhost/x",
        ] {
            assert!(check_jwks_url(allowed).is_ok(), "{allowed}");
        }
        for refused in [
            "http://idp.example/jwks",
            "https://",
            "ftp://idp.example/",
            "idp.example",
        ] {
            assert!(check_jwks_url(refused).is_err(), "{refused}");
        }
    }
}
