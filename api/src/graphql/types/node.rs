use async_graphql::{Context, Interface, ID};
use stable_futures_domain::ids::{AssignmentId, ChildId, MeasurementId, ReferralId};
use stable_futures_domain::principal::Scope;

use super::child::Child;
use super::guardian_assignment::GuardianAssignment;
use super::nrm_referral::NrmReferral;
use super::outcome_measurement::OutcomeMeasurement;
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::reads::Gate;

/// An object with an opaque global id, fetchable with `node(id:)`.
#[derive(Debug, Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Child(Child),
    NrmReferral(NrmReferral),
    GuardianAssignment(GuardianAssignment),
    OutcomeMeasurement(OutcomeMeasurement),
}

/// The record `id` names, if it exists and is the caller's. Refused as a whole when the caller
/// lacks the scope of the type the id names.
pub(crate) async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>, ApiError> {
    let (kind, uuid) = ids::decode_any(id)?;
    let node = match kind {
        NodeKind::Child => {
            let gate = Gate::require(ctx, Scope::ChildrenRead)?;
            match gate.loaders().children.load_one(ChildId(uuid)).await? {
                Some(child) => Some(Node::Child(gate.expose(child)?)),
                None => None,
            }
        }
        NodeKind::NrmReferral => {
            let gate = Gate::require(ctx, Scope::ReferralsRead)?;
            match gate.loaders().referrals.load_one(ReferralId(uuid)).await? {
                Some(referral) => Some(Node::NrmReferral(gate.expose(referral)?)),
                None => None,
            }
        }
        NodeKind::GuardianAssignment => {
            let gate = Gate::require(ctx, Scope::GuardiansRead)?;
            match gate
                .loaders()
                .assignments
                .load_one(AssignmentId(uuid))
                .await?
            {
                Some(assignment) => Some(Node::GuardianAssignment(gate.expose(assignment)?)),
                None => None,
            }
        }
        NodeKind::OutcomeMeasurement => {
            let gate = Gate::require(ctx, Scope::OutcomesRead)?;
            match gate
                .loaders()
                .measurements
                .load_one(MeasurementId(uuid))
                .await?
            {
                Some(measurement) => Some(Node::OutcomeMeasurement(gate.expose(measurement)?)),
                None => None,
            }
        }
    };
    Ok(node)
}
