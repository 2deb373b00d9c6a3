//! The HTTP surface: `POST /graphql`, the development GraphiQL page, health checks, and the
//! hardening around them (limits, batching, introspection, CORS, panics, security headers).

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use opentelemetry::KeyValue;
use stable_futures_domain::calendar::{nations_needing_data, uk_date};
use stable_futures_domain::local_authority::LocalAuthority;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::Database;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument as _;

use crate::auth::{TokenError, TokenVerifier};
use crate::authorities::KnownAuthorities;
use crate::caller::Correlation;
use crate::caller::RequestContext;
use crate::caller::Subscriber;
use crate::config::{LimitsConfig, Mode};
use crate::graphql::errors::ApiError;
use crate::graphql::limits::{self, DocumentLimits, LimitExceeded};
use crate::graphql::{build_schema, AppSchema};
use crate::notifications::ChangeNotifier;
use crate::telemetry::http::{trace_requests, RequestTrace};
use crate::telemetry::metrics::metrics;
use crate::websocket;

/// Everything the handlers share. Holds no per-caller data.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    schema: AppSchema,
    database: Database,
    verifier: TokenVerifier,
    authorities: KnownAuthorities,
    notifier: ChangeNotifier,
    connections: websocket::ConnectionQuota,
    mode: Mode,
    expose_statement_count: bool,
    document_limits: DocumentLimits,
    max_document_bytes: usize,
    max_batch: usize,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("mode", &self.0.mode)
            .finish_non_exhaustive()
    }
}

/// What a router needs to be built.
#[derive(Debug)]
pub struct AppSettings {
    pub mode: Mode,
    pub limits: LimitsConfig,
    pub expose_statement_count: bool,
}

pub fn router(database: Database, verifier: TokenVerifier, settings: AppSettings) -> Router {
    let development = settings.mode == Mode::Development;
    let state = AppState(Arc::new(Inner {
        // Introspection is in the schema, and allowed or refused per request (see
        // `introspection_allowed`).
        schema: build_schema(&settings.limits, true),
        authorities: KnownAuthorities::new(database.clone()),
        notifier: ChangeNotifier::new(database.clone()),
        connections: websocket::ConnectionQuota::new(settings.limits.max_subscription_connections),
        database,
        verifier,
        mode: settings.mode,
        expose_statement_count: settings.expose_statement_count,
        document_limits: DocumentLimits::from(&settings.limits),
        max_document_bytes: settings.limits.max_document_bytes,
        max_batch: settings.limits.max_batch,
    }));
    let mut router = Router::new()
        .route("/graphql", post(graphql).get(graphql_get))
        .route("/graphql/ws", get(subscriptions))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready));
    if development {
        router = router
            .route("/", get(graphiql_page))
            .route("/graphiql/{file}", get(graphiql_asset));
    }
    let router = router
        .layer(DefaultBodyLimit::max(settings.limits.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.limits.request_timeout(),
        ))
        .with_state(state);
    harden(router, &settings.limits)
}

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
            .expose_headers([crate::telemetry::http::TRACE_ID_HEADER])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-purpose"),
                HeaderName::from_static("traceparent"),
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

fn error_json(error: &ApiError) -> serde_json::Value {
    let mut extensions = serde_json::json!({ "code": error.code() });
    if let ApiError::Internal { correlation_id } = error {
        extensions["correlationId"] = serde_json::json!(correlation_id);
    }
    serde_json::json!({ "message": error.message(), "extensions": extensions })
}

fn error_body(error: &ApiError) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "errors": [error_json(error)] }))
}

