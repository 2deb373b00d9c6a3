use async_graphql::{Context, Object};

use crate::caller::request;
use crate::graphql::errors::ApiError;
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
        let framework = request(ctx)?
            .db
            .current_framework()
            .await
            .map_err(ApiError::from)?;
        Ok(OutcomeFramework(framework))
    }
}
