use async_graphql::{Context, Object, ID};
use stable_futures_domain::ids::AssignmentId;
use stable_futures_domain::principal::Scope;

use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::reads::Gate;
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
        let Some(gate) = Gate::open(ctx, Scope::GuardiansRead)? else {
            return Ok(None);
        };
        let Some(uuid) = ids::decode(&id, NodeKind::GuardianAssignment)? else {
            return Ok(None);
        };
        let record = gate
            .loaders()
            .assignments
            .load_one(AssignmentId(uuid))
            .await
            .map_err(ApiError::from)?;
        Ok(record.map(|record| gate.expose(record)).transpose()?)
    }
}
