use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

/// Withdraws a referral that has no Conclusive Grounds decision.
#[derive(Debug, InputObject)]
pub struct WithdrawReferralInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub withdrawn_at: DateTime<Utc>,
}
