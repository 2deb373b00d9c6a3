use async_graphql::{Context, Object, ID};
use stable_futures_domain::ids::MeasurementId;
use stable_futures_domain::principal::Scope;

use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::reads::Gate;
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
        let Some(gate) = Gate::open(ctx, Scope::OutcomesRead)? else {
            return Ok(None);
        };
        let Some(uuid) = ids::decode(&id, NodeKind::OutcomeMeasurement)? else {
            return Ok(None);
        };
        let record = gate
            .loaders()
            .measurements
            .load_one(MeasurementId(uuid))
            .await
            .map_err(ApiError::from)?;
        Ok(record.map(|record| gate.expose(record)).transpose()?)
    }
}
