use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::enums::DecisionOutcome;

/// A Conclusive Grounds decision (needs a positive Reasonable Grounds decision).
#[derive(Debug, InputObject)]
pub struct RecordConclusiveGroundsDecisionInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub outcome: DecisionOutcome,
    pub decided_at: DateTime<Utc>,
}
