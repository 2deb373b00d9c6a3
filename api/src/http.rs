//! The HTTP surface: `POST /graphql`, the development GraphiQL page, health checks.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_persistence::Database;
use tower_http::timeout::TimeoutLayer;

use crate::auth::{TokenError, TokenVerifier};
use crate::authorities::KnownAuthorities;
use crate::config::{LimitsConfig, Mode};
use crate::graphql::context::RequestContext;
use crate::graphql::errors::ApiError;
use crate::graphql::{build_schema, AppSchema};

/// Everything the handlers share. Holds no per-caller data.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    schema: AppSchema,
    database: Database,
    verifier: TokenVerifier,
    authorities: KnownAuthorities,
    holidays: Arc<BankHolidays>,
    mode: Mode,
    expose_statement_count: bool,
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
        schema: build_schema(&settings.limits, development),
        authorities: KnownAuthorities::new(database.clone()),
        database,
        verifier,
        holidays: Arc::new(BankHolidays::england_and_wales()),
        mode: settings.mode,
        expose_statement_count: settings.expose_statement_count,
    }));
    let mut router = Router::new()
        .route("/graphql", post(graphql).get(graphql_get))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready));
    if development {
        router = router
            .route("/", get(graphiql_page))
            .route("/graphiql/{file}", get(graphiql_asset));
    }
    router
        .layer(DefaultBodyLimit::max(settings.limits.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.limits.request_timeout(),
        ))
        .with_state(state)
}

fn error_body(error: &ApiError) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "errors": [{ "message": error.message(), "extensions": { "code": error.code() } }]
    }))
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

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let state = &state.0;
    if !is_json(&headers) {
        let error = ApiError::BadUserInput(
            "send operations as POST with Content-Type: application/json".into(),
        );
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, error_body(&error)).into_response();
    }
    let principal = match bearer(&headers).and_then(|token| state.verifier.verify(token)) {
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
    // One operation per request: a JSON array (a batch, or the positional form serde would
    // otherwise accept for a struct) is refused.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let parsed = if is_object {
        serde_json::from_slice(&body).ok()
    } else {
        None
    };
    let request: async_graphql::Request = match parsed.ok_or(()) {
        Ok(request) => request,
        Err(()) => {
            let error =
                ApiError::BadUserInput("the body must be one JSON GraphQL request object".into());
            return (StatusCode::BAD_REQUEST, error_body(&error)).into_response();
        }
    };
    let context = RequestContext::new(
        state.database.clone(),
        principal,
        local_authority,
        state.holidays.clone(),
    );
    let statements = context.db.statements().clone();
    let mut response = state.schema.execute(request.data(context)).await;
    // Errors from the GraphQL engine itself (syntax, validation, depth and complexity limits)
    // carry no code; every error we answer with must have one.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    let mut http = Json(response).into_response();
    if state.expose_statement_count {
        if let Ok(value) = HeaderValue::from_str(&statements.get().to_string()) {
            http.headers_mut().insert("x-sql-statements", value);
        }
    }
    http
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

async fn ready(State(state): State<AppState>) -> Response {
    match state.0.database.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
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

const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

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
