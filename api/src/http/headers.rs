//! The outer layers of every response.

use std::any::Any;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::responses::error_body;
use crate::config::LimitsConfig;
use crate::graphql::errors::ApiError;
use crate::telemetry::http::trace_requests;

/// The outer layers of every response, also for routers built by tests: a panic becomes a 500
/// with a correlation id (the panic message stays in the log); CORS for the allowed origins only;
/// security headers.
pub fn harden(router: Router, limits: &LimitsConfig) -> Router {
    let router = router.layer(CatchPanicLayer::custom(panic_response));
    let router = match cors(&limits.cors_allowed_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(trace_requests))
}

/// CORS for exactly these origins, `POST` only; `None` (no CORS headers at all) without origins.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter(|origin| !origin.trim().is_empty())
        .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::POST])
            // So that a browser-based case system can read the trace id to quote to operators.
            // and a write's consistency token, to send back with the reads that must show it.
            .expose_headers([
                crate::telemetry::http::TRACE_ID_HEADER,
                HeaderName::from_static(crate::caller::CONSISTENCY_HEADER),
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-purpose"),
                HeaderName::from_static("traceparent"),
                HeaderName::from_static(crate::caller::CONSISTENCY_HEADER),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// On every response. Child data must not be kept by browsers or proxies, so anything that does
/// not say otherwise (only GraphiQL's assets do) is `no-store`.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A panic in a handler: logged once with a correlation id, answered with the id only. The panic's
/// message is not logged: it can quote a value (`unwrap` on an error shows the error); where it
/// happened is logged by the panic hook (`telemetry::init`).
fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let error = ApiError::internal(&"a request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, error_body(&error)).into_response()
}
