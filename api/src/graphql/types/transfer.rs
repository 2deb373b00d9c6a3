use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::principal::Scope;
use stable_futures_domain::transfer;

use super::child::Child;
use super::local_authority::LocalAuthority;
use crate::graphql::audit::FieldsClass;
use crate::graphql::enums::{TransferReason, TransferStatus};
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::Loaders;
use crate::graphql::reads::{self, Audited, ChildData, Gate};
use crate::graphql::scalars::Date;

/// A child's move from one local authority to another: offered by the sending authority,
/// accepted or declined by the receiving one, or withdrawn by the sender before an answer. Both
/// authorities see it; nobody else learns that it exists. Until it is accepted the receiving
/// authority sees `childSummary`, not the child's records; afterwards the sending authority
/// finds nothing of the child.
#[derive(Debug, Clone)]
pub struct Transfer(transfer::Transfer);

impl ChildData for Transfer {
    type Value = transfer::Transfer;
    const SCOPE: Scope = Scope::TransfersRead;
    const CLASS: FieldsClass = FieldsClass::Transfer;
    const KIND: NodeKind = NodeKind::Transfer;

    fn child_of(value: &transfer::Transfer) -> stable_futures_domain::ids::ChildId {
        value.child_id
    }

    fn wrap(value: transfer::Transfer, _: Audited) -> Self {
        Self(value)
    }

    async fn load(
        loaders: &Loaders,
        id: uuid::Uuid,
    ) -> Result<Option<transfer::Transfer>, ApiError> {
        Ok(loaders
            .transfers
            .load_one(stable_futures_domain::ids::TransferId(id))
            .await?)
    }
}

/// What the receiving authority needs to decide on an offer, as it was when offered.
#[derive(Debug, Clone, SimpleObject)]
pub struct TransferChildSummary {
    /// Whole years on the day of the offer, from the recorded (possibly estimated) date of birth.
    pub age_in_years: i32,
    /// The child's age is disputed: they are treated as a child until it is decided.
    pub age_disputed: bool,
    /// A referral awaits a decision (submitted, positive at reasonable grounds, or negative with
    /// a reconsideration asked for).
    pub has_open_referrals: bool,
    /// A guardian is requested or assigned.
    pub has_open_guardian_assignments: bool,
}

/// One step of a transfer.
#[derive(Debug, Clone, SimpleObject)]
pub struct TransferEvent {
    /// The status the step led to (`OFFERED` for the offer).
    pub status: TransferStatus,
    pub at: DateTime<Utc>,
}

#[Object]
impl Transfer {
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Transfer, self.0.id.0)
    }

    /// The child, for the authority that holds them: the sender until the transfer is accepted,
    /// the receiver after. Null for the other (and without `children:read`).
    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Child>> {
        reads::related(ctx, Some(self.0.child_id.0)).await
    }

    /// The child's global id: the same before and after the move.
    async fn child_id(&self) -> ID {
        ids::encode(NodeKind::Child, self.0.child_id.0)
    }

    /// What the receiving authority needs to decide, as it was when offered.
    async fn child_summary(&self) -> TransferChildSummary {
        let child = self.0.child;
        TransferChildSummary {
            age_in_years: child.age_years,
            age_disputed: child.age_disputed,
            has_open_referrals: child.open_referrals,
            has_open_guardian_assignments: child.open_guardian_assignments,
        }
    }

    /// The authority the child moves from.
    #[graphql(name = "fromLocalAuthority")]
    async fn sending_local_authority(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<LocalAuthority> {
        Ok(LocalAuthority(
            reads::local_authority(ctx, &self.0.from).await?,
        ))
    }

    /// The authority the child moves to.
    #[graphql(name = "toLocalAuthority")]
    async fn receiving_local_authority(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<LocalAuthority> {
        Ok(LocalAuthority(
            reads::local_authority(ctx, &self.0.to).await?,
        ))
    }

    async fn reason(&self) -> TransferReason {
        self.0.reason.into()
    }

    /// The UK date from which the receiving authority is responsible for the child.
    async fn responsibility_from(&self) -> Date {
        Date(self.0.responsibility_from)
    }

    /// The sending authority's note with the offer. Needs the `sensitive:read` scope.
    async fn note(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let Some(gate) = Gate::open(ctx, Scope::SensitiveRead)? else {
            return Ok(None);
        };
        gate.note(Some(self.0.child_id), FieldsClass::SensitiveText);
        Ok(self.0.note.as_deref())
    }

    async fn status(&self) -> TransferStatus {
        self.0.status.into()
    }

    async fn offered_at(&self) -> DateTime<Utc> {
        self.0.offered_at
    }

    /// When it was accepted, declined or withdrawn.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }

    /// Why the receiving authority declined. Needs the `sensitive:read` scope.
    async fn decline_note(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let Some(gate) = Gate::open(ctx, Scope::SensitiveRead)? else {
            return Ok(None);
        };
        gate.note(Some(self.0.child_id), FieldsClass::SensitiveText);
        Ok(self.0.decline_note.as_deref())
    }

    /// The offer, then how it ended if it has.
    async fn timeline(&self) -> Vec<TransferEvent> {
        self.0
            .timeline()
            .into_iter()
            .map(|event| TransferEvent {
                status: event.status.into(),
                at: event.at,
            })
            .collect()
    }

    /// Changes with every step; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
