use crate::graphql::types::guardian_assignment::GuardianAssignment;

payload!(
    /// Result of `requestGuardian`.
    RequestGuardianPayload,
    assignment,
    GuardianAssignment
);
