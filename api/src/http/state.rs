//! What every handler shares: the schema, the database, the verifier and the limits.

use std::sync::Arc;

use stable_futures_persistence::Database;
use tokio_util::sync::CancellationToken;

use crate::auth::TokenVerifier;
use crate::authorities::KnownAuthorities;
use crate::config::Mode;
use crate::graphql::aggregate::AggregateSchema;
use crate::graphql::limits::DocumentLimits;
use crate::graphql::AppSchema;
use crate::notifications::ChangeNotifier;
use crate::websocket;

/// Everything the handlers share. Holds no per-caller data.
#[derive(Clone)]
pub struct AppState(pub(super) Arc<Inner>);

pub(super) struct Inner {
    pub(super) schema: AppSchema,
    /// For a token that speaks for several authorities: reports and nothing else.
    pub(super) aggregate_schema: AggregateSchema,
    pub(super) database: Database,
    pub(super) verifier: TokenVerifier,
    pub(super) authorities: KnownAuthorities,
    pub(super) notifier: ChangeNotifier,
    pub(super) connections: websocket::ConnectionQuota,
    pub(super) load: super::load::LoadGate,
    pub(super) mode: Mode,
    pub(super) expose_statement_count: bool,
    pub(super) document_limits: DocumentLimits,
    pub(super) max_document_bytes: usize,
    pub(super) max_batch: usize,
    pub(super) documents: super::documents::TrustedDocuments,
    pub(super) costs: crate::graphql::cost::CostModel,
    pub(super) aggregate_costs: crate::graphql::cost::CostModel,
    pub(super) budget: super::budget::CostBudget,
    pub(super) max_complexity: usize,
    pub(super) shutdown: CancellationToken,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("mode", &self.0.mode)
            .finish_non_exhaustive()
    }
}
