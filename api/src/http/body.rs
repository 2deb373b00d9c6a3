//! The body of `POST /graphql`: one JSON operation, or a batch when batching is configured.

use axum::http::{header, HeaderMap};

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
    One(Box<async_graphql::Request>),
    Batch(Vec<async_graphql::Request>),
}

/// Whether a request the engine read with an empty `query` had none at all: the engine reads a
/// missing `query` as an empty document and would answer a syntax error instead of saying what
/// is wrong. Only the rare empty query pays for the second look at the body.
fn lacks_query(request: &async_graphql::Request, body: &[u8]) -> bool {
    request.query.is_empty()
        && serde_json::from_slice::<serde_json::Value>(body)
            .map_or(true, |body| body.get("query").is_none())
}

/// One element of a batch, already parsed: a request object with a string `query`.
fn batch_request(item: serde_json::Value) -> Result<async_graphql::Request, ()> {
    if !item.get("query").is_some_and(serde_json::Value::is_string) {
        return Err(());
    }
    serde_json::from_value(item).map_err(|_| ())
}
/// The operations in a body, or why it is refused (a 400).
pub(super) fn requests_of(body: &[u8], max_batch: usize) -> Result<Requests, String> {
    const ONE: &str = "the body must be one JSON GraphQL request object, with a string `query`";
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => match serde_json::from_slice::<async_graphql::Request>(body) {
            Ok(request) if !lacks_query(&request, body) => Ok(Requests::One(Box::new(request))),
            _ => Err(ONE.to_owned()),
        },
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
                .collect::<Result<Vec<_>, ()>>()
                .map(Requests::Batch)
                .map_err(|()| {
                    "each operation of a batch must be a JSON GraphQL request object, with a string `query`".to_owned()
                })
        }
        _ => Err(ONE.to_owned()),
    }
}
