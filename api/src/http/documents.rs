//! Trusted documents at request time: a request may name a registered document instead of
//! sending its text (`documentId`, or Apollo's `extensions.persistedQuery`), and in production
//! (`SF_TRUSTED_DOCUMENTS=registered`) only registered documents run at all.
//!
//! A registered document is parsed and checked against the document limits once per replica and
//! kept (`Registered`), so a request by id pays neither again. The engine's own validation
//! still runs per request: async-graphql offers no way to skip it short of an extension, and an
//! extension would cost every field of every request.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use stable_futures_domain::documents::DocumentId;
use stable_futures_persistence::Database;

use super::parsing::{prepare_document, refused};
use crate::config::DocumentPolicy;
use crate::graphql::errors::ApiError;
use crate::graphql::limits::{DocumentFacts, DocumentLimits};

/// Most documents kept parsed per replica (a client's manifest is tens to hundreds).
const CACHED_DOCUMENTS: usize = 4096;

/// One operation of a request body: the request, and the document it names, if any.
#[derive(Debug)]
pub(super) struct Incoming {
    pub request: async_graphql::Request,
    pub document_id: Option<DocumentId>,
}

/// A registered document, parsed and within the limits.
#[derive(Debug)]
pub(super) struct Registered {
    pub id: DocumentId,
    pub body: String,
    pub document: Arc<ExecutableDocument>,
    pub facts: DocumentFacts,
}

/// The registered documents this replica has looked up, by client and id.
pub(super) struct TrustedDocuments {
    policy: DocumentPolicy,
    cache: quick_cache::sync::Cache<(String, DocumentId), Arc<Registered>>,
}

impl std::fmt::Debug for TrustedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedDocuments")
            .field("policy", &self.policy)
            .field("cached", &self.cache.len())
            .finish()
    }
}

impl TrustedDocuments {
    pub(super) fn policy(&self) -> DocumentPolicy {
        self.policy
    }

    pub(super) fn new(policy: DocumentPolicy) -> Self {
        Self {
            policy,
            cache: quick_cache::sync::Cache::new(CACHED_DOCUMENTS),
        }
    }

    /// The registered document `incoming` names or, when only registered documents may run, the
    /// one its text is; `None` for a text the policy lets run unregistered. A document `client`
    /// has not registered is refused with `PERSISTED_QUERY_NOT_FOUND`.
    pub(super) async fn resolve(
        &self,
        database: &Database,
        limits: &DocumentLimits,
        client: &str,
        incoming: &Incoming,
    ) -> Result<Option<Arc<Registered>>, async_graphql::ServerError> {
        let text = &incoming.request.query;
        let id = match (&incoming.document_id, self.policy) {
            (Some(id), _) => {
                // Apollo's clients send the text with its hash once the server said it did not
                // know the hash; the two must agree, or the id would name another operation.
                if !text.is_empty() && DocumentId::of(text) != *id {
                    return Err(refused(&ApiError::BadUserInput(
                        "the document id is not the SHA-256 of the query sent with it".to_owned(),
                    )));
                }
                id.clone()
            }
            (None, DocumentPolicy::Any) => return Ok(None),
            (None, DocumentPolicy::Registered) => DocumentId::of(text),
        };
        let key = (client.to_owned(), id);
        if let Some(registered) = self.cache.get(&key) {
            return Ok(Some(registered));
        }
        let body = match database.trusted_document(client, &key.1).await {
            Ok(Some(body)) => body,
            Ok(None) => return Err(refused(&ApiError::PersistedQueryNotFound)),
            Err(error) => return Err(refused(&ApiError::from(error))),
        };
        let (document, facts) = prepare_document(limits, &body)?;
        let registered = Arc::new(Registered {
            id: key.1.clone(),
            body,
            document: Arc::new(document),
            facts,
        });
        self.cache.insert(key, Arc::clone(&registered));
        Ok(Some(registered))
    }
}

/// The id of Apollo's `extensions.persistedQuery` (`{"version": 1, "sha256Hash": "…"}`), if the
/// request has one.
pub(super) fn persisted_query_id(
    request: &async_graphql::Request,
) -> Result<Option<DocumentId>, String> {
    use async_graphql::Value;
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    const SHAPE: &str =
        "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}";
    let Value::Object(persisted) = persisted else {
        return Err(SHAPE.to_owned());
    };
    match (persisted.get("version"), persisted.get("sha256Hash")) {
        (Some(Value::Number(version)), Some(Value::String(hash)))
            if version.as_u64() == Some(1) =>
        {
            DocumentId::parse(hash)
                .map(Some)
                .map_err(|_| SHAPE.to_owned())
        }
        _ => Err(SHAPE.to_owned()),
    }
}

/// A `documentId` member of a request object (`sha256:<64 hex digits>`), if it has one.
pub(super) fn document_id_member(object: &serde_json::Value) -> Result<Option<DocumentId>, String> {
    match object.get("documentId") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(id)) => DocumentId::parse(id)
            .map(Some)
            .map_err(|error| error.to_string()),
        Some(_) => Err("documentId must be a string, `sha256:` and 64 hex digits".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(extensions: serde_json::Value) -> async_graphql::Request {
        serde_json::from_value(serde_json::json!({"query": "", "extensions": extensions}))
            .expect("a request")
    }

    const HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn reads_apollos_persisted_query_extension() {
        let id = persisted_query_id(&request(
            serde_json::json!({"persistedQuery": {"version": 1, "sha256Hash": HASH}}),
        ));
        assert_eq!(id, Ok(Some(DocumentId::of(""))));
        assert_eq!(
            persisted_query_id(&request(serde_json::json!({}))),
            Ok(None)
        );
        for bad in [
            serde_json::json!({"persistedQuery": {"version": 2, "sha256Hash": HASH}}),
            serde_json::json!({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}),
            serde_json::json!({"persistedQuery": {"version": 1}}),
            serde_json::json!({"persistedQuery": HASH}),
        ] {
            assert!(persisted_query_id(&request(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_a_document_id_member() {
        let with = |id: serde_json::Value| serde_json::json!({"documentId": id});
        assert_eq!(
            document_id_member(&with(format!("sha256:{HASH}").into())),
            Ok(Some(DocumentId::of("")))
        );
        assert_eq!(document_id_member(&serde_json::json!({})), Ok(None));
        assert_eq!(document_id_member(&with(serde_json::Value::Null)), Ok(None));
        assert!(document_id_member(&with("sha256:abc".into())).is_err());
        assert!(document_id_member(&with(7.into())).is_err());
    }
}
