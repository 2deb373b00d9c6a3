//! The development signing key: tokens for GraphiQL and local testing, never trusted in
//! production mode.

use std::collections::BTreeSet;
use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Scope;

use super::claims::Claims;
use super::keys::KeyError;

/// Issuer of development tokens.
pub const DEV_ISSUER: &str = "stable-futures-dev";

/// The `azp` of development tokens unless `token --client` names another.
pub const DEV_CLIENT: &str = "stable-futures-dev";
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

    pub(super) fn secret(&self) -> &[u8] {
        &self.0
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
        self.sign(
            audience,
            subject,
            client,
            (local_authority.as_str().to_owned(), None),
            scopes,
            ttl_seconds,
        )
    }

    /// Signs a development token for reports across `local_authorities` (`la_set`).
    pub fn issue_for_authorities(
        &self,
        audience: &str,
        subject: &str,
        client: &str,
        local_authorities: &[LocalAuthorityCode],
        scopes: &BTreeSet<Scope>,
        ttl_seconds: u64,
    ) -> Result<String, KeyError> {
        let set = local_authorities
            .iter()
            .map(|code| code.as_str().to_owned())
            .collect();
        self.sign(
            audience,
            subject,
            client,
            (String::new(), Some(set)),
            scopes,
            ttl_seconds,
        )
    }

    fn sign(
        &self,
        audience: &str,
        subject: &str,
        client: &str,
        (la, la_set): (String, Option<Vec<String>>),
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
            la,
            la_set,
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
