use async_graphql::{Context, Object};
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::ChildFilter;

use crate::graphql::errors::ApiError;
use crate::graphql::reads::Gate;

/// Extra fields of the children connection.
#[derive(Debug, Default)]
pub struct ChildrenConnectionFields {
    /// The list's filter, if it has one: the count is of the children it lists.
    pub filter: Option<ChildFilter>,
}

#[Object]
impl ChildrenConnectionFields {
    /// Number of children of the local authority the list holds, all pages together (counted
    /// only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        // Reached only through `children`, whose gate has checked `children:read` (and the
        // filter's scopes) already.
        let gate = Gate::require(ctx, Scope::ChildrenRead)?;
        let count = match &self.filter {
            Some(filter) => gate.db().count_children_matching(filter).await,
            None => gate.db().count_children().await,
        };
        Ok(count.map_err(ApiError::from)?)
    }
}
