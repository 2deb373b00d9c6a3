use async_graphql::{Context, Object};
use stable_futures_domain::ids::{ChildId, MeasurementId};
use stable_futures_domain::principal::Scope;
use uuid::Uuid;

use crate::caller::request;
use crate::graphql::guard::RequireScope;
use crate::graphql::idempotency;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::RecordOutcomeMeasurementInput;
use crate::graphql::payloads::{Payload, RecordOutcomeMeasurementPayload};
use crate::graphql::types::user_error::user_errors;
use crate::graphql::writes;

#[derive(Debug, Default)]
pub struct MeasurementMutations;

#[Object]
impl MeasurementMutations {
    /// Records an outcome measurement against the current framework, or a correction of an
    /// earlier one (`supersedesId`). Measurements are never changed or deleted.
    #[graphql(guard = "RequireScope(Scope::OutcomesWrite)")]
    async fn record_outcome_measurement(
        &self,
        ctx: &Context<'_>,
        input: RecordOutcomeMeasurementInput,
    ) -> async_graphql::Result<RecordOutcomeMeasurementPayload> {
        let request = request(ctx)?;
        let child_id = ChildId(ids::require(&input.child_id, NodeKind::Child)?);
        // An id of another type names no measurement: the domain reports it as not found.
        let supersedes = match &input.supersedes_id {
            Some(id) => Some(MeasurementId(
                ids::decode(id, NodeKind::OutcomeMeasurement)?.unwrap_or(Uuid::nil()),
            )),
            None => None,
        };
        let idempotency = match idempotency::request(
            ctx,
            "recordOutcomeMeasurement",
            input.idempotency_key.as_deref(),
        ) {
            Ok(idempotency) => idempotency,
            Err(errors) => {
                return Ok(RecordOutcomeMeasurementPayload::refused(user_errors(
                    errors,
                )))
            }
        };
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .record_measurement(
                child_id,
                input.draft(supersedes),
                request.now,
                &audit,
                idempotency.as_ref(),
            )
            .await;
        Ok(RecordOutcomeMeasurementPayload::from_write(result, &audit)?)
    }
}
