use async_graphql::{Context, Object};
use stable_futures_domain::ids::{ChildId, ReferralId};
use stable_futures_domain::principal::Scope;
use stable_futures_domain::referral::{
    DecisionOutcome, HomeOfficeReference, NrmReferral as DomainReferral, ReferralEvent,
};
use stable_futures_domain::FieldError;

use crate::caller::{request, RequestContext};
use crate::graphql::errors::ApiError;
use crate::graphql::guard::RequireScope;
use crate::graphql::idempotency;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::RecordConclusiveGroundsDecisionInput;
use crate::graphql::inputs::RecordHomeOfficeReferenceInput;
use crate::graphql::inputs::RecordReasonableGroundsDecisionInput;
use crate::graphql::inputs::RequestReconsiderationInput;
use crate::graphql::inputs::SubmitReferralInput;
use crate::graphql::inputs::WithdrawReferralInput;
use crate::graphql::payloads::{
    Payload, RecordConclusiveGroundsDecisionPayload, RecordHomeOfficeReferencePayload,
    RecordReasonableGroundsDecisionPayload, RequestReconsiderationPayload, SubmitReferralPayload,
    WithdrawReferralPayload,
};
use crate::graphql::types::nrm_referral::NrmReferral;
use crate::graphql::types::user_error::user_errors;
use crate::graphql::writes;

#[derive(Debug, Default)]
pub struct ReferralMutations;

async fn transition<P, F>(
    ctx: &Context<'_>,
    request: &RequestContext,
    referral_id: &async_graphql::ID,
    expected_version: i32,
    change: F,
) -> Result<P, ApiError>
where
    P: Payload<Entity = NrmReferral>,
    F: FnOnce(
            &mut DomainReferral,
            chrono::DateTime<chrono::Utc>,
        ) -> Result<ReferralEvent, FieldError>
        + Send
        + 'static,
{
    let id = ReferralId(ids::require(referral_id, NodeKind::NrmReferral)?);
    let now = request.now;
    let (db, audit) = writes::begin(ctx)?;
    let result = db
        .transition_referral(id, expected_version, now, &audit, move |referral| {
            change(referral, now)
        })
        .await;
    P::from_write(result, &audit)
}

#[Object]
impl ReferralMutations {
    /// Records an NRM referral for a child.
    #[graphql(guard = "RequireScope(Scope::ReferralsWrite)")]
    async fn submit_referral(
        &self,
        ctx: &Context<'_>,
        input: SubmitReferralInput,
    ) -> async_graphql::Result<SubmitReferralPayload> {
        let request = request(ctx)?;
        let child_id = ChildId(ids::require(&input.child_id, NodeKind::Child)?);
        let idempotency =
            match idempotency::request(ctx, "submitReferral", input.idempotency_key.as_deref()) {
                Ok(idempotency) => idempotency,
                Err(errors) => return Ok(SubmitReferralPayload::refused(user_errors(errors))),
            };
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .submit_referral(
                child_id,
                input.draft(),
                request.now,
                &audit,
                idempotency.as_ref(),
            )
            .await;
        Ok(SubmitReferralPayload::from_write(result, &audit)?)
    }

    /// Records the Reasonable Grounds decision (or the reconsidered one).
    #[graphql(guard = "RequireScope(Scope::ReferralsWrite)")]
    async fn record_reasonable_grounds_decision(
        &self,
        ctx: &Context<'_>,
        input: RecordReasonableGroundsDecisionInput,
    ) -> async_graphql::Result<RecordReasonableGroundsDecisionPayload> {
        let outcome: DecisionOutcome = input.outcome.into();
        let decided_at = input.decided_at;
        Ok(transition(
            ctx,
            request(ctx)?,
            &input.referral_id,
            input.expected_version,
            move |r, now| r.record_reasonable_grounds(outcome, decided_at, now),
        )
        .await?)
    }

    /// Records the Conclusive Grounds decision (or the reconsidered one).
    #[graphql(guard = "RequireScope(Scope::ReferralsWrite)")]
    async fn record_conclusive_grounds_decision(
        &self,
        ctx: &Context<'_>,
        input: RecordConclusiveGroundsDecisionInput,
    ) -> async_graphql::Result<RecordConclusiveGroundsDecisionPayload> {
        let outcome: DecisionOutcome = input.outcome.into();
        let decided_at = input.decided_at;
        Ok(transition(
            ctx,
            request(ctx)?,
            &input.referral_id,
            input.expected_version,
            move |r, now| r.record_conclusive_grounds(outcome, decided_at, now),
        )
        .await?)
    }

    /// Asks for the latest negative decision to be reconsidered.
    #[graphql(guard = "RequireScope(Scope::ReferralsWrite)")]
    async fn request_reconsideration(
        &self,
        ctx: &Context<'_>,
        input: RequestReconsiderationInput,
    ) -> async_graphql::Result<RequestReconsiderationPayload> {
        let requested_at = input.requested_at;
        Ok(transition(
            ctx,
            request(ctx)?,
            &input.referral_id,
            input.expected_version,
            move |r, now| r.request_reconsideration(requested_at, now),
        )
        .await?)
    }

    /// Withdraws a referral that has no Conclusive Grounds decision.
    #[graphql(guard = "RequireScope(Scope::ReferralsWrite)")]
    async fn withdraw_referral(
        &self,
        ctx: &Context<'_>,
        input: WithdrawReferralInput,
    ) -> async_graphql::Result<WithdrawReferralPayload> {
        let withdrawn_at = input.withdrawn_at;
        Ok(transition(
            ctx,
            request(ctx)?,
            &input.referral_id,
            input.expected_version,
            move |r, now| r.withdraw(withdrawn_at, now),
        )
        .await?)
    }

    /// Records the NRM's own reference for a referral (the number its email returns), so the
    /// Home Office's letters can be matched to it (`childByIdentifier`). An update, not a step of
    /// the lifecycle: it adds nothing to the timeline.
    #[graphql(guard = "RequireScope(Scope::ReferralsWrite)")]
    async fn record_home_office_reference(
        &self,
        ctx: &Context<'_>,
        input: RecordHomeOfficeReferenceInput,
    ) -> async_graphql::Result<RecordHomeOfficeReferencePayload> {
        let id = ReferralId(ids::require(&input.referral_id, NodeKind::NrmReferral)?);
        let reference = match HomeOfficeReference::parse(&input.home_office_reference) {
            Ok(reference) => reference,
            Err(error) => {
                return Ok(RecordHomeOfficeReferencePayload::refused(user_errors(
                    error.into(),
                )))
            }
        };
        let now = request(ctx)?.now;
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .record_home_office_reference(id, input.expected_version, reference, now, &audit)
            .await;
        Ok(RecordHomeOfficeReferencePayload::from_write(
            result, &audit,
        )?)
    }
}
