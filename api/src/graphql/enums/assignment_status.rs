/// Where a guardian request stands.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::guardian::AssignmentStatus")]
pub enum AssignmentStatus {
    /// Requested; no guardian assigned yet.
    Requested,
    /// A guardian is assigned.
    Assigned,
    /// The assignment (or the request) has ended.
    Ended,
}
