use async_graphql::{Context, Object, ID};

use crate::graphql::reads;
use crate::graphql::types::guardian_assignment::GuardianAssignment;

#[derive(Debug, Default)]
pub struct GuardianQueries;

#[Object]
impl GuardianQueries {
    /// A guardian assignment by global id; null if not found.
    async fn guardian_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<GuardianAssignment>> {
        reads::by_global_id(ctx, &id).await
    }
}
