use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::guardian;
use stable_futures_domain::principal::Scope;

use super::child::Child;
use crate::graphql::audit::FieldsClass;
use crate::graphql::enums::{AssignmentEndReason, AssignmentStatus, GuardianRole, GuardianService};
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::Loaders;
use crate::graphql::reads::{self, Audited, ChildData, Gate};

/// A request for an independent guardian for a child, and what became of it.
#[derive(Debug, Clone)]
pub struct GuardianAssignment(guardian::GuardianAssignment);

impl ChildData for GuardianAssignment {
    type Value = guardian::GuardianAssignment;
    const SCOPE: Scope = Scope::GuardiansRead;
    const CLASS: FieldsClass = FieldsClass::Guardian;
    const KIND: NodeKind = NodeKind::GuardianAssignment;

    fn child_of(value: &guardian::GuardianAssignment) -> stable_futures_domain::ids::ChildId {
        value.child_id
    }

    fn wrap(value: guardian::GuardianAssignment, _: Audited) -> Self {
        Self(value)
    }

    async fn load(
        loaders: &Loaders,
        id: uuid::Uuid,
    ) -> Result<Option<guardian::GuardianAssignment>, ApiError> {
        Ok(loaders
            .assignments
            .load_one(stable_futures_domain::ids::AssignmentId(id))
            .await?)
    }
}

impl GuardianAssignment {
    pub fn inner(&self) -> &guardian::GuardianAssignment {
        &self.0
    }
}

#[Object]
impl GuardianAssignment {
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::GuardianAssignment, self.0.id.0)
    }

    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Child>> {
        reads::related(ctx, Some(self.0.child_id.0)).await
    }

    async fn service(&self) -> GuardianService {
        self.0.service.into()
    }

    async fn role(&self) -> GuardianRole {
        self.0.role.into()
    }

    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }

    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }

    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        self.0.assigned_at
    }

    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }

    async fn end_reason(&self) -> Option<AssignmentEndReason> {
        self.0.end_reason.map(Into::into)
    }

    /// Calendar days from the request to the assignment: the research asks for prompt
    /// assignment, and no target is set, so it is measured.
    async fn days_to_assignment(&self) -> Option<i64> {
        self.0.days_to_assignment()
    }

    /// Calendar days from the child's first NRM referral to the assignment.
    async fn days_from_referral_to_assignment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<i64>> {
        let Some(gate) = Gate::open(ctx, Scope::ReferralsRead)? else {
            return Ok(None);
        };
        if self.0.assigned_at.is_none() {
            return Ok(None);
        }
        let referred_at = gate
            .loaders()
            .first_referrals
            .load_one(self.0.child_id)
            .await
            .map_err(ApiError::from)?;
        gate.note(Some(self.0.child_id), FieldsClass::Referral);
        Ok(referred_at
            .flatten()
            .and_then(|at| self.0.days_from_referral_to_assignment(at)))
    }

    /// The local authority that recorded it: this one, unless the child moved here from
    /// another with a transfer, bringing it with them.
    async fn recorded_by_local_authority(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::local_authority::LocalAuthority> {
        Ok(super::local_authority::LocalAuthority(
            reads::recorded_by(ctx, self.0.recorded_by_local_authority.as_ref()).await?,
        ))
    }

    /// Changes with every update; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
