//! The verifier: a token in, the caller's principal out, or why not.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Validation;
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::{AggregatePrincipal, Principal};

use serde_json::{Map, Value};

use super::development::{DevKey, DEV_ISSUER};
use super::keys::{IssuerConfig, KeyError, KeySet};
use super::mapping::{exact_code, ClaimMapping, Refusal, Speaks};

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
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
    #[error("token names two different clients in its client claims, or one that is not a string")]
    ConflictingClients,
    #[error("token's type (typ) is not an access token's")]
    NotAnAccessToken,
    #[error(
        "token is an ID token (nonce, at_hash, or the client as its audience), not an access token"
    )]
    IdToken,
    #[error("token names a key of another trusted issuer than its own")]
    KeyOfAnotherIssuer,
    #[error("token's subject (sub) is not a string")]
    BadSubject,
    #[error("token's tenant and client are not in its issuer's table of authorities")]
    NoAuthorityForTenantAndClient,
    #[error("token's issuer may not speak for the local authority it names")]
    AuthorityNotAllowedForIssuer,
    #[error("token names both la and la_set, or neither, or la_set where its issuer's mapping decides the authority")]
    AuthorityClaims,
    #[error("token's issuer may not speak for several local authorities, or not for these")]
    AggregateNotAllowedForIssuer,
    #[error("token for several local authorities used where one is needed")]
    AggregateToken,
}

impl From<Refusal> for TokenError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::ConflictingClients => Self::ConflictingClients,
            Refusal::BadLocalAuthority => Self::BadLocalAuthority,
            Refusal::AuthorityClaims => Self::AuthorityClaims,
            Refusal::AuthorityNotAllowedForIssuer => Self::AuthorityNotAllowedForIssuer,
            Refusal::NoAuthorityForTenantAndClient => Self::NoAuthorityForTenantAndClient,
        }
    }
}

/// The most authorities one token for reports across authorities may name.
pub const MAX_AGGREGATE_AUTHORITIES: usize = 100;

