use async_graphql::{Context, Object};
use stable_futures_domain::child::ChildDraft;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::PersistenceError;

use crate::graphql::audit;
use crate::graphql::context::request;
use crate::graphql::guard::RequireScope;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::register_child_input::RegisterChildInput;
use crate::graphql::inputs::update_child_input::{ChildChanges, UpdateChildInput};
use crate::graphql::payloads::{Payload, RegisterChildPayload, UpdateChildPayload};
use crate::graphql::types::child::Child;

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
        let audit = audit::for_write(ctx)?;
        let today = request.now.date_naive();
        let result = match ChildDraft::from(input).validate(today) {
            Ok(details) => {
                request
                    .db
                    .register_child(details, request.now, &audit)
                    .await
            }
            Err(errors) => Err(PersistenceError::Invalid(errors)),
        };
        Ok(RegisterChildPayload::from_result(result, Child)?)
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
        let today = request.now.date_naive();
        let changes = ChildChanges::from(input);
        let audit = audit::for_write(ctx)?;
        let result = request
            .db
            .update_child(id, expected_version, request.now, &audit, move |child| {
                changes.apply(child).validate(today)
            })
            .await;
        Ok(UpdateChildPayload::from_result(result, Child)?)
    }
}
