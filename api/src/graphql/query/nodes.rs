use async_graphql::{Context, Object, ID};

use crate::graphql::errors::ApiError;
use crate::graphql::types::node::{load_node, Node};

/// Most ids `nodes(ids:)` takes at once.
const MAX_NODES: usize = 100;

#[derive(Debug, Default)]
pub struct NodeQueries;

#[Object]
impl NodeQueries {
    /// Any object by its global id; null if it does not exist or is not the caller's.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        Ok(load_node(ctx, &id).await?)
    }

    /// Several objects by global id (at most 100), in the order asked; null for each that does
    /// not exist or is not the caller's.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::BadUserInput(format!("at most {MAX_NODES} ids at once")).into());
        }
        let lookups = ids.iter().map(|id| load_node(ctx, id));
        let nodes = futures::future::try_join_all(lookups).await?;
        Ok(nodes)
    }
}