/// A bare 401: why the token failed goes to the log, never to the caller.
fn unauthenticated(reason: &TokenError) -> Response {
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

fn bearer(headers: &HeaderMap) -> Result<&str, TokenError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(TokenError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(TokenError::Missing)?;
    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
        Ok(token.trim())
    } else {
        Err(TokenError::Missing)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

async fn graphql(
    State(state): State<AppState>,
    Extension(RequestTrace(trace_id)): Extension<RequestTrace>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let state = &state.0;
    let correlation = Correlation::from_headers(&headers, trace_id);
    if !is_json(&headers) {
        let error = ApiError::BadUserInput(
            "send operations as POST with Content-Type: application/json".into(),
        );
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, error_body(&error)).into_response();
    }
    let verified = match bearer(&headers) {
        Ok(token) => state.verifier.verify(token).await,
        Err(reason) => Err(reason),
    };
    let principal = match verified {
        Ok(principal) => principal,
        Err(reason) => return unauthenticated(&reason),
    };
    let local_authority = match state
        .authorities
        .get(principal.local_authority.as_str())
        .await
    {
        Ok(Some(found)) => found,
        Ok(None) => return unauthenticated(&TokenError::UnknownLocalAuthority),
        Err(error) => {
            let error = ApiError::internal(&error);
            return (StatusCode::SERVICE_UNAVAILABLE, error_body(&error)).into_response();
        }
    };
    // A JSON object is one operation. A JSON array is a batch, refused unless batching is
    // configured (SF_MAX_BATCH); serde's positional form of a request is never accepted.
    let requests = match requests_of(&body, state.max_batch) {
        Ok(requests) => requests,
        Err(message) => {
            let error = ApiError::BadUserInput(message);
            return (StatusCode::BAD_REQUEST, error_body(&error)).into_response();
        }
    };
    let mut statements = 0;
    let mut http = match requests {
        Requests::One(request) => {
            let (response, count) =
                execute_one(state, &correlation, principal, local_authority, *request).await;
            statements += count;
            Json(response).into_response()
        }
        Requests::Batch(batch) => {
            // One after the other, each with its own request context and loaders.
            let mut responses = Vec::with_capacity(batch.len());
            for request in batch {
                let (response, count) = execute_one(
                    state,
                    &correlation,
                    principal.clone(),
                    local_authority.clone(),
                    request,
                )
                .await;
                statements += count;
                responses.push(response);
            }
            Json(responses).into_response()
        }
    };
    if state.expose_statement_count {
        if let Ok(value) = HeaderValue::from_str(&statements.to_string()) {
            http.headers_mut().insert("x-sql-statements", value);
        }
    }
    http
}

enum Requests {
    One(Box<async_graphql::Request>),
    Batch(Vec<async_graphql::Request>),
}

/// The operations in a body, or why it is refused (a 400).
fn requests_of(body: &[u8], max_batch: usize) -> Result<Requests, String> {
    const ONE: &str = "the body must be one JSON GraphQL request object";
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(body)
            .map(Requests::One)
            .map_err(|_| ONE.to_owned()),
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
                .map(|item| {
                    if item.is_object() {
                        serde_json::from_value(item).map_err(|_| ())
                    } else {
                        Err(())
                    }
                })
                .collect::<Result<Vec<_>, ()>>()
                .map(Requests::Batch)
                .map_err(|()| {
                    "each operation of a batch must be a JSON GraphQL request object".to_owned()
                })
        }
        _ => Err(ONE.to_owned()),
    }
}

/// Introspection (`__schema`, `__type`) is for development mode, or for a token with the
/// `schema:introspect` scope.
fn introspection_allowed(mode: Mode, principal: &Principal) -> bool {
    mode == Mode::Development || principal.has(Scope::SchemaIntrospect)
}

/// The error of a refused operation (answered with no data).
fn refused(error: &ApiError) -> async_graphql::ServerError {
    let mut refusal = async_graphql::ServerError::new(error.message(), None);
    refusal.extensions = async_graphql::ErrorExtensions::extend(error).extensions;
    refusal
}

/// A parse error without the excerpt of the document the engine would quote: the kind of error
/// and where.
fn syntax_error(error: async_graphql::parser::Error) -> async_graphql::ServerError {
    let message = match &error {
        async_graphql::parser::Error::Syntax { message, .. } => {
            let expected = message
                .lines()
                .last()
                .map(|line| line.trim().trim_start_matches('=').trim())
                .unwrap_or_default();
            format!("syntax error: {expected}")
        }
        other => other.to_string(),
    };
    let mut server_error = async_graphql::ServerError::new(message, None);
    server_error.locations = error.positions().collect();
    server_error
}

/// Size, syntax, document limits and introspection, before anything runs. The document is parsed
/// once: the engine reuses it.
fn admit(
    state: &Inner,
    principal: &Principal,
    mut request: async_graphql::Request,
) -> Result<(async_graphql::Request, Operation), async_graphql::ServerError> {
    // Checked before parsing; the variables are bounded by the body limit.
    if request.query.len() > state.max_document_bytes {
        let exceeded = LimitExceeded::DocumentSize(state.max_document_bytes);
        return Err(refused(&ApiError::BadUserInput(exceeded.message())));
    }
    let document = async_graphql::parser::parse_query(&request.query).map_err(syntax_error)?;
    let facts = limits::check(&document, &state.document_limits)
        .map_err(|exceeded| refused(&ApiError::BadUserInput(exceeded.message())))?;
    let operation = Operation::of(&document, request.operation_name.as_deref());
    request.set_parsed_query(document);
    if !introspection_allowed(state.mode, principal) {
        if facts.introspection {
            return Err(refused(&ApiError::Forbidden(
                Scope::SchemaIntrospect.as_str(),
            )));
        }
        request = request.disable_introspection();
    }
    Ok((request, operation))
}

