use crate::graphql::types::guardian_assignment::GuardianAssignment;

payload!(
    /// Result of `endGuardianAssignment`.
    EndGuardianAssignmentPayload,
    assignment,
    GuardianAssignment
);
