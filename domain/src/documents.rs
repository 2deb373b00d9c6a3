//! Trusted documents: the operations a case system registers before it sends them, named by the
//! SHA-256 of their text (the GraphQL-over-HTTP draft's `documentId: "sha256:…"`, Apollo's
//! `persistedQuery.sha256Hash`). A registered document is the client's promise of what it will
//! ask; in production the service can refuse anything else.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `sha256:` and 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId(String);

/// Why a document id or a manifest is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("a document id is `sha256:` followed by 64 hex digits")]
    MalformedId,
    #[error("operation {index} of the manifest: its id is not the SHA-256 of its body")]
    HashMismatch { index: usize },
    #[error("operation {index} of the manifest has an empty body")]
    EmptyBody { index: usize },
    #[error("operation {index} of the manifest: {error}")]
    BadId {
        index: usize,
        error: Box<DocumentError>,
    },
    #[error("the manifest names no operation")]
    Empty,
    #[error("not a manifest: {0}")]
    NotAManifest(String),
}

impl DocumentId {
    /// Reads `sha256:<hex>` or, as Apollo's manifests and `persistedQuery` write it, bare hex.
    /// Upper-case hex is accepted and kept lower-case, so one document has one id.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let hex = text.strip_prefix("sha256:").unwrap_or(text);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DocumentError::MalformedId);
        }
        Ok(Self(format!("sha256:{}", hex.to_ascii_lowercase())))
    }

    /// The id of a document's exact text (no normalisation: a client sends what it registered).
    pub fn of(body: &str) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let mut id = String::with_capacity(71);
        id.push_str("sha256:");
        for byte in digest {
            id.push(char::from(HEX[usize::from(byte >> 4)]));
            id.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One operation of a manifest, its id checked against its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDocument {
    pub id: DocumentId,
    pub body: String,
}

/// Apollo's persisted-query manifest (`apollo-persisted-query-manifest`, version 1).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApolloManifest {
    format: String,
    version: u32,
    operations: Vec<ApolloOperation>,
}

#[derive(Deserialize)]
struct ApolloOperation {
    id: String,
    body: String,
}

/// Reads a manifest: Apollo's format, or the flat map of id to text that GraphQL Code
/// Generator's and Relay's persisted-document output write. Every id must be the SHA-256 of its
/// text: a manifest that says otherwise is refused whole, so nothing is registered under a name
/// that is not its own.
pub fn read_manifest(json: &str) -> Result<Vec<TrustedDocument>, DocumentError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| DocumentError::NotAManifest(e.to_string()))?;
    let pairs: Vec<(String, String)> = if value.get("format").is_some() {
        let manifest: ApolloManifest = serde_json::from_value(value)
            .map_err(|e| DocumentError::NotAManifest(e.to_string()))?;
        if manifest.format != "apollo-persisted-query-manifest" || manifest.version != 1 {
            return Err(DocumentError::NotAManifest(
                "the format is not apollo-persisted-query-manifest version 1".to_owned(),
            ));
        }
        manifest
            .operations
            .into_iter()
            .map(|operation| (operation.id, operation.body))
            .collect()
    } else {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_value(value)
            .map_err(|_| {
                DocumentError::NotAManifest(
                    "expected an Apollo manifest or an object of id to document text".to_owned(),
                )
            })?;
        map.into_iter()
            .map(|(id, body)| match body {
                serde_json::Value::String(body) => Ok((id, body)),
                _ => Err(DocumentError::NotAManifest(format!(
                    "the value of {id} is not a document's text"
                ))),
            })
            .collect::<Result<_, _>>()?
    };
    if pairs.is_empty() {
        return Err(DocumentError::Empty);
    }
    pairs
        .into_iter()
        .enumerate()
        .map(|(index, (id, body))| {
            let id = DocumentId::parse(&id).map_err(|error| DocumentError::BadId {
                index,
                error: Box::new(error),
            })?;
            if body.trim().is_empty() {
                return Err(DocumentError::EmptyBody { index });
            }
            if DocumentId::of(&body) != id {
                return Err(DocumentError::HashMismatch { index });
            }
            Ok(TrustedDocument { id, body })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "query Children { children(first: 2) { nodes { id } } }";

    #[test]
    fn an_id_is_the_sha256_of_the_exact_text() {
        // FIPS 180-2's test vectors.
        assert_eq!(
            DocumentId::of("abc").as_str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            DocumentId::of("").as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(DocumentId::of(QUERY), DocumentId::of(&format!("{QUERY} ")));
    }

    fn sha256_hex(text: &str) -> String {
        DocumentId::of(text).as_str()[7..].to_owned()
    }

    #[test]
    fn ids_are_read_with_or_without_the_prefix_and_kept_lower_case() {
        let hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        let id = DocumentId::parse(hex).unwrap();
        assert_eq!(id, DocumentId::of(""));
        assert_eq!(DocumentId::parse(&format!("sha256:{hex}")).unwrap(), id);
        assert_eq!(id.to_string(), id.as_str());
        for bad in [
            "",
            "sha256:",
            &hex[1..],
            &format!("{hex}0"),
            &format!("md5:{hex}"),
            &format!("sha256:{}g", &hex[1..]),
        ] {
            assert_eq!(
                DocumentId::parse(bad),
                Err(DocumentError::MalformedId),
                "{bad}"
            );
        }
    }

    fn apollo(operations: serde_json::Value) -> String {
        serde_json::json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": operations,
        })
        .to_string()
    }

    #[test]
    fn reads_apollo_manifests_and_flat_maps() {
        let id = sha256_hex(QUERY);
        let manifest = apollo(serde_json::json!([
            {"id": id, "name": "Children", "type": "query", "body": QUERY}
        ]));
        let expected = vec![TrustedDocument {
            id: DocumentId::of(QUERY),
            body: QUERY.to_owned(),
        }];
        assert_eq!(read_manifest(&manifest).unwrap(), expected);
        let flat = serde_json::json!({ format!("sha256:{id}"): QUERY }).to_string();
        assert_eq!(read_manifest(&flat).unwrap(), expected);
    }

    #[test]
    fn refuses_a_manifest_whose_ids_are_not_their_texts() {
        let other = sha256_hex("query Other { __typename }");
        let manifest = apollo(serde_json::json!([
            {"id": sha256_hex(QUERY), "body": QUERY},
            {"id": other, "body": QUERY},
        ]));
        assert_eq!(
            read_manifest(&manifest),
            Err(DocumentError::HashMismatch { index: 1 })
        );
        let bad_id = apollo(serde_json::json!([{"id": "abc", "body": QUERY}]));
        assert!(matches!(
            read_manifest(&bad_id),
            Err(DocumentError::BadId { index: 0, .. })
        ));
        let empty_body = serde_json::json!({ sha256_hex("  "): "  " }).to_string();
        assert_eq!(
            read_manifest(&empty_body),
            Err(DocumentError::EmptyBody { index: 0 })
        );
    }

    #[test]
    fn refuses_what_is_not_a_manifest() {
        assert_eq!(read_manifest("{}"), Err(DocumentError::Empty));
        assert_eq!(
            read_manifest(&apollo(serde_json::json!([]))),
            Err(DocumentError::Empty)
        );
        for bad in [
            "[]",
            "not json",
            r#"{"a": 1}"#,
            r#"{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}"#,
            r#"{"format": "other", "version": 1, "operations": []}"#,
        ] {
            assert!(
                matches!(read_manifest(bad), Err(DocumentError::NotAManifest(_))),
                "{bad}"
            );
        }
    }
}
