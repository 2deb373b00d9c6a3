use async_graphql::{Context, Object};
use stable_futures_domain::child::ChildDraft;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::PersistenceError;

use crate::caller::request;
use crate::graphql::guard::RequireScope;
use crate::graphql::idempotency;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::EraseChildInput;
use crate::graphql::inputs::RegisterChildInput;
use crate::graphql::inputs::{ChildChanges, UpdateChildInput};
use crate::graphql::payloads::{
    EraseChildPayload, Payload, RegisterChildPayload, UpdateChildPayload,
};
use crate::graphql::types::user_error::user_errors;
use crate::graphql::writes;

#[derive(Debug, Default)]
pub struct ChildMutations;

#[Object]
impl ChildMutations {
    /// Registers a child with the caller's local authority.
    #[graphql(guard = "RequireScope(Scope::ChildrenWrite)")]
    async fn register_child(
        &self,
        ctx: &Context<'_>,
        input: RegisterChildInput,
    ) -> async_graphql::Result<RegisterChildPayload> {
        let request = request(ctx)?;
        let idempotency =
            match idempotency::request(ctx, "registerChild", input.idempotency_key.as_deref()) {
                Ok(idempotency) => idempotency,
                Err(errors) => return Ok(RegisterChildPayload::refused(user_errors(errors))),
            };
        let (db, audit) = writes::begin(ctx)?;
        let now = request.now;
        let result = match ChildDraft::from(input).validate_at(now) {
            Ok(details) => {
                db.register_child(details, request.now, &audit, idempotency.as_ref())
                    .await
            }
            Err(errors) => Err(PersistenceError::Invalid(errors)),
        };
        Ok(RegisterChildPayload::from_write(result, &audit)?)
    }

    /// Changes a child's details, if nobody changed them since `expectedVersion`.
    #[graphql(guard = "RequireScope(Scope::ChildrenWrite)")]
    async fn update_child(
        &self,
        ctx: &Context<'_>,
        input: UpdateChildInput,
    ) -> async_graphql::Result<UpdateChildPayload> {
        let request = request(ctx)?;
        let id = ChildId(ids::require(&input.child_id, NodeKind::Child)?);
        let expected_version = input.expected_version;
        let now = request.now;
        let changes = ChildChanges::from(input);
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .update_child(id, expected_version, request.now, &audit, move |child| {
                changes.apply(child).validate_at(now)
            })
            .await;
        Ok(UpdateChildPayload::from_write(result, &audit)?)
    }

    /// Erases a child and everything recorded about them: their details, referrals and
    /// timelines, guardian assignments and outcome measurements. The audit trail keeps that it
    /// happened, by whom and why; the change feed gets an `ERASED` entry so that systems holding
    /// a copy delete theirs. It cannot be undone.
    #[graphql(guard = "RequireScope(Scope::ChildrenErase)")]
    async fn erase_child(
        &self,
        ctx: &Context<'_>,
        input: EraseChildInput,
    ) -> async_graphql::Result<EraseChildPayload> {
        let id = ChildId(ids::require(&input.child_id, NodeKind::Child)?);
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .erase_child(id, input.expected_version, input.reason.into(), &audit)
            .await;
        Ok(EraseChildPayload::from_result(result, |()| input.child_id)?)
    }
}
