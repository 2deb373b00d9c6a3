use async_graphql::{Context, Object};

use crate::caller::request;
use crate::graphql::errors::ApiError;

/// Extra fields of the children connection.
#[derive(Debug)]
pub struct ChildrenConnectionFields;

#[Object]
impl ChildrenConnectionFields {
    /// Number of children of the local authority (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(request(ctx)?
            .db
            .count_children()
            .await
            .map_err(ApiError::from)?)
    }
}
