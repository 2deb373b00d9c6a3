//! The error bodies the HTTP layer answers with itself, before or around GraphQL execution: the
//! same `{ "errors": [{ message, extensions: { code } }] }` shape as a GraphQL error.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::load::Overload;
use crate::auth::TokenError;
use crate::graphql::errors::ApiError;

fn error_json(error: &ApiError) -> serde_json::Value {
    let mut extensions = serde_json::json!({ "code": error.code() });
    if let ApiError::Internal { correlation_id } = error {
        extensions["correlationId"] = serde_json::json!(correlation_id);
    }
    serde_json::json!({ "message": error.message(), "extensions": extensions })
}

pub(super) fn error_body(error: &ApiError) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "errors": [error_json(error)] }))
}

/// A bare 401: why the token failed goes to the log, never to the caller.
pub(super) fn unauthenticated(reason: &TokenError) -> Response {
    tracing::info!(reason = %reason, "token refused");
    let mut response = (
        StatusCode::UNAUTHORIZED,
        error_body(&ApiError::Unauthenticated),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// An error answered with `status`.
pub(super) fn answer(status: StatusCode, error: &ApiError) -> Response {
    (status, error_body(error)).into_response()
}

/// How long a client is told to wait when the database cannot take requests: a failover takes
/// about ten seconds, and a client retrying every couple of seconds finds the new primary soon
/// after it is there without adding much load meanwhile.
pub(super) const RETRY_AFTER_UNAVAILABLE_SECONDS: u64 = 2;

/// A request the database could not take (or refused before it ran for that reason): 503 with
/// `Retry-After`.
pub(super) fn unavailable(error: &ApiError) -> Response {
    let mut response = answer(StatusCode::SERVICE_UNAVAILABLE, error);
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(RETRY_AFTER_UNAVAILABLE_SECONDS),
    );
    response
}

/// Whether an answer's errors include one the database's unavailability caused.
pub(super) fn says_unavailable(response: &async_graphql::Response) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .is_some_and(|code| {
                *code == async_graphql::Value::from(ApiError::DatabaseUnavailable.code())
            })
    })
}

/// A request refused a turn under load: 503 when the replica is at capacity, 429 when its client
/// holds its share; both with `Retry-After`.
pub(super) fn overloaded(overload: Overload, retry_after_seconds: u64) -> Response {
    let (status, error) = match overload {
        Overload::Busy => (StatusCode::SERVICE_UNAVAILABLE, ApiError::Busy),
        Overload::ClientShare => (StatusCode::TOO_MANY_REQUESTS, ApiError::RateLimited),
    };
    let mut response = answer(status, &error);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
    response
}
