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

/// One request object: it must have a string `query` (the engine would read a missing one as an
/// empty document, and answer a syntax error instead of saying what is wrong).
fn request_of(value: serde_json::Value) -> Result<async_graphql::Request, ()> {
    if !value.get("query").is_some_and(serde_json::Value::is_string) {
        return Err(());
    }
    serde_json::from_value(value).map_err(|_| ())
}

/// The operations in a body, or why it is refused (a 400).
pub(super) fn requests_of(body: &[u8], max_batch: usize) -> Result<Requests, String> {
    const ONE: &str = "the body must be one JSON GraphQL request object, with a string `query`";
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(body)
            .map_err(|_| ())
            .and_then(request_of)
            .map(|request| Requests::One(Box::new(request)))
            .map_err(|()| ONE.to_owned()),
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
                .map(request_of)
                .collect::<Result<Vec<_>, ()>>()
                .map(Requests::Batch)
                .map_err(|()| {
                    "each operation of a batch must be a JSON GraphQL request object, with a string `query`".to_owned()
                })
        }
        _ => Err(ONE.to_owned()),
    }
}
