//! Bearer tokens: verification (production keys from a JWKS file, or the development key) and,
//! in development, issuing.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::{Principal, Scope};

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Issuer of development tokens.
pub const DEV_ISSUER: &str = "stable-futures-dev";

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
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("token names a malformed local authority")]
    BadLocalAuthority,
    #[error("token names a local authority this service does not serve")]
    UnknownLocalAuthority,
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

struct PinnedKey {
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Checks tokens against a fixed set of keys, each pinned to one algorithm.
#[derive(Clone)]
pub struct TokenVerifier {
    /// Keys by `kid`. The development key has the id `dev`.
    keys: Arc<HashMap<String, PinnedKey>>,
    issuer: String,
    audience: String,
    leeway: u64,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
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

    /// Signs a development token.
    pub fn issue(
        &self,
        audience: &str,
        subject: &str,
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
            azp: Some("stable-futures-dev".to_owned()),
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
            PinnedKey {
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(&key.0)?,
            },
        );
        Ok(Self {
            keys: Arc::new(keys),
            issuer: DEV_ISSUER.to_owned(),
            audience: audience.to_owned(),
            leeway,
        })
    }

    /// Accepts tokens signed by a key of the JWKS file, each key pinned to the one algorithm its
    /// type allows (RSA: RS256; EC P-256: ES256). Keys without a `kid` or of other types are
    /// ignored; a file with no usable key is an error.
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
                _ => continue,
            };
            keys.insert(
                kid,
                PinnedKey {
                    algorithm,
                    key: DecodingKey::from_jwk(jwk)?,
                },
            );
        }
        if keys.is_empty() {
            return Err(KeyError::Jwks("no RSA or P-256 key with a kid".into()));
        }
        Ok(Self {
            keys: Arc::new(keys),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway,
        })
    }

    /// Verifies signature, issuer, audience, expiry and not-before, and reads the principal. The
    /// local authority is only checked for shape here; whether the service serves it is the
    /// caller's question.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        let pinned = self.keys.get(kid).ok_or(TokenError::UnknownKey)?;
        if header.alg != pinned.algorithm {
            return Err(TokenError::UnknownKey);
        }
        let mut validation = Validation::new(pinned.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
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
        Ok(Principal {
            subject: claims.sub,
            client: claims.azp,
            local_authority,
            scopes: Principal::parse_scopes(&claims.scope),
        })
    }
}

/// Fails at start, not at the first request, if the JWT library has no crypto backend.
pub fn check_crypto_provider() -> Result<(), KeyError> {
    if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_some() {
        Ok(())
    } else {
        Err(KeyError::Jwks("no JWT crypto provider compiled in".into()))
    }
}
