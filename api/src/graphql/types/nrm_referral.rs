use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::principal::Scope;
use stable_futures_domain::referral;

use super::child::Child;
use super::decision::Decision;
use super::first_responder::FirstResponder;
use super::referral_timeline_event::ReferralTimelineEvent;
use crate::graphql::audit::FieldsClass;
use crate::graphql::enums::{
    CompetentAuthority, ExploitationLocation, ExploitationType, ReferralStatus,
};
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::Loaders;
use crate::graphql::reads::{self, Audited, ChildData, Gate};
use crate::graphql::scalars::Date;

/// A referral of a child into the National Referral Mechanism, and its decisions.
#[derive(Debug, Clone)]
pub struct NrmReferral(referral::NrmReferral);

impl ChildData for NrmReferral {
    type Value = referral::NrmReferral;
    const SCOPE: Scope = Scope::ReferralsRead;
    const CLASS: FieldsClass = FieldsClass::Referral;
    const KIND: NodeKind = NodeKind::NrmReferral;

    fn child_of(value: &referral::NrmReferral) -> stable_futures_domain::ids::ChildId {
        value.child_id
    }

    fn wrap(value: referral::NrmReferral, _: Audited) -> Self {
        Self(value)
    }

    async fn load(
        loaders: &Loaders,
        id: uuid::Uuid,
    ) -> Result<Option<referral::NrmReferral>, ApiError> {
        Ok(loaders
            .referrals
            .load_one(stable_futures_domain::ids::ReferralId(id))
            .await?)
    }
}

impl NrmReferral {
    pub fn inner(&self) -> &referral::NrmReferral {
        &self.0
    }
}

#[Object]
impl NrmReferral {
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::NrmReferral, self.0.id.0)
    }

    /// The child referred.
    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Child>> {
        reads::related(ctx, Some(self.0.child_id.0)).await
    }

    async fn status(&self) -> ReferralStatus {
        self.0.status.into()
    }

    async fn referred_at(&self) -> DateTime<Utc> {
        self.0.referred_at
    }

    async fn exploitation_types(&self) -> Vec<ExploitationType> {
        self.0
            .exploitation_types
            .iter()
            .map(|t| (*t).into())
            .collect()
    }

    /// Criminal exploitation moving drugs across areas ("county lines").
    async fn county_lines(&self) -> bool {
        self.0.county_lines
    }

    async fn exploitation_location(&self) -> ExploitationLocation {
        self.0.exploitation_location.into()
    }

    async fn competent_authority(&self) -> CompetentAuthority {
        self.0.competent_authority.into()
    }

    async fn first_responder(&self) -> FirstResponder {
        FirstResponder(self.0.first_responder.clone())
    }

    /// The Reasonable Grounds decision (the latest, after any reconsideration).
    async fn reasonable_grounds(&self) -> Option<Decision> {
        self.0.reasonable_grounds.map(Into::into)
    }

    /// The first Reasonable Grounds decision: the same as `reasonableGrounds` unless a negative
    /// decision was reconsidered. Timeliness is measured to it.
    async fn first_reasonable_grounds(&self) -> Option<Decision> {
        self.0.first_reasonable_grounds.map(Into::into)
    }

    /// The day the Reasonable Grounds decision is due: 5 working days after the referral (the UK
    /// date; weekends and the bank holidays of the local authority's nation excluded), or 45
    /// calendar days when a devolved decision-making panel decides.
    async fn reasonable_grounds_due_on(&self) -> Date {
        Date(self.0.reasonable_grounds_due_on)
    }

    /// The Conclusive Grounds decision (the latest, after any reconsideration).
    async fn conclusive_grounds(&self) -> Option<Decision> {
        self.0.conclusive_grounds.map(Into::into)
    }

    /// Last day of the minimum recovery period after a positive Reasonable Grounds decision (30
    /// calendar days; 45 for decisions before 30 January 2023). Null once the referral is
    /// withdrawn.
    async fn recovery_period_ends_on(&self) -> Option<Date> {
        self.0.recovery_period_ends_on().map(Date)
    }

    /// Calendar days from referral to the first Reasonable Grounds decision (UK dates).
    async fn days_to_reasonable_grounds(&self) -> Option<i64> {
        self.0.days_to_reasonable_grounds()
    }

    /// Whether the first Reasonable Grounds decision came by `reasonableGroundsDueOn`.
    async fn reasonable_grounds_within_target(&self) -> Option<bool> {
        self.0.reasonable_grounds_within_target()
    }

    /// Calendar days from the Reasonable Grounds to the Conclusive Grounds decision.
    async fn days_reasonable_to_conclusive_grounds(&self) -> Option<i64> {
        self.0.days_reasonable_to_conclusive_grounds()
    }

    /// A reconsideration of the latest negative decision has been requested and not yet decided.
    async fn reconsideration_pending(&self) -> bool {
        self.0.reconsideration_pending()
    }

    async fn reconsideration_requested_at(&self) -> Option<DateTime<Utc>> {
        self.0.reconsideration_requested_at
    }

    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }

    /// The NRM's own reference for the referral, once recorded (`recordHomeOfficeReference`).
    async fn home_office_reference(&self) -> Option<&str> {
        self.0
            .home_office_reference
            .as_ref()
            .map(|reference| reference.as_str())
    }

    /// Every step of the referral, oldest first.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ReferralTimelineEvent>> {
        let events = Gate::require(ctx, Scope::ReferralsRead)?
            .loaders()
            .timelines
            .load_one(self.0.id)
            .await
            .map_err(ApiError::from)?;
        Ok(events
            .iter()
            .flat_map(|events| events.iter())
            .map(ReferralTimelineEvent::from)
            .collect())
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

    /// Changes with every transition; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
