use async_graphql::{Context, Object};
use stable_futures_domain::guardian::{AssignmentEndReason, GuardianRequest, GuardianRole};
use stable_futures_domain::ids::{AssignmentId, ChildId};
use stable_futures_domain::principal::Scope;

use crate::caller::request;
use crate::graphql::guard::RequireScope;
use crate::graphql::idempotency;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::AssignGuardianInput;
use crate::graphql::inputs::EndGuardianAssignmentInput;
use crate::graphql::inputs::RequestGuardianInput;
use crate::graphql::payloads::{
    AssignGuardianPayload, EndGuardianAssignmentPayload, Payload, RequestGuardianPayload,
};
use crate::graphql::types::user_error::user_errors;
use crate::graphql::writes;

#[derive(Debug, Default)]
pub struct GuardianMutations;

#[Object]
impl GuardianMutations {
    /// Requests an independent guardian for a child. A child has at most one open request or
    /// assignment per service.
    #[graphql(guard = "RequireScope(Scope::GuardiansWrite)")]
    async fn request_guardian(
        &self,
        ctx: &Context<'_>,
        input: RequestGuardianInput,
    ) -> async_graphql::Result<RequestGuardianPayload> {
        let request = request(ctx)?;
        let child_id = ChildId(ids::require(&input.child_id, NodeKind::Child)?);
        let idempotency =
            match idempotency::request(ctx, "requestGuardian", input.idempotency_key.as_deref()) {
                Ok(idempotency) => idempotency,
                Err(errors) => return Ok(RequestGuardianPayload::refused(user_errors(errors))),
            };
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .request_guardian(
                child_id,
                GuardianRequest {
                    service: input.service.into(),
                    role: input.role.into(),
                    requested_at: input.requested_at,
                },
                request.now,
                &audit,
                idempotency.as_ref(),
            )
            .await;
        Ok(RequestGuardianPayload::from_write(result, &audit)?)
    }

    /// Records that a guardian took up the request.
    #[graphql(guard = "RequireScope(Scope::GuardiansWrite)")]
    async fn assign_guardian(
        &self,
        ctx: &Context<'_>,
        input: AssignGuardianInput,
    ) -> async_graphql::Result<AssignGuardianPayload> {
        let request = request(ctx)?;
        let id = AssignmentId(ids::require(
            &input.assignment_id,
            NodeKind::GuardianAssignment,
        )?);
        let (assigned_at, role, now) = (
            input.assigned_at,
            input.role.map(GuardianRole::from),
            request.now,
        );
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .change_assignment(id, input.expected_version, now, &audit, move |a| {
                a.assign(assigned_at, role, now)
            })
            .await;
        Ok(AssignGuardianPayload::from_write(result, &audit)?)
    }

    /// Ends an assignment, or closes a request that was never taken up.
    #[graphql(guard = "RequireScope(Scope::GuardiansWrite)")]
    async fn end_guardian_assignment(
        &self,
        ctx: &Context<'_>,
        input: EndGuardianAssignmentInput,
    ) -> async_graphql::Result<EndGuardianAssignmentPayload> {
        let request = request(ctx)?;
        let id = AssignmentId(ids::require(
            &input.assignment_id,
            NodeKind::GuardianAssignment,
        )?);
        let (ended_at, reason, now) = (
            input.ended_at,
            AssignmentEndReason::from(input.reason),
            request.now,
        );
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .change_assignment(id, input.expected_version, now, &audit, move |a| {
                a.end(ended_at, reason, now)
            })
            .await;
        Ok(EndGuardianAssignmentPayload::from_write(result, &audit)?)
    }
}
