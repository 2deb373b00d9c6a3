use async_graphql::{Context, Object, ID};

use crate::graphql::reads;
use crate::graphql::types::outcome_measurement::OutcomeMeasurement;

#[derive(Debug, Default)]
pub struct OutcomeQueries;

#[Object]
impl OutcomeQueries {
    /// An outcome measurement by global id; null if not found.
    async fn outcome_measurement(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<OutcomeMeasurement>> {
        reads::by_global_id(ctx, &id).await
    }
}
