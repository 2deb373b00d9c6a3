//! Bearer tokens: what a token must claim (`claims`), where the keys that verify it come from
//! (`keys`), the development key that signs tokens locally (`development`), and the verifier that
//! turns a token into the caller's principal (`verifier`), reading each issuer's claims where it
//! puts them (`mapping`).

mod claims;
mod development;
mod keys;
mod mapping;
mod verifier;

pub use claims::Claims;
pub use development::{DevKey, DEV_CLIENT, DEV_ISSUER};
pub use keys::{read_issuers_file, IssuerConfig, KeyError, DEFAULT_MIN_REFRESH};
pub use mapping::{AuthoritySourceConfig, TenantClientAuthority};
pub use verifier::{
    check_crypto_provider, TokenError, TokenVerifier, Verified, MAX_AGGREGATE_AUTHORITIES,
    MAX_TOKEN_BYTES,
};
