use async_graphql::{Context, Object};

use super::rate_limit::RateLimit;
use crate::graphql::types::viewer::Viewer;

#[derive(Debug, Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who is calling, for which local authority, with which scopes.
    async fn viewer(&self) -> Viewer {
        Viewer
    }

    /// The calling client's cost budget for this local authority after this request (GitHub's
    /// `rateLimit`); null when the service keeps no rate limit.
    async fn rate_limit(&self, ctx: &Context<'_>) -> Option<RateLimit> {
        RateLimit::of_request(ctx)
    }
}
