//! The claims of a token: as issued (development tokens, tests) and as received from any issuer.

use serde::{Deserialize, Serialize};

/// The claims of a token as this service issues them (development mode and tests).
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
    /// The local authority the token speaks for (GSS code); empty for a token with `la_set`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub la: String,
    /// The local authorities a token for reports across authorities speaks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub la_set: Option<Vec<String>>,
    #[serde(default)]
    pub scope: String,
    /// The case-system client (OAuth `azp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
}

/// The claims read from a verified token. Issuers differ in two places: `aud` may be one
/// string or an array (RFC 7519 §4.1.3; the library has already checked ours is in it), and the
/// client is `azp` (OpenID Connect) or `client_id` (RFC 9068 access tokens).
#[derive(Debug, Deserialize)]
pub(super) struct ReceivedClaims {
    pub sub: String,
    pub exp: u64,
    /// One local authority (a case system's token)…
    #[serde(default)]
    pub la: Option<String>,
    /// …or several, for reports across authorities only.
    #[serde(default)]
    pub la_set: Option<Vec<String>>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
}

/// A token naming two different clients: which one to record in the audit trail is not ours to
/// guess.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ConflictingClients;

impl ReceivedClaims {
    /// The case-system client: `azp`, else `client_id`; both present must agree.
    pub fn client(&self) -> Result<Option<String>, ConflictingClients> {
        match (&self.azp, &self.client_id) {
            (Some(azp), Some(client_id)) if azp != client_id => Err(ConflictingClients),
            (Some(client), _) | (None, Some(client)) => Ok(Some(client.clone())),
            (None, None) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(azp: Option<&str>, client_id: Option<&str>) -> ReceivedClaims {
        ReceivedClaims {
            sub: "worker".into(),
            exp: 0,
            la: Some("E09000019".into()),
            la_set: None,
            scope: String::new(),
            azp: azp.map(str::to_owned),
            client_id: client_id.map(str::to_owned),
        }
    }

    #[test]
    fn the_client_is_azp_else_client_id_and_both_must_agree() {
        assert_eq!(received(None, None).client(), Ok(None));
        assert_eq!(received(Some("a"), None).client(), Ok(Some("a".into())));
        assert_eq!(received(None, Some("b")).client(), Ok(Some("b".into())));
        assert_eq!(
            received(Some("a"), Some("a")).client(),
            Ok(Some("a".into()))
        );
        assert_eq!(
            received(Some("a"), Some("b")).client(),
            Err(ConflictingClients)
        );
    }
}
