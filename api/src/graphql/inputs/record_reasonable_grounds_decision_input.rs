use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::enums::DecisionOutcome;

/// A Reasonable Grounds decision on a referral (the first, or the reconsidered one).
#[derive(Debug, InputObject)]
pub struct RecordReasonableGroundsDecisionInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub outcome: DecisionOutcome,
    pub decided_at: DateTime<Utc>,
}
