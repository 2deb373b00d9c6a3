use async_graphql::{Context, Object};

use stable_futures_domain::principal::Scope;

use crate::graphql::errors::ApiError;
use crate::graphql::reads::Gate;

/// Extra fields of the children connection.
#[derive(Debug)]
pub struct ChildrenConnectionFields;

#[Object]
impl ChildrenConnectionFields {
    /// Number of children of the local authority (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        // Reached only through `children`, whose gate has checked `children:read` already.
        Ok(Gate::require(ctx, Scope::ChildrenRead)?
            .db()
            .count_children()
            .await
            .map_err(ApiError::from)?)
    }
}
