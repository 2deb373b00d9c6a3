//! Bearer tokens: verification (production keys from a JWKS file, or the development key) and,
//! in development, issuing.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::{Principal, Scope};

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Issuer of development tokens.
pub const DEV_ISSUER: &str = "stable-futures-dev";

/// The `azp` of development tokens unless `token --client` names another.
pub const DEV_CLIENT: &str = "stable-futures-dev";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The local authority the token speaks for (GSS code).
    pub la: String,
    #[serde(default)]
    pub scope: String,
    /// The case-system client (OAuth `azp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
}

/// Why a token was refused. Logged, never shown to the caller (who gets a bare 401).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no bearer token")]
    Missing,
    #[error("token larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("token has no usable key id or algorithm")]
    UnknownKey,
    /// Shown as the kind of failure only: the library's text can quote claim values.
    #[error("token rejected: {}", describe_rejection(.0))]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("token names a malformed local authority")]
    BadLocalAuthority,
    #[error("token names a local authority this service does not serve")]
    UnknownLocalAuthority,
    #[error("token comes from an issuer this service does not trust")]
    UnknownIssuer,
    #[error("token's issuer may not speak for the local authority it names")]
    AuthorityNotAllowedForIssuer,
}

fn describe_rejection(error: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature => "invalid signature",
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not yet valid (nbf)",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAlgorithm => "algorithm not allowed for the key",
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
        ErrorKind::Json(_) => "claims are not the expected JSON",
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) | ErrorKind::InvalidToken => "malformed token",
        _ => "invalid",
    }
}

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
struct PinnedKey {
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Where an issuer's keys come from.
#[derive(Debug, Clone)]
enum KeySource {
    /// Fixed at start (the development key).
    Fixed,
    File(PathBuf),
    Url(String),
}

/// One issuer's keys by `kid`, refreshed from their source when a token names a `kid` not in the
/// set — at most once per `min_refresh`, so a flood of made-up `kid`s cannot hammer the identity
/// provider.
struct KeySet {
    source: KeySource,
    keys: RwLock<HashMap<String, Arc<PinnedKey>>>,
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    min_refresh: Duration,
}

/// An identity provider the service trusts, and the local authorities it may speak for.
struct TrustedIssuer {
    audience: String,
    /// `None`: any authority the service serves.
    local_authorities: Option<BTreeSet<String>>,
    keys: KeySet,
}

/// Checks tokens against the trusted issuers' keys, each key pinned to one algorithm.
#[derive(Clone)]
pub struct TokenVerifier {
    issuers: Arc<HashMap<String, TrustedIssuer>>,
    leeway: u64,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("issuers", &self.issuers.keys().collect::<Vec<_>>())
            .field("leeway", &self.leeway)
            .finish()
    }
}

/// One trusted issuer, as configured (`SF_TRUSTED_ISSUERS_FILE` holds a list of these).
#[derive(Debug, Clone, Deserialize)]
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
    /// …or the HTTPS URL of its JWKS (plain http only to a loopback address).
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// GSS codes of the local authorities it may speak for. Empty or absent: any.
    #[serde(default)]
    pub local_authorities: Vec<String>,
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

/// Largest JWKS document accepted from a URL.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

fn check_jwks_url(url: &str) -> Result<(), KeyError> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        return if rest.is_empty() {
            Err(KeyError::Jwks("empty JWKS URL".into()))
        } else {
            Ok(())
        };
    } else if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else {
        return Err(KeyError::Jwks("a JWKS URL must be https".into()));
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        Ok(())
    } else {
        Err(KeyError::Jwks(
            "a JWKS URL must be https (plain http only to a loopback address)".into(),
        ))
    }
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
        KeySource::Url(url) => {
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
                .map_err(|error| KeyError::Jwks(format!("fetching the JWKS failed: {error}")))?;
            if response
                .content_length()
                .is_some_and(|length| length > MAX_JWKS_BYTES as u64)
            {
                return Err(KeyError::Jwks("the JWKS document is too large".into()));
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|error| KeyError::Jwks(error.to_string()))?;
            if bytes.len() > MAX_JWKS_BYTES {
                return Err(KeyError::Jwks("the JWKS document is too large".into()));
            }
            String::from_utf8(bytes.to_vec()).map_err(|error| KeyError::Jwks(error.to_string()))?
        }
    };
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|error| KeyError::Jwks(error.to_string()))?;
    Ok(Some(set))
}

impl KeySet {
    fn fixed(keys: HashMap<String, Arc<PinnedKey>>) -> Self {
        Self {
            source: KeySource::Fixed,
            keys: RwLock::new(keys),
            last_refresh: tokio::sync::Mutex::new(None),
            min_refresh: Duration::MAX,
        }
    }

