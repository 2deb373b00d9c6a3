use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::enums::AssignmentEndReason;

/// Ends an assignment, or closes a request never taken up.
#[derive(Debug, InputObject)]
pub struct EndGuardianAssignmentInput {
    pub assignment_id: ID,
    pub expected_version: i32,
    pub ended_at: DateTime<Utc>,
    pub reason: AssignmentEndReason,
}