/// What traces and metrics say of an operation: its type and name, never its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Operation {
    kind: &'static str,
    name: Option<String>,
}

impl Operation {
    /// The operation `requested` (by name) of `document`; `query` if there is no such operation
    /// (the engine then refuses the request).
    fn of(document: &ExecutableDocument, requested: Option<&str>) -> Self {
        let (name, definition) = match (&document.operations, requested) {
            (DocumentOperations::Single(definition), _) => (None, Some(definition)),
            (DocumentOperations::Multiple(operations), Some(requested)) => {
                (Some(requested.to_owned()), operations.get(requested))
            }
            (DocumentOperations::Multiple(operations), None) => {
                let mut all = operations.iter();
                match (all.next(), all.next()) {
                    (Some((name, definition)), None) => (Some(name.to_string()), Some(definition)),
                    _ => (None, None),
                }
            }
        };
        let kind = match definition.map(|d| d.node.ty) {
            Some(OperationType::Mutation) => "mutation",
            Some(OperationType::Subscription) => "subscription",
            Some(OperationType::Query) | None => "query",
        };
        Self {
            kind,
            name: name.filter(|_| definition.is_some()),
        }
    }
}

/// Runs one operation with its own request context, in its own span. Returns the response and
/// how many SQL statements it ran.
async fn execute_one(
    state: &Inner,
    correlation: &Correlation,
    principal: Principal,
    local_authority: LocalAuthority,
    request: async_graphql::Request,
) -> (async_graphql::Response, usize) {
    let started = Instant::now();
    let (request, operation) = match admit(state, &principal, request) {
        Ok(admitted) => admitted,
        Err(refusal) => {
            let refusal = with_codes(async_graphql::Response::from_errors(vec![refusal]));
            count_errors(&refusal);
            return (refusal, 0);
        }
    };
    // Only worth building when spans leave the process.
    let document = crate::telemetry::exporting()
        .then(|| crate::graphql::document::without_literals(&request.query))
        .flatten();
    let span = tracing::info_span!(
        "graphql.operation",
        otel.name = %match &operation.name {
            Some(name) => format!("{} {name}", operation.kind),
            None => operation.kind.to_owned(),
        },
        graphql.operation.type = operation.kind,
        graphql.operation.name = operation.name.as_deref(),
        graphql.document = document.as_deref(),
        otel.status_code = tracing::field::Empty,
    );
    let context = Arc::new(
        RequestContext::new(principal, local_authority).with_correlation(correlation.clone()),
    );
    let (response, statements) = crate::graphql::execution::execute(
        &state.schema,
        request,
        &context,
        &state.database,
        operation.kind == "query",
        operation.name.as_deref(),
    )
    .instrument(span.clone())
    .await;
    let response = with_codes(response);
    if response.is_err() {
        span.record("otel.status_code", "ERROR");
    }
    let metrics = metrics();
    count_errors(&response);
    metrics.operation_duration.record(
        started.elapsed().as_secs_f64(),
        &[
            KeyValue::new(
                "graphql.operation.name",
                metrics.operation_label(operation.name.as_deref()),
            ),
            KeyValue::new("graphql.operation.type", operation.kind),
        ],
    );
    metrics
        .statements
        .record(u64::try_from(statements).unwrap_or(u64::MAX), &[]);
    (response, statements)
}

/// Counts a response's errors by their `extensions.code` (every error has one: `with_codes`).
fn count_errors(response: &async_graphql::Response) {
    for error in &response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .and_then(|code| match code {
                async_graphql::Value::String(code) => Some(code.clone()),
                async_graphql::Value::Enum(code) => Some(code.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "UNKNOWN".to_owned());
        metrics()
            .errors
            .add(1, &[KeyValue::new("error.code", code)]);
    }
}

/// Errors from the GraphQL engine itself (syntax, validation, depth and complexity limits) carry
/// no code; every error we answer with must have one.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    response
}

/// `GET /graphql/ws`: a WebSocket for subscriptions (see `crate::websocket`).
async fn subscriptions(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == websocket::PROTOCOL);
    if !offered {
        let error = ApiError::BadUserInput(format!(
            "subscriptions need the {} WebSocket subprotocol",
            websocket::PROTOCOL
        ));
        return (StatusCode::BAD_REQUEST, error_body(&error)).into_response();
    }
    let schema = state.0.schema.clone();
    upgrade
        .protocols([websocket::PROTOCOL])
        .on_upgrade(move |socket| {
            websocket::serve(socket, schema, move |payload| async move {
                state.authenticate_subscriber(&payload).await
            })
        })
}