/// What a verified token establishes: a caller for one authority, or a reader of aggregates over
/// several.
#[derive(Debug, Clone)]
pub enum Verified {
    Tenant(Principal),
    Aggregate(AggregatePrincipal),
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
/// An identity provider the service trusts, and the local authorities it may speak for.
struct TrustedIssuer {
    audience: String,
    /// `None`: any authority the service serves.
    local_authorities: Option<BTreeSet<String>>,
    /// The authorities its tokens may read aggregates over together (`la_set`). `None`: any (the
    /// development issuer); empty: none.
    aggregate_local_authorities: Option<BTreeSet<String>>,
    keys: KeySet,
    /// Where its tokens carry scopes, client and authority.
    mapping: ClaimMapping,
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

impl TokenVerifier {
    /// Accepts only tokens signed with the development key.
    pub fn development(key: &DevKey, audience: &str, leeway: u64) -> Result<Self, KeyError> {
        let issuer = TrustedIssuer {
            audience: audience.to_owned(),
            local_authorities: None,
            aggregate_local_authorities: None,
            keys: KeySet::development(key.secret())?,
            mapping: ClaimMapping::default(),
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
        let trusted = TrustedIssuer {
            audience: audience.to_owned(),
            local_authorities: None,
            aggregate_local_authorities: Some(BTreeSet::new()),
            keys: KeySet::read_file(path)?,
            mapping: ClaimMapping::default(),
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
            let codes = |list: &[String]| -> Result<BTreeSet<String>, KeyError> {
                list.iter()
                    .map(|code| {
                        LocalAuthorityCode::parse(code)
                            .map(|parsed| parsed.as_str().to_owned())
                            .map_err(|_| KeyError::Jwks(format!("{code:?} is not a GSS code")))
                    })
                    .collect()
            };
            let authorities = codes(&config.local_authorities)?;
            let aggregate = codes(&config.aggregate_local_authorities)?;
            let mapping = ClaimMapping::new(
                &config.issuer,
                &config.scope_claims,
                &config.scope_names,
                &config.client_claims,
                &config.local_authority,
            )
            .map_err(|error| KeyError::Jwks(error.to_string()))?;
            if let Some(outside) = mapping
                .configured_authorities()
                .into_iter()
                .find(|code| !authorities.is_empty() && !authorities.contains(code.as_str()))
            {
                return Err(KeyError::Jwks(format!(
                    "issuer {}: localAuthority names {outside}, which is not in its localAuthorities",
                    config.issuer
                )));
            }
            let issuer = TrustedIssuer {
                audience: config
                    .audience
                    .clone()
                    .unwrap_or_else(|| default_audience.to_owned()),
                local_authorities: (!authorities.is_empty()).then_some(authorities),
                aggregate_local_authorities: Some(aggregate),
                keys: KeySet::of_issuer(config, min_refresh).await?,
                mapping,
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
        match self.verify_any(token).await? {
            (Verified::Tenant(principal), expires) => Ok((principal, expires)),
            (Verified::Aggregate(_), _) => Err(TokenError::AggregateToken),
        }
    }

    /// [`TokenVerifier::verify_with_expiry`] for a token of either kind: one authority (`la`) or
    /// several (`la_set`, which the issuer must be allowed for each of).
    pub async fn verify_any(&self, token: &str) -> Result<(Verified, u64), TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let header = jsonwebtoken::decode_header(token)?;
        if !is_access_token_type(header.typ.as_deref()) {
            return Err(TokenError::NotAnAccessToken);
        }
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        // The issuer picks the keys; it is read unverified here and verified with them below.
        let issuer_name = unverified_issuer(token).ok_or(TokenError::UnknownIssuer)?;
        let issuer = self
            .issuers
            .get(&issuer_name)
            .ok_or(TokenError::UnknownIssuer)?;
        let Some(pinned) = issuer.keys.key(kid).await else {
            // Said apart in the log: a token signed by one trusted provider but claiming to be
            // another's is an attack or a serious misconfiguration, not a rotation.
            let another = self
                .issuers
                .iter()
                .any(|(name, other)| *name != issuer_name && other.keys.holds(kid));
            return Err(if another {
                TokenError::KeyOfAnotherIssuer
            } else {
                TokenError::UnknownKey
            });
        };
        if header.alg != pinned.algorithm {
            return Err(TokenError::UnknownKey);
        }
        let mut validation = Validation::new(pinned.algorithm);
        validation.set_issuer(&[&issuer_name]);
        validation.set_audience(&[&issuer.audience]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        let claims =
            jsonwebtoken::decode::<Map<String, Value>>(token, &pinned.key, &validation)?.claims;
        // Already checked present and in the future by the library.
        let exp = claims
            .get("exp")
            .and_then(Value::as_u64)
            .unwrap_or_default();
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or(TokenError::BadSubject)?
            .to_owned();
        let client = issuer.mapping.client(&claims)?;
        if is_id_token(&claims, client.as_deref()) {
            return Err(TokenError::IdToken);
        }
        // A connection lives as long as a request with the same token would still be accepted,
        // so a client whose clock runs behind ours is not cut off sooner on one than the other.
        let expires = exp.saturating_add(self.leeway);
        let scopes = issuer.mapping.scopes(&issuer_name, &claims);
        let verified = match issuer.mapping.speaks(&claims, client.as_deref())? {
            Speaks::For(local_authority) => {
                if issuer
                    .local_authorities
                    .as_ref()
                    .is_some_and(|allowed| !allowed.contains(local_authority.as_str()))
                {
                    return Err(TokenError::AuthorityNotAllowedForIssuer);
                }
                Verified::Tenant(Principal {
                    subject,
                    client,
                    local_authority,
                    scopes,
                })
            }
            Speaks::ForSet(set) => {
                if set.is_empty() || set.len() > MAX_AGGREGATE_AUTHORITIES {
                    return Err(TokenError::BadLocalAuthority);
                }
                let local_authorities: BTreeSet<LocalAuthorityCode> = set
                    .iter()
                    .map(|la| exact_code(la).ok_or(TokenError::BadLocalAuthority))
                    .collect::<Result<_, _>>()?;
                if local_authorities.len() != set.len() {
                    return Err(TokenError::BadLocalAuthority);
                }
                let allowed = |code: &LocalAuthorityCode| {
                    issuer
                        .aggregate_local_authorities
                        .as_ref()
                        .is_none_or(|allowed| allowed.contains(code.as_str()))
                };
                if !local_authorities.iter().all(allowed) {
                    return Err(TokenError::AggregateNotAllowedForIssuer);
                }
                Verified::Aggregate(AggregatePrincipal {
                    subject,
                    client,
                    local_authorities,
                    scopes,
                })
            }
        };
        Ok((verified, expires))
    }
}
/// A JWT access token's `typ`: none, plain `JWT`, or RFC 9068's `at+jwt` (media types are
/// case-insensitive and may carry the `application/` prefix, RFC 7515 §4.1.9). Any other type
/// (`logout+jwt`, `dpop+jwt`, a security event) is a token for something else.
fn is_access_token_type(typ: Option<&str>) -> bool {
    let Some(typ) = typ else {
        return true;
    };
    let typ = typ.to_ascii_lowercase();
    let typ = typ.strip_prefix("application/").unwrap_or(&typ);
    typ == "jwt" || typ == "at+jwt"
}

/// An OpenID Connect ID token says who signed in to a client, and is addressed to that client:
/// accepted as an access token, any client holding a user's ID token could call us as them. It
/// carries `nonce` or `at_hash` (OpenID Connect Core §2, §3.1.3.6), or names the client as its
/// audience.
fn is_id_token(claims: &Map<String, Value>, client: Option<&str>) -> bool {
    if claims.contains_key("nonce") || claims.contains_key("at_hash") {
        return true;
    }
    let Some(client) = client else {
        return false;
    };
    match claims.get("aud") {
        Some(Value::String(audience)) => audience == client,
        Some(Value::Array(audiences)) => audiences.iter().any(|a| a.as_str() == Some(client)),
        _ => false,
    }
}

/// The `iss` claim of a token, read without verifying anything.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
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
    use super::super::development::DEV_CLIENT;
    use super::*;
    use serde_json::json;
    use stable_futures_domain::principal::Scope;

    #[test]
    fn only_an_access_tokens_types_are_accepted() {
        for accepted in [
            None,
            Some("JWT"),
            Some("jwt"),
            Some("at+jwt"),
            Some("application/at+jwt"),
            Some("AT+JWT"),
            Some("application/jwt"),
        ] {
            assert!(is_access_token_type(accepted), "{accepted:?}");
        }
        for refused in [
            "logout+jwt",
            "dpop+jwt",
            "secevent+jwt",
            "application/logout+jwt",
            "",
            "at+jwt ",
        ] {
            assert!(!is_access_token_type(Some(refused)), "{refused}");
        }
    }

    #[test]
    fn an_id_token_is_told_by_its_nonce_its_at_hash_or_its_client_audience() {
        let claims = |value: Value| match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        assert!(!is_id_token(
            &claims(json!({ "aud": "stable-futures" })),
            Some("mosaic")
        ));
        assert!(!is_id_token(
            &claims(json!({ "aud": ["stable-futures", "other"] })),
            Some("mosaic")
        ));
        assert!(!is_id_token(&claims(json!({ "aud": "mosaic" })), None));
        assert!(is_id_token(
            &claims(json!({ "aud": "stable-futures", "nonce": "n" })),
            None
        ));
        assert!(is_id_token(
            &claims(json!({ "aud": "stable-futures", "at_hash": "h" })),
            None
        ));
        assert!(is_id_token(
            &claims(json!({ "aud": "mosaic" })),
            Some("mosaic")
        ));
        assert!(is_id_token(
            &claims(json!({ "aud": ["stable-futures", "mosaic"] })),
            Some("mosaic")
        ));
    }

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
