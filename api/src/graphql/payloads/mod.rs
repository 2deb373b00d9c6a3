//! Mutation payloads, one per mutation and file: the entity written, or the input's problems.

use stable_futures_persistence::PersistenceError;

use super::errors::ApiError;
use super::reads::{self, ChildData};
use super::types::user_error::{user_errors, UserError};

/// Declares a payload type `{ <field>: <Entity>, userErrors: [UserError!]! }`.
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident, $field:ident, $entity:ty) => {
        $(#[$meta])*
        #[derive(Debug, async_graphql::SimpleObject)]
        pub struct $name {
            /// What was written; null when `userErrors` is not empty.
            pub $field: Option<$entity>,
            /// Problems with the input. When not empty, nothing was written.
            pub user_errors: Vec<$crate::graphql::types::user_error::UserError>,
        }

        impl $crate::graphql::payloads::Payload for $name {
            type Entity = $entity;

            fn written(entity: $entity) -> Self {
                Self { $field: Some(entity), user_errors: Vec::new() }
            }

            fn refused(user_errors: Vec<$crate::graphql::types::user_error::UserError>) -> Self {
                Self { $field: None, user_errors }
            }
        }
    };
}

mod assign_guardian_payload;
mod end_guardian_assignment_payload;
mod erase_child_payload;
mod record_conclusive_grounds_decision_payload;
mod record_outcome_measurement_payload;
mod record_reasonable_grounds_decision_payload;
mod register_child_payload;
mod request_guardian_payload;
mod request_reconsideration_payload;
mod submit_referral_payload;
mod update_child_payload;
mod withdraw_referral_payload;

pub use assign_guardian_payload::AssignGuardianPayload;
pub use end_guardian_assignment_payload::EndGuardianAssignmentPayload;
pub use erase_child_payload::EraseChildPayload;
pub use record_conclusive_grounds_decision_payload::RecordConclusiveGroundsDecisionPayload;
pub use record_outcome_measurement_payload::RecordOutcomeMeasurementPayload;
pub use record_reasonable_grounds_decision_payload::RecordReasonableGroundsDecisionPayload;
pub use register_child_payload::RegisterChildPayload;
pub use request_guardian_payload::RequestGuardianPayload;
pub use request_reconsideration_payload::RequestReconsiderationPayload;
pub use submit_referral_payload::SubmitReferralPayload;
pub use update_child_payload::UpdateChildPayload;
pub use withdraw_referral_payload::WithdrawReferralPayload;

pub trait Payload: Sized {
    type Entity;

    fn written(entity: Self::Entity) -> Self;

    fn refused(user_errors: Vec<UserError>) -> Self;

    /// Turns the store's answer into the payload: input problems become `userErrors`, a missing
    /// record `NOT_FOUND`, anything else `INTERNAL`.
    fn from_result<T>(
        result: Result<T, PersistenceError>,
        wrap: impl FnOnce(T) -> Self::Entity,
    ) -> Result<Self, ApiError> {
        match result {
            Ok(value) => Ok(Self::written(wrap(value))),
            Err(PersistenceError::Invalid(errors)) => Ok(Self::refused(user_errors(errors))),
            Err(error) => Err(error.into()),
        }
    }

    /// [`Payload::from_result`] for a write of a child's record, audited by `audit`.
    fn from_write(
        result: Result<<Self::Entity as ChildData>::Value, PersistenceError>,
        audit: &stable_futures_domain::audit::AuditContext,
    ) -> Result<Self, ApiError>
    where
        Self::Entity: ChildData,
    {
        Self::from_result(result, |value| reads::written(value, audit))
    }
}
