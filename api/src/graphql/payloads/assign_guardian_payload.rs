use crate::graphql::types::guardian_assignment::GuardianAssignment;

payload!(
    /// Result of `assignGuardian`.
    AssignGuardianPayload,
    assignment,
    GuardianAssignment
);
