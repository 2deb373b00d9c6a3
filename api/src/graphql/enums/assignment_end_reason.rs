/// Why a guardian assignment or request ended.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::guardian::AssignmentEndReason")]
pub enum AssignmentEndReason {
    SupportCompleted,
    ReachedAdulthood,
    MovedOutOfArea,
    YoungPersonDeclined,
    NotEligible,
    RequestWithdrawn,
    Other,
}