    async fn load(source: KeySource, min_refresh: Duration) -> Result<Self, KeyError> {
        let keys = match fetch_jwks(&source).await? {
            Some(set) => pinned_keys(&set)?,
            None => HashMap::new(),
        };
        if keys.is_empty() {
            return Err(KeyError::Jwks(
                "no RSA, P-256 or Ed25519 key with a kid".into(),
            ));
        }
        // The load at start does not count as a refresh: a key rotated in soon after the start
        // must still be picked up by the first token that names it.
        Ok(Self {
            source,
            keys: RwLock::new(keys),
            last_refresh: tokio::sync::Mutex::new(None),
            min_refresh,
        })
    }

    fn cached(&self, kid: &str) -> Option<Arc<PinnedKey>> {
        self.keys
            .read()
            .ok()
            .and_then(|keys| keys.get(kid).cloned())
    }

    /// The key for `kid`, refreshing the set once if it is unknown and the last refresh is old
    /// enough. A failed refresh keeps the keys we have.
    async fn key(&self, kid: &str) -> Option<Arc<PinnedKey>> {
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

/// The development signing key: a random secret kept under the data directory.
#[derive(Clone)]
pub struct DevKey(Vec<u8>);

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevKey(…)")
    }
}

impl DevKey {
    const FILE: &'static str = "dev-signing-key";

    /// Reads the key under `data_dir`, creating it (mode 0600) on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = data_dir.join(Self::FILE);
        let read_error = |source| KeyError::Read {
            path: path.display().to_string(),
            source,
        };
        if let Ok(text) = std::fs::read_to_string(&path) {
            return hex::decode(text.trim())
                .map(DevKey)
                .map_err(|_| KeyError::Jwks("development key file is corrupt".into()));
        }
        std::fs::create_dir_all(data_dir).map_err(read_error)?;
        let secret: [u8; 32] = rand::random();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(read_error)?;
        file.write_all(hex::encode(secret).as_bytes())
            .map_err(read_error)?;
        Ok(DevKey(secret.to_vec()))
    }

    /// Reads an existing key; `None` if there is none yet.
    pub fn load(data_dir: &Path) -> Result<Option<Self>, KeyError> {
        match std::fs::read_to_string(data_dir.join(Self::FILE)) {
            Ok(text) => hex::decode(text.trim())
                .map(|bytes| Some(DevKey(bytes)))
                .map_err(|_| KeyError::Jwks("development key file is corrupt".into())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(KeyError::Read {
                path: data_dir.join(Self::FILE).display().to_string(),
                source,
            }),
        }
    }

    pub fn from_secret(secret: &[u8]) -> Self {
        Self(secret.to_vec())
    }

    /// Signs a development token for `subject` of the case-system `client`.
    pub fn issue(
        &self,
        audience: &str,
        subject: &str,
        client: &str,
        local_authority: &LocalAuthorityCode,
        scopes: &BTreeSet<Scope>,
        ttl_seconds: u64,
    ) -> Result<String, KeyError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: DEV_ISSUER.to_owned(),
            aud: audience.to_owned(),
            sub: subject.to_owned(),
            exp: now + ttl_seconds,
            iat: Some(now),
            nbf: None,
            la: local_authority.as_str().to_owned(),
            scope: scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            azp: Some(client.to_owned()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("dev".to_owned());
        Ok(jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(&self.0)?,
        )?)
    }
}

impl TokenVerifier {
    /// Accepts only tokens signed with the development key.
    pub fn development(key: &DevKey, audience: &str, leeway: u64) -> Result<Self, KeyError> {
        let mut keys = HashMap::new();
        keys.insert(
            "dev".to_owned(),
            Arc::new(PinnedKey {
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(&key.0)?,
            }),
        );
        let issuer = TrustedIssuer {
            audience: audience.to_owned(),
            local_authorities: None,
            keys: KeySet::fixed(keys),
        };
        Ok(Self {
            issuers: Arc::new(HashMap::from([(DEV_ISSUER.to_owned(), issuer)])),
            leeway,
        })
    }

