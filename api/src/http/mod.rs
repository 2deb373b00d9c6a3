//! The HTTP surface: `POST /graphql`, subscriptions over WebSocket, the development GraphiQL
//! page, health checks, and the hardening around them. One file per job: `headers` (the outer
//! layers of every response), `identity` (who is calling), `body` (one operation or a batch),
//! `admission` (limits and introspection before anything runs), `execute` (running and
//! measuring operations), `subscriptions`, `report_csv` (reports as spreadsheets), `health`, `graphiql`; `responses` shapes the errors
//! they answer with.

mod admission;
mod body;
mod budget;
mod documents;
mod execute;
mod graphiql;
mod headers;
mod health;
mod identity;
mod load;
mod media;
mod parsing;
mod report_csv;
mod responses;
mod state;
mod subscriptions;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use stable_futures_persistence::Database;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::auth::TokenVerifier;
use crate::authorities::KnownAuthorities;
use crate::config::{LimitsConfig, Mode};
use crate::graphql::aggregate::build_aggregate_schema;
use crate::graphql::build_schema;
use crate::graphql::limits::DocumentLimits;
use crate::notifications::ChangeNotifier;
use crate::websocket;

pub use headers::harden;
pub use state::AppState;

use state::Inner;

/// What a router needs to be built.
#[derive(Debug)]
pub struct AppSettings {
    pub mode: Mode,
    pub limits: LimitsConfig,
    pub expose_statement_count: bool,
    /// Cancelled when the process begins to shut down: subscriptions close with 1001 and the
    /// notification listener ends.
    pub shutdown: CancellationToken,
}

/// The cost model of a schema, from its SDL (which the schema itself printed: it parses).
fn cost_model(sdl: String) -> crate::graphql::cost::CostModel {
    crate::graphql::cost::CostModel::from_sdl(&sdl)
        .unwrap_or_else(|error| unreachable!("the schema's own SDL does not parse: {error}"))
}

pub fn router(database: Database, verifier: TokenVerifier, settings: AppSettings) -> Router {
    let development = settings.mode == Mode::Development;
    let state = AppState(Arc::new(Inner {
        // Introspection is in the schema, and allowed or refused per request (see
        // `admission::introspection_allowed`).
        schema: build_schema(&settings.limits, true),
        aggregate_schema: build_aggregate_schema(&settings.limits, true),
        authorities: KnownAuthorities::new(database.clone()),
        notifier: ChangeNotifier::new(database.clone(), settings.shutdown.clone()),
        connections: websocket::ConnectionQuota::new(settings.limits.max_subscription_connections),
        load: load::LoadGate::new(
            settings.limits.max_in_flight,
            std::time::Duration::from_millis(settings.limits.queue_wait_ms),
            settings.limits.client_share_percent,
        ),
        database,
        verifier,
        mode: settings.mode,
        expose_statement_count: settings.expose_statement_count,
        document_limits: DocumentLimits::from(&settings.limits),
        max_document_bytes: settings.limits.max_document_bytes,
        max_batch: settings.limits.max_batch,
        documents: documents::TrustedDocuments::new(settings.limits.trusted_documents),
        costs: cost_model(crate::graphql::sdl()),
        aggregate_costs: cost_model(crate::graphql::aggregate::aggregate_sdl()),
        max_complexity: settings.limits.max_query_complexity,
        budget: budget::CostBudget::new(
            settings.limits.rate_limit_points,
            settings.limits.rate_limit_restore_per_second,
        ),
        shutdown: settings.shutdown,
    }));
    let mut router = Router::new()
        .route("/graphql", post(execute::graphql).get(execute::graphql_get))
        .route("/graphql/ws", get(subscriptions::upgrade))
        .route("/reports/{file}", get(report_csv::export))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(health::ready));
    if development {
        router = router
            .route("/", get(graphiql::page))
            .route("/graphiql/{file}", get(graphiql::asset));
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
