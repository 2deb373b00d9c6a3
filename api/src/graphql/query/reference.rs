use async_graphql::{Context, Object};

use crate::graphql::reads;
use crate::graphql::types::outcome_framework::OutcomeFramework;

/// Reference data that holds nothing about a child.
#[derive(Debug, Default)]
pub struct ReferenceQueries;

#[Object]
impl ReferenceQueries {
    /// The outcome framework new measurements are recorded against.
    async fn outcome_framework(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<OutcomeFramework> {
        let framework = reads::current_framework(ctx).await?;
        Ok(OutcomeFramework(framework))
    }
}
