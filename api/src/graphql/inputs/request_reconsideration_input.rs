use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

/// A request to reconsider the latest negative decision, with new evidence (not an appeal).
#[derive(Debug, InputObject)]
pub struct RequestReconsiderationInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub requested_at: DateTime<Utc>,
}
