/// Why an input was refused, for programs to branch on. Codes are never renamed once shipped.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::ErrorCode")]
pub enum UserErrorCode {
    #[graphql(name = "REQUIRED")]
    Required,
    #[graphql(name = "INVALID_FORMAT")]
    InvalidFormat,
    #[graphql(name = "TOO_LONG")]
    TooLong,
    #[graphql(name = "INVALID_NHS_NUMBER")]
    InvalidNhsNumber,
    #[graphql(name = "INVALID_UPN")]
    InvalidUpn,
    #[graphql(name = "IN_FUTURE")]
    InFuture,
    #[graphql(name = "OUT_OF_RANGE")]
    OutOfRange,
    #[graphql(name = "DUPLICATE_LOCAL_CHILD_ID")]
    DuplicateLocalChildId,
    #[graphql(name = "STALE_VERSION")]
    StaleVersion,
    #[graphql(name = "INVALID_TRANSITION")]
    InvalidTransition,
    #[graphql(name = "BEFORE_PRECEDING_EVENT")]
    BeforePrecedingEvent,
    #[graphql(name = "REQUIRES_POSITIVE_REASONABLE_GROUNDS")]
    RequiresPositiveReasonableGrounds,
    #[graphql(name = "DECISION_ALREADY_RECORDED")]
    DecisionAlreadyRecorded,
    #[graphql(name = "COUNTY_LINES_REQUIRES_CRIMINAL")]
    CountyLinesRequiresCriminal,
    #[graphql(name = "NOT_ELIGIBLE_FOR_DEVOLVED_DECISION")]
    NotEligibleForDevolvedDecision,
    #[graphql(name = "OPEN_ASSIGNMENT_EXISTS")]
    OpenAssignmentExists,
    #[graphql(name = "ROLE_NOT_OFFERED_BY_SERVICE")]
    RoleNotOfferedByService,
    #[graphql(name = "NOT_ASSIGNED")]
    NotAssigned,
    #[graphql(name = "ALREADY_ASSIGNED")]
    AlreadyAssigned,
    #[graphql(name = "ALREADY_ENDED")]
    AlreadyEnded,
    #[graphql(name = "UNKNOWN_OUTCOME")]
    UnknownOutcome,
    #[graphql(name = "UNKNOWN_INDICATOR")]
    UnknownIndicator,
    #[graphql(name = "RATING_OUT_OF_SCALE")]
    RatingOutOfScale,
    #[graphql(name = "PARTICIPATION_REQUIRED")]
    ParticipationRequired,
    #[graphql(name = "NOTHING_RECORDED")]
    NothingRecorded,
    #[graphql(name = "SUPERSEDED_MISMATCH")]
    SupersededMismatch,
    #[graphql(name = "ALREADY_SUPERSEDED")]
    AlreadySuperseded,
    #[graphql(name = "NOT_FOUND")]
    NotFound,
    /// The idempotency key was already used, within its 24 hours, for a different input.
    #[graphql(name = "IDEMPOTENCY_CONFLICT")]
    IdempotencyConflict,
    #[graphql(name = "DUPLICATE_HOME_OFFICE_REFERENCE")]
    DuplicateHomeOfficeReference,
    /// The receiving authority already holds a child with the same NHS number or Home Office
    /// reference (`possibleDuplicate`): accept again with `allowDuplicate: true` to keep both.
    #[graphql(name = "POSSIBLE_DUPLICATE")]
    PossibleDuplicate,
}
