//! The body of `POST /graphql`: one JSON operation, or a batch when batching is configured.

use axum::http::{header, HeaderMap};
use stable_futures_domain::documents::DocumentId;

use super::documents::{document_id_member, persisted_query_id, Incoming};

/// Whether the body is declared as JSON (the only form accepted: a form post or plain text is a
/// browser's cross-site request, not a case system's).
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

pub(super) enum Requests {
    One(Box<Incoming>),
    Batch(Vec<Incoming>),
}

const DOCUMENT_ID_MEMBER: &[u8] = b"\"documentId\"";

const ONE: &str =
    "the body must be one JSON GraphQL request object, with a string `query` or a `documentId`";

/// The document a request object names (`documentId`, or Apollo's `persistedQuery` extension),
/// if any. `object` is the request's JSON, read only when the engine found no `query` in it.
fn named_document(
    request: &async_graphql::Request,
    object: Option<&serde_json::Value>,
) -> Result<Option<DocumentId>, String> {
    if let Some(id) = persisted_query_id(request)? {
        return Ok(Some(id));
    }
    match object {
        Some(object) => document_id_member(object),
        None => Ok(None),
    }
}

/// One request object: the engine's reading of it, and the document it names. A request with a
/// `query` and no `"documentId"` anywhere in it is read once; any other (by id, with both, or
/// malformed) is looked at a second time, for its `documentId` or to say what is missing (the
/// engine reads a missing `query` as an empty document and would answer a syntax error).
fn incoming(body: &[u8]) -> Result<Incoming, String> {
    let request: async_graphql::Request =
        serde_json::from_slice(body).map_err(|_| ONE.to_owned())?;
    let may_name_a_document = body
        .windows(DOCUMENT_ID_MEMBER.len())
        .any(|window| window == DOCUMENT_ID_MEMBER);
    if !request.query.is_empty() && !may_name_a_document {
        let document_id = named_document(&request, None)?;
        return Ok(Incoming {
            request,
            document_id,
        });
    }
    let object: serde_json::Value = serde_json::from_slice(body).map_err(|_| ONE.to_owned())?;
    let document_id = named_document(&request, Some(&object))?;
    if document_id.is_none() && object.get("query").is_none() {
        return Err(ONE.to_owned());
    }
    Ok(Incoming {
        request,
        document_id,
    })
}

/// One element of a batch, already parsed: a request object with a string `query` or a
/// `documentId`.
fn batch_request(item: serde_json::Value) -> Result<Incoming, String> {
    const EACH: &str = "each operation of a batch must be a JSON GraphQL request object, with a string `query` or a `documentId`";
    let has_query = item.get("query").is_some_and(serde_json::Value::is_string);
    let member = document_id_member(&item)?;
    if !has_query && member.is_none() {
        return Err(EACH.to_owned());
    }
    let request: async_graphql::Request =
        serde_json::from_value(item).map_err(|_| EACH.to_owned())?;
    let document_id = match member {
        Some(id) => Some(id),
        None => persisted_query_id(&request)?,
    };
    Ok(Incoming {
        request,
        document_id,
    })
}

/// The operations in a body, or why it is refused (a 400).
pub(super) fn requests_of(body: &[u8], max_batch: usize) -> Result<Requests, String> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => incoming(body).map(|one| Requests::One(Box::new(one))),
        Some(b'[') if max_batch > 0 => {
            let items: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|_| {
                format!("the body must be one JSON GraphQL request object or an array of at most {max_batch}")
            })?;
            if items.is_empty() || items.len() > max_batch {
                return Err(format!(
                    "a batch holds from 1 to {max_batch} operations; this one holds {}",
                    items.len()
                ));
            }
            items
                .into_iter()
                .map(batch_request)
                .collect::<Result<Vec<_>, _>>()
                .map(Requests::Batch)
        }
        _ => Err(ONE.to_owned()),
    }
}
