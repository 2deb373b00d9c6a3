//! Inputs of the guardian mutations.

use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::enums::{AssignmentEndReason, GuardianRole, GuardianService};

/// A request for an independent guardian for a child.
#[derive(Debug, InputObject)]
pub struct RequestGuardianInput {
    pub child_id: ID,
    pub service: GuardianService,
    /// A role the service has (ICTG: the four ICTG roles; Scotland and NI: GUARDIAN).
    pub role: GuardianRole,
    pub requested_at: DateTime<Utc>,
    /// Makes a retry safe: sent again with the same key and the same input within 24 hours, the
    /// request answers with what the first one created instead of creating it again; the same
    /// key with a different input is refused (`IDEMPOTENCY_CONFLICT`). Keys belong to the calling
    /// client; a new UUID per request is a good key.
    pub idempotency_key: Option<String>,
}

/// A guardian takes up a request.
#[derive(Debug, InputObject)]
pub struct AssignGuardianInput {
    pub assignment_id: ID,
    pub expected_version: i32,
    pub assigned_at: DateTime<Utc>,
    /// The role, if different from the one requested.
    pub role: Option<GuardianRole>,
}

/// Ends an assignment, or closes a request never taken up.
#[derive(Debug, InputObject)]
pub struct EndGuardianAssignmentInput {
    pub assignment_id: ID,
    pub expected_version: i32,
    pub ended_at: DateTime<Utc>,
    pub reason: AssignmentEndReason,
}