impl AppState {
    /// The data of a subscription connection from its `connection_init` payload, and when its
    /// token expires. Refused (and logged, without the token) as `POST /graphql` refuses.
    async fn authenticate_subscriber(
        &self,
        payload: &serde_json::Value,
    ) -> Result<(async_graphql::Data, tokio::time::Instant), websocket::Refusal> {
        let state = &self.0;
        let verified = match websocket::init_token(payload) {
            Some(token) => state.verifier.verify_with_expiry(&token).await,
            None => Err(TokenError::Missing),
        };
        let refuse = |reason: &TokenError| {
            tracing::info!(reason = %reason, "subscription token refused");
            websocket::Refusal::Forbidden(ApiError::Unauthenticated.into())
        };
        let (principal, expires) = verified.map_err(|reason| refuse(&reason))?;
        match state
            .authorities
            .get(principal.local_authority.as_str())
            .await
        {
            Ok(Some(_)) => {}
            Ok(None) => return Err(refuse(&TokenError::UnknownLocalAuthority)),
            Err(error) => {
                return Err(websocket::Refusal::Unavailable(
                    ApiError::internal(&error).into(),
                ))
            }
        }
        let Some(permit) = state.connections.admit(&principal) else {
            tracing::info!(
                limit = state.connections.limit(),
                "subscription connection refused: the client holds its limit"
            );
            return Err(websocket::Refusal::TooManyConnections);
        };
        let mut data = async_graphql::Data::default();
        // Counted until the connection ends and its data is dropped.
        data.insert(permit);
        data.insert(Subscriber {
            db: state.database.for_principal(Arc::new(principal)),
            notifier: state.notifier.clone(),
        });
        Ok((data, websocket::deadline(expires)))
    }
}

async fn graphql_get() -> Response {
    let error = ApiError::BadUserInput(
        "send operations as POST with Content-Type: application/json".into(),
    );
    let mut response = (StatusCode::METHOD_NOT_ALLOWED, error_body(&error)).into_response();
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static(Method::POST.as_str()),
    );
    response
}

/// Ready when the database answers and has every migration this build expects: a replica
/// whose schema is behind its code (the migration job has not run yet) must not take traffic.
async fn ready(State(state): State<AppState>) -> Response {
    match state.0.database.unapplied_migrations().await {
        Ok(0) => (StatusCode::OK, calendar_warning()).into_response(),
        Ok(unapplied) => {
            tracing::warn!(unapplied, "readiness check failed: migrations not applied");
            (StatusCode::SERVICE_UNAVAILABLE, "migrations not applied").into_response()
        }
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// "ready", or a warning a year before the shipped bank holiday data runs out (working days past
/// its end cannot be counted, and referrals made then would be refused): the replica still serves.
/// Logged at most once an hour, not at every probe.
fn calendar_warning() -> String {
    static LAST_WARNED_HOUR: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(-1);
    let now = chrono::Utc::now();
    let nations = nations_needing_data(uk_date(now));
    if nations.is_empty() {
        return "ready".to_owned();
    }
    let names: Vec<&str> = nations.iter().map(|nation| nation.as_str()).collect();
    let hour = now.timestamp() / 3600;
    if LAST_WARNED_HOUR.swap(hour, std::sync::atomic::Ordering::Relaxed) != hour {
        tracing::warn!(
            nations = %names.join(","),
            "bank holiday data ends before the end of next year: extend domain/data (scripts/bank-holidays.py) and add a migration"
        );
    }
    format!(
        "ready; warning: the bank holiday data of {} ends before the end of next year",
        names.join(", ")
    )
}

/// GraphiQL's assets, served from the binary: local-authority networks are often offline or
/// forbid CDNs. Versions in `api/assets/graphiql/VERSIONS`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "init.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/init.js"),
    ),
    (
        "style.css",
        "text/css",
        include_bytes!("../assets/graphiql/style.css"),
    ),
    (
        "graphiql.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css",
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
];

// GraphiQL's stylesheet carries its fonts inline as `data:` URLs.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn graphiql_page() -> Response {
    let page = include_str!("../assets/graphiql/index.html");
    with_security_headers(
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response(),
    )
}

async fn graphiql_asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => with_security_headers(
            (
                [
                    (header::CONTENT_TYPE, *content_type),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                *bytes,
            )
                .into_response(),
        ),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
