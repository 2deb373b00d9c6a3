//! Payloads of the guardian mutations.

use crate::graphql::types::guardian_assignment::GuardianAssignment;

payload!(
    /// Result of `requestGuardian`.
    RequestGuardianPayload,
    assignment,
    GuardianAssignment
);

payload!(
    /// Result of `assignGuardian`.
    AssignGuardianPayload,
    assignment,
    GuardianAssignment
);

payload!(
    /// Result of `endGuardianAssignment`.
    EndGuardianAssignmentPayload,
    assignment,
    GuardianAssignment
);
