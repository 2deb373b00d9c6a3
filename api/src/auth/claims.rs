//! The claims of a token as this service issues them (development tokens, tests); tokens from
//! other issuers are read through their issuer's claim mapping (`mapping`).

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
