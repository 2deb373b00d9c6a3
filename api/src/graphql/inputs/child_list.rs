//! Inputs of the children list: which children, in which order.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use stable_futures_persistence::{ChildFilter as StoredFilter, ChildOrder as StoredOrder};

use super::record_lists::one_of;
use crate::graphql::enums::{
    AssignmentStatus, ChildOrderField, ExploitationType, OrderDirection, ReferralStatus,
};
use crate::graphql::errors::ApiError;

/// Which children to list: every condition given must hold.
#[derive(Debug, Clone, InputObject)]
pub struct ChildFilter {
    /// Changed (or registered) at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
    /// Has (true) or has not (false) a referral still waiting for a decision that ends it.
    /// Needs `referrals:read`.
    pub has_open_referral: Option<bool>,
    /// Has a referral in one of these states. Needs `referrals:read`.
    pub referral_status: Option<Vec<ReferralStatus>>,
    /// Has a referral about one of these kinds of exploitation. Needs `referrals:read`.
    pub exploitation_types: Option<Vec<ExploitationType>>,
    pub age_disputed: Option<bool>,
    /// Has a guardian request or assignment in one of these states. Needs `guardians:read`.
    pub guardian_status: Option<Vec<AssignmentStatus>>,
}

/// The order of a list of children.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct ChildOrder {
    pub field: ChildOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl ChildFilter {
    pub fn to_stored(&self) -> Result<StoredFilter, ApiError> {
        Ok(StoredFilter {
            updated_since: self.updated_since,
            has_open_referral: self.has_open_referral,
            referral_statuses: one_of("referralStatus", self.referral_status.as_ref(), Into::into)?,
            exploitation_types: one_of(
                "exploitationTypes",
                self.exploitation_types.as_ref(),
                Into::into,
            )?,
            age_disputed: self.age_disputed,
            guardian_statuses: one_of("guardianStatus", self.guardian_status.as_ref(), Into::into)?,
        })
    }
}

impl From<ChildOrder> for StoredOrder {
    fn from(order: ChildOrder) -> Self {
        use stable_futures_persistence::ChildOrderField as Field;
        StoredOrder {
            field: match order.field {
                ChildOrderField::CreatedAt => Field::CreatedAt,
                ChildOrderField::UpdatedAt => Field::UpdatedAt,
                ChildOrderField::DateOfBirth => Field::DateOfBirth,
                ChildOrderField::LocalChildId => Field::LocalChildId,
            },
            descending: order.direction == OrderDirection::Desc,
        }
    }
}