    /// Accepts tokens of one issuer whose keys are in a JWKS file, for any authority.
    pub fn from_jwks_file(
        path: &Path,
        issuer: &str,
        audience: &str,
        leeway: u64,
    ) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let set: JwkSet =
            serde_json::from_str(&text).map_err(|error| KeyError::Jwks(error.to_string()))?;
        let keys = pinned_keys(&set)?;
        if keys.is_empty() {
            return Err(KeyError::Jwks(
                "no RSA, P-256 or Ed25519 key with a kid".into(),
            ));
        }
        let trusted = TrustedIssuer {
            audience: audience.to_owned(),
            local_authorities: None,
            keys: KeySet {
                source: KeySource::File(path.to_path_buf()),
                keys: RwLock::new(keys),
                last_refresh: tokio::sync::Mutex::new(None),
                min_refresh: DEFAULT_MIN_REFRESH,
            },
        };
        Ok(Self {
            issuers: Arc::new(HashMap::from([(issuer.to_owned(), trusted)])),
            leeway,
        })
    }

    /// Accepts tokens of each configured issuer, for the authorities it may speak for. Keys are
    /// loaded now (a misconfigured issuer stops the start) and refreshed on unknown `kid`s at
    /// most once per `min_refresh`.
    pub async fn from_issuers(
        issuers: &[IssuerConfig],
        default_audience: &str,
        leeway: u64,
        min_refresh: Duration,
    ) -> Result<Self, KeyError> {
        let mut trusted = HashMap::new();
        for config in issuers {
            let source = match (&config.jwks_file, &config.jwks_url) {
                (Some(path), None) => KeySource::File(path.clone()),
                (None, Some(url)) => {
                    check_jwks_url(url)?;
                    KeySource::Url(url.clone())
                }
                _ => {
                    return Err(KeyError::Jwks(format!(
                        "issuer {} needs exactly one of jwksFile and jwksUrl",
                        config.issuer
                    )))
                }
            };
            let mut authorities = BTreeSet::new();
            for code in &config.local_authorities {
                let parsed = LocalAuthorityCode::parse(code)
                    .map_err(|_| KeyError::Jwks(format!("{code:?} is not a GSS code")))?;
                authorities.insert(parsed.as_str().to_owned());
            }
            let issuer = TrustedIssuer {
                audience: config
                    .audience
                    .clone()
                    .unwrap_or_else(|| default_audience.to_owned()),
                local_authorities: (!authorities.is_empty()).then_some(authorities),
                keys: KeySet::load(source, min_refresh).await?,
            };
            if trusted.insert(config.issuer.clone(), issuer).is_some() {
                return Err(KeyError::Jwks(format!(
                    "issuer {} is configured twice",
                    config.issuer
                )));
            }
        }
        if trusted.is_empty() {
            return Err(KeyError::Jwks("no trusted issuer configured".into()));
        }
        Ok(Self {
            issuers: Arc::new(trusted),
            leeway,
        })
    }

    /// Verifies signature, issuer, audience, expiry and not-before, and reads the principal. The
    /// issuer must be trusted and allowed to speak for the token's authority; whether the service
    /// serves that authority is the caller's question.
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        Ok(self.verify_with_expiry(token).await?.0)
    }

    /// [`TokenVerifier::verify`], with the moment the token stops being accepted (seconds since
    /// the epoch: `exp` plus the clock-skew leeway, as for a request): for connections that
    /// outlive a request and must end when their token does.
    pub async fn verify_with_expiry(&self, token: &str) -> Result<(Principal, u64), TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        // The issuer picks the keys; it is read unverified here and verified with them below.
        let issuer_name = unverified_issuer(token).ok_or(TokenError::UnknownIssuer)?;
        let issuer = self
            .issuers
            .get(&issuer_name)
            .ok_or(TokenError::UnknownIssuer)?;
        let pinned = issuer.keys.key(kid).await.ok_or(TokenError::UnknownKey)?;
        if header.alg != pinned.algorithm {
            return Err(TokenError::UnknownKey);
        }
        let mut validation = Validation::new(pinned.algorithm);
        validation.set_issuer(&[&issuer_name]);
        validation.set_audience(&[&issuer.audience]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(token, &pinned.key, &validation)?;
        let claims = data.claims;
        // Exactly a GSS code: a claim with stray spaces is an issuer's mistake to refuse, not to
        // repair.
        let local_authority = LocalAuthorityCode::parse(&claims.la)
            .ok()
            .filter(|code| code.as_str() == claims.la)
            .ok_or(TokenError::BadLocalAuthority)?;
        if issuer
            .local_authorities
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(local_authority.as_str()))
        {
            return Err(TokenError::AuthorityNotAllowedForIssuer);
        }
        let principal = Principal {
            subject: claims.sub,
            client: claims.azp,
            local_authority,
            scopes: Principal::parse_scopes(&claims.scope),
        };
        // A connection lives as long as a request with the same token would still be accepted,
        // so a client whose clock runs behind ours is not cut off sooner on one than the other.
        Ok((principal, claims.exp.saturating_add(self.leeway)))
    }
}

/// How often an issuer's keys may be refetched for an unknown `kid`, by default.
pub const DEFAULT_MIN_REFRESH: Duration = Duration::from_secs(60);

/// The `iss` claim of a token, read without verifying anything.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("iss")?.as_str().map(str::to_owned)
}

/// Fails at start, not at the first request, if the JWT library has no crypto backend.
pub fn check_crypto_provider() -> Result<(), KeyError> {
    if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_some() {
        Ok(())
    } else {
        Err(KeyError::Jwks("no JWT crypto provider compiled in".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_development_token_names_the_client_it_was_issued_for() {
        let key = DevKey::from_secret(&[7; 32]);
        let verifier = TokenVerifier::development(&key, "stable-futures", 0).expect("verifier");
        let islington = LocalAuthorityCode::parse("E09000019").expect("code");
        let scopes = BTreeSet::from([Scope::ChildrenRead]);
        for client in [DEV_CLIENT, "mosaic-test"] {
            let token = key
                .issue("stable-futures", "worker", client, &islington, &scopes, 60)
                .expect("token");
            let principal = verifier.verify(&token).await.expect("accepted");
            assert_eq!(principal.client.as_deref(), Some(client));
            assert_eq!(principal.client_or_subject(), client);
        }
    }
}
