use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::enums::{GuardianRole, GuardianService};

/// A request for an independent guardian for a child.
#[derive(Debug, InputObject)]
pub struct RequestGuardianInput {
    pub child_id: ID,
    pub service: GuardianService,
    /// A role the service has (ICTG: the four ICTG roles; Scotland and NI: GUARDIAN).
    pub role: GuardianRole,
    pub requested_at: DateTime<Utc>,
}
