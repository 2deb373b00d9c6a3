//! Inputs of the root lists of referrals and guardian assignments.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use stable_futures_persistence as stored;

use crate::graphql::enums::{
    AssignmentStatus, CompetentAuthority, ExploitationType, GuardianAssignmentOrderField,
    GuardianService, OrderDirection, ReferralOrderField, ReferralStatus,
};
use crate::graphql::errors::ApiError;
use crate::graphql::scalars::Date;

/// Which referrals to list: every condition given must hold.
#[derive(Debug, Clone, InputObject)]
pub struct ReferralFilter {
    pub status: Option<Vec<ReferralStatus>>,
    pub competent_authority: Option<Vec<CompetentAuthority>>,
    pub exploitation_types: Option<Vec<ExploitationType>>,
    /// Referred at or after this instant.
    pub referred_from: Option<DateTime<Utc>>,
    /// Referred before this instant.
    pub referred_before: Option<DateTime<Utc>>,
    /// With a reasonable-grounds decision due before this day (decided or not).
    pub reasonable_grounds_due_before: Option<Date>,
    /// Changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, InputObject)]
pub struct ReferralOrder {
    pub field: ReferralOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Which guardian requests and assignments to list: every condition given must hold.
#[derive(Debug, Clone, InputObject)]
pub struct GuardianAssignmentFilter {
    pub status: Option<Vec<AssignmentStatus>>,
    pub service: Option<Vec<GuardianService>>,
    /// Requested at or after this instant.
    pub requested_from: Option<DateTime<Utc>>,
    /// Requested before this instant.
    pub requested_before: Option<DateTime<Utc>>,
    /// Changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, InputObject)]
pub struct GuardianAssignmentOrder {
    pub field: GuardianAssignmentOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// A list of values to match, which may be left out but not given empty.
pub fn one_of<T: Copy, U>(
    name: &str,
    values: Option<&Vec<T>>,
    into: impl Fn(T) -> U,
) -> Result<Vec<U>, ApiError> {
    match values {
        None => Ok(Vec::new()),
        Some(values) if values.is_empty() => Err(ApiError::BadUserInput(format!(
            "filter.{name} must name at least one value, or be left out"
        ))),
        Some(values) => Ok(values.iter().copied().map(into).collect()),
    }
}

impl ReferralFilter {
    pub fn to_stored(&self) -> Result<stored::ReferralFilter, ApiError> {
        Ok(stored::ReferralFilter {
            statuses: one_of("status", self.status.as_ref(), Into::into)?,
            competent_authorities: one_of(
                "competentAuthority",
                self.competent_authority.as_ref(),
                Into::into,
            )?,
            exploitation_types: one_of(
                "exploitationTypes",
                self.exploitation_types.as_ref(),
                Into::into,
            )?,
            referred_from: self.referred_from,
            referred_before: self.referred_before,
            reasonable_grounds_due_before: self.reasonable_grounds_due_before.map(|date| date.0),
            updated_since: self.updated_since,
        })
    }
}

impl From<ReferralOrder> for stored::ReferralOrder {
    fn from(order: ReferralOrder) -> Self {
        stored::ReferralOrder {
            field: match order.field {
                ReferralOrderField::ReferredAt => stored::ReferralOrderField::ReferredAt,
                ReferralOrderField::UpdatedAt => stored::ReferralOrderField::UpdatedAt,
                ReferralOrderField::ReasonableGroundsDueOn => {
                    stored::ReferralOrderField::ReasonableGroundsDueOn
                }
            },
            descending: order.direction == OrderDirection::Desc,
        }
    }
}

impl GuardianAssignmentFilter {
    pub fn to_stored(&self) -> Result<stored::AssignmentFilter, ApiError> {
        Ok(stored::AssignmentFilter {
            statuses: one_of("status", self.status.as_ref(), Into::into)?,
            services: one_of("service", self.service.as_ref(), Into::into)?,
            requested_from: self.requested_from,
            requested_before: self.requested_before,
            updated_since: self.updated_since,
        })
    }
}

impl From<GuardianAssignmentOrder> for stored::AssignmentOrder {
    fn from(order: GuardianAssignmentOrder) -> Self {
        stored::AssignmentOrder {
            field: match order.field {
                GuardianAssignmentOrderField::RequestedAt => {
                    stored::AssignmentOrderField::RequestedAt
                }
                GuardianAssignmentOrderField::UpdatedAt => stored::AssignmentOrderField::UpdatedAt,
            },
            descending: order.direction == OrderDirection::Desc,
        }
    }
}
