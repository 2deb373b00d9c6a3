use async_graphql::{Context, Interface, ID};

use super::child::Child;
use super::guardian_assignment::GuardianAssignment;
use super::nrm_referral::NrmReferral;
use super::outcome_measurement::OutcomeMeasurement;
use super::transfer::Transfer;
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::reads::{ChildData, Gate};

/// An object with an opaque global id, fetchable with `node(id:)`.
#[derive(Debug, Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Child(Child),
    NrmReferral(NrmReferral),
    GuardianAssignment(GuardianAssignment),
    OutcomeMeasurement(OutcomeMeasurement),
    Transfer(Transfer),
}

/// The record `id` names, if it exists and is the caller's. Refused as a whole when the caller
/// lacks the scope of the type the id names.
pub(crate) async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>, ApiError> {
    let (kind, uuid) = ids::decode_any(id)?;
    Ok(match kind {
        NodeKind::Child => find::<Child>(ctx, uuid).await?.map(Node::Child),
        NodeKind::NrmReferral => find::<NrmReferral>(ctx, uuid).await?.map(Node::NrmReferral),
        NodeKind::GuardianAssignment => find::<GuardianAssignment>(ctx, uuid)
            .await?
            .map(Node::GuardianAssignment),
        NodeKind::OutcomeMeasurement => find::<OutcomeMeasurement>(ctx, uuid)
            .await?
            .map(Node::OutcomeMeasurement),
        NodeKind::Transfer => find::<Transfer>(ctx, uuid).await?.map(Node::Transfer),
    })
}

async fn find<T: ChildData>(ctx: &Context<'_>, uuid: uuid::Uuid) -> Result<Option<T>, ApiError> {
    Gate::require(ctx, T::SCOPE)?.find(uuid).await
}
