//! Who is calling: the bearer token verified and its local authority looked up, in one place for
//! `POST /graphql` and for a subscription's `connection_init`.

use axum::http::{header, HeaderMap};
use stable_futures_domain::local_authority::LocalAuthority;
use stable_futures_domain::principal::{AggregatePrincipal, Principal};

use super::state::Inner;
use crate::auth::{TokenError, Verified};
use crate::graphql::errors::ApiError;

/// A caller the service will answer.
pub(super) struct Caller {
    pub principal: Principal,
    pub local_authority: LocalAuthority,
    /// When the token stops being accepted (seconds since the epoch, leeway included).
    pub expires: u64,
}

/// Why a caller is not answered.
pub(super) enum Refusal {
    /// The token, or the authority it names: why is logged by the handler, never answered.
    Unauthenticated(TokenError),
    /// The authority could not be looked up (the database is down).
    Unavailable(ApiError),
}

/// Verifies `token` (or the reason there is none) and finds the authority it speaks for.
pub(super) async fn identify(
    state: &Inner,
    token: Result<&str, TokenError>,
) -> Result<Caller, Refusal> {
    let (principal, expires) = match token {
        Ok(token) => state.verifier.verify_with_expiry(token).await,
        Err(reason) => Err(reason),
    }
    .map_err(Refusal::Unauthenticated)?;
    match state
        .authorities
        .get(principal.local_authority.as_str())
        .await
    {
        Ok(Some(local_authority)) => Ok(Caller {
            principal,
            local_authority,
            expires,
        }),
        Ok(None) => Err(Refusal::Unauthenticated(TokenError::UnknownLocalAuthority)),
        Err(error) => Err(Refusal::Unavailable(ApiError::from(error))),
    }
}

/// A caller of either kind: for one authority, or reading aggregates over several.
pub(super) enum AnyCaller {
    Tenant(Caller),
    Aggregate(AggregatePrincipal),
}

impl AnyCaller {
    /// The case-system client calling (its client id, else its token's subject): whose trusted
    /// documents and rate limit apply.
    pub(super) fn client(&self) -> &str {
        match self {
            AnyCaller::Tenant(caller) => caller.principal.client_or_subject(),
            AnyCaller::Aggregate(principal) => {
                principal.client.as_deref().unwrap_or(&principal.subject)
            }
        }
    }

    /// Whose share of the replica's turns a request takes: a client (its client id, else its
    /// subject) per local authority, or per set of authorities for a reader across them.
    pub(super) fn load_key(&self) -> String {
        match self {
            AnyCaller::Tenant(caller) => format!(
                "{}/{}",
                caller.principal.local_authority.as_str(),
                caller.principal.client_or_subject()
            ),
            AnyCaller::Aggregate(principal) => format!(
                "{}/{}",
                principal
                    .local_authorities
                    .iter()
                    .map(|code| code.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
                principal.client.as_deref().unwrap_or(&principal.subject)
            ),
        }
    }
}

/// [`identify`] for the endpoints a reader across authorities may use too (`POST /graphql`, the
/// CSV exports): each authority its token names must be one the service serves.
pub(super) async fn identify_any(
    state: &Inner,
    token: Result<&str, TokenError>,
) -> Result<AnyCaller, Refusal> {
    let token = token.map_err(Refusal::Unauthenticated)?;
    let (verified, expires) = state
        .verifier
        .verify_any(token)
        .await
        .map_err(Refusal::Unauthenticated)?;
    match verified {
        Verified::Tenant(principal) => {
            let local_authority = served(state, principal.local_authority.as_str()).await?;
            Ok(AnyCaller::Tenant(Caller {
                principal,
                local_authority,
                expires,
            }))
        }
        Verified::Aggregate(principal) => {
            for code in &principal.local_authorities {
                served(state, code.as_str()).await?;
            }
            Ok(AnyCaller::Aggregate(principal))
        }
    }
}

async fn served(state: &Inner, code: &str) -> Result<LocalAuthority, Refusal> {
    match state.authorities.get(code).await {
        Ok(Some(local_authority)) => Ok(local_authority),
        Ok(None) => Err(Refusal::Unauthenticated(TokenError::UnknownLocalAuthority)),
        Err(error) => Err(Refusal::Unavailable(ApiError::from(error))),
    }
}

/// The token of an `Authorization: Bearer …` header.
pub(super) fn bearer(headers: &HeaderMap) -> Result<&str, TokenError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(TokenError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(TokenError::Missing)?;
    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
        Ok(token.trim())
    } else {
        Err(TokenError::Missing)
    }
}
