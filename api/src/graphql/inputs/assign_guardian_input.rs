use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::enums::GuardianRole;

/// A guardian takes up a request.
#[derive(Debug, InputObject)]
pub struct AssignGuardianInput {
    pub assignment_id: ID,
    pub expected_version: i32,
    pub assigned_at: DateTime<Utc>,
    /// The role, if different from the one requested.
    pub role: Option<GuardianRole>,
}
