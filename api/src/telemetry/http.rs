//! The server span and RED metrics of every HTTP request, and the trace id it answers with.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::KeyValue;
use opentelemetry_http::HeaderExtractor;
use stable_futures_domain::audit::TraceId;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::metrics::metrics;
use crate::caller::{new_trace_id, TRACEPARENT_HEADER};

/// The response header with the request's W3C trace id: what an integrator quotes to operations.
pub const TRACE_ID_HEADER: HeaderName = HeaderName::from_static("x-trace-id");

/// The trace id of the request being served, for the audit trail.
#[derive(Debug, Clone)]
pub struct RequestTrace(pub TraceId);

/// Opens the request's server span (continuing the caller's trace when it sends a valid
/// `traceparent`), records its duration, and answers with its trace id.
///
/// Only the matched route is recorded, never the path the caller sent (a path that matches no
/// route is the caller's text) nor the query string or any header value.
pub async fn trace_requests(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let span = tracing::info_span!(
        "http.request",
        otel.name = %format!("{method} {}", route.as_deref().unwrap_or_default()).trim_end(),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = %method,
        http.route = route.as_deref(),
        url.scheme = "http",
        http.response.status_code = tracing::field::Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(request.headers()))
    });
    // Without a tracing subscriber (some tests) there is nothing to attach the parent to.
    let _ = span.set_parent(parent);
    let trace_id = trace_id_of(&span, &request);
    request
        .extensions_mut()
        .insert(RequestTrace(trace_id.clone()));

    let active = metrics();
    let route_attribute = KeyValue::new("http.route", route.unwrap_or_default());
    let method_attribute = KeyValue::new("http.request.method", method);
    active
        .http_active
        .add(1, std::slice::from_ref(&route_attribute));
    let mut response = next.run(request).instrument(span.clone()).await;
    active
        .http_active
        .add(-1, std::slice::from_ref(&route_attribute));

    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    active.http_duration.record(
        started.elapsed().as_secs_f64(),
        &[
            method_attribute,
            route_attribute,
            KeyValue::new("http.response.status_code", i64::from(status.as_u16())),
        ],
    );
    if let Ok(value) = HeaderValue::from_str(trace_id.as_str()) {
        response.headers_mut().insert(TRACE_ID_HEADER, value);
    }
    response
}

/// The span's OpenTelemetry trace id; without OpenTelemetry (tests that install no subscriber),
/// the caller's `traceparent`'s, or a new one.
fn trace_id_of(span: &tracing::Span, request: &Request) -> TraceId {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        if let Some(trace_id) = TraceId::parse(&span_context.trace_id().to_string()) {
            return trace_id;
        }
    }
    request
        .headers()
        .get(TRACEPARENT_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(TraceId::from_traceparent)
        .unwrap_or_else(new_trace_id)
}
