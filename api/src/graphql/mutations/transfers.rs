use async_graphql::{Context, Object};
use stable_futures_domain::ids::{ChildId, TransferId};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Scope;
use stable_futures_domain::transfer::{TransferAction, TransferOffer};
use stable_futures_domain::{child::LocalChildId, ErrorCode, FieldError, FieldErrors};
use stable_futures_persistence::{Acceptance, PersistenceError};

use crate::caller::request;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::RequireScope;
use crate::graphql::idempotency;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::{
    AcceptTransferInput, DeclineTransferInput, OfferTransferInput, WithdrawTransferInput,
};
use crate::graphql::payloads::{
    AcceptTransferPayload, DeclineTransferPayload, OfferTransferPayload, Payload,
    WithdrawTransferPayload,
};
use crate::graphql::reads::{self, Gate};
use crate::graphql::types::user_error::user_errors;
use crate::graphql::writes;

#[derive(Debug, Default)]
pub struct TransferMutations;

#[Object]
impl TransferMutations {
    /// Offers one of the authority's children to another authority (a National Transfer Scheme
    /// allocation, a placement or family move). The receiving authority sees the offer in
    /// `incomingTransfers`, with `childSummary` only, and accepts or declines it; until then
    /// this authority may withdraw it. A child has at most one offer waiting. The step is in both
    /// authorities' audit trails and change feeds.
    #[graphql(guard = "RequireScope(Scope::TransfersWrite)")]
    async fn offer_transfer(
        &self,
        ctx: &Context<'_>,
        input: OfferTransferInput,
    ) -> async_graphql::Result<OfferTransferPayload> {
        let request = request(ctx)?;
        let child_id = ChildId(ids::require(&input.child_id, NodeKind::Child)?);
        let idempotency =
            match idempotency::request(ctx, "offerTransfer", input.idempotency_key.as_deref()) {
                Ok(idempotency) => idempotency,
                Err(errors) => return Ok(OfferTransferPayload::refused(user_errors(errors))),
            };
        let to = match LocalAuthorityCode::parse(&input.to_local_authority) {
            Ok(to) => to,
            Err(error) => {
                let error = FieldError::new("toLocalAuthority", error.code, error.message);
                return Ok(OfferTransferPayload::refused(user_errors(error.into())));
            }
        };
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .offer_transfer(
                TransferOffer {
                    child_id,
                    to,
                    reason: input.reason.into(),
                    responsibility_from: input.responsibility_from.0,
                    note: input.note,
                },
                request.now,
                &audit,
                idempotency.as_ref(),
            )
            .await;
        Ok(OfferTransferPayload::from_write(result, &audit)?)
    }

    /// Accepts an offer made to this authority. In one transaction the child, under
    /// `localChildId`, and every record about them become this authority's: each keeps
    /// `recordedByLocalAuthority`, each referral's timeline gains a `TRANSFERRED` event, open
    /// guardian assignments continue within one guardian service and end (`MOVED_OUT_OF_AREA`)
    /// when the child moves into another nation's. The sending authority then finds nothing of
    /// the child; its feed says `TRANSFERRED_OUT`, this one's `TRANSFERRED_IN` for the child and
    /// each record. If this authority already holds a child with the same NHS number or Home
    /// Office reference, nothing moves and the answer says so (`POSSIBLE_DUPLICATE`).
    #[graphql(guard = "RequireScope(Scope::TransfersWrite)")]
    async fn accept_transfer(
        &self,
        ctx: &Context<'_>,
        input: AcceptTransferInput,
    ) -> async_graphql::Result<AcceptTransferPayload> {
        let request = request(ctx)?;
        let id = TransferId(ids::require(&input.transfer_id, NodeKind::Transfer)?);
        let local_child_id = match LocalChildId::parse(&input.local_child_id) {
            Ok(local_child_id) => local_child_id,
            Err(error) => return Ok(refused_acceptance(error.into())),
        };
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .accept_transfer(
                id,
                input.expected_version,
                local_child_id,
                input.allow_duplicate,
                request.now,
                &audit,
            )
            .await;
        match result {
            Ok(Acceptance::Accepted(transfer)) => Ok(AcceptTransferPayload {
                transfer: Some(reads::written(transfer, &audit)),
                possible_duplicate: None,
                user_errors: Vec::new(),
            }),
            Ok(Acceptance::PossibleDuplicate(existing)) => {
                let possible_duplicate = match Gate::open(ctx, Scope::ChildrenRead)? {
                    Some(gate) => gate.find(existing.0).await?,
                    None => None,
                };
                let error = FieldError::new(
                    "allowDuplicate",
                    ErrorCode::PossibleDuplicate,
                    "this authority already holds a child with the same NHS number or Home Office \
                     reference (possibleDuplicate): accept with allowDuplicate to keep both",
                );
                Ok(AcceptTransferPayload {
                    possible_duplicate,
                    ..refused_acceptance(error.into())
                })
            }
            Err(PersistenceError::Invalid(errors)) => Ok(refused_acceptance(errors)),
            Err(error) => Err(ApiError::from(error).into()),
        }
    }

    /// Declines an offer made to this authority, saying why.
    #[graphql(guard = "RequireScope(Scope::TransfersWrite)")]
    async fn decline_transfer(
        &self,
        ctx: &Context<'_>,
        input: DeclineTransferInput,
    ) -> async_graphql::Result<DeclineTransferPayload> {
        let request = request(ctx)?;
        let id = TransferId(ids::require(&input.transfer_id, NodeKind::Transfer)?);
        if input.note.trim().is_empty() {
            let error = FieldError::new(
                "note",
                ErrorCode::Required,
                "a declined transfer must say why",
            );
            return Ok(DeclineTransferPayload::refused(user_errors(error.into())));
        }
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .end_transfer(
                id,
                TransferAction::Decline,
                input.expected_version,
                Some(input.note),
                request.now,
                &audit,
            )
            .await;
        Ok(DeclineTransferPayload::from_write(result, &audit)?)
    }

    /// Withdraws an offer this authority made, before the receiving authority answers.
    #[graphql(guard = "RequireScope(Scope::TransfersWrite)")]
    async fn withdraw_transfer(
        &self,
        ctx: &Context<'_>,
        input: WithdrawTransferInput,
    ) -> async_graphql::Result<WithdrawTransferPayload> {
        let request = request(ctx)?;
        let id = TransferId(ids::require(&input.transfer_id, NodeKind::Transfer)?);
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .end_transfer(
                id,
                TransferAction::Withdraw,
                input.expected_version,
                None,
                request.now,
                &audit,
            )
            .await;
        Ok(WithdrawTransferPayload::from_write(result, &audit)?)
    }
}

fn refused_acceptance(errors: FieldErrors) -> AcceptTransferPayload {
    AcceptTransferPayload {
        transfer: None,
        possible_duplicate: None,
        user_errors: user_errors(errors),
    }
}
