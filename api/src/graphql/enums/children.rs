//! Enums of a child's details and erasure.

/// Gender as recorded by the case system.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::child::Gender")]
pub enum Gender {
    Female,
    Male,
    Other,
    NotKnown,
    NotStated,
}

/// Immigration status, where relevant to the child's support.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::child::ImmigrationStatus")]
pub enum ImmigrationStatus {
    BritishOrIrishCitizen,
    /// Unaccompanied asylum-seeking child (UASC).
    UnaccompaniedAsylumSeekingChild,
    AsylumClaimPending,
    RefugeeStatus,
    HumanitarianProtection,
    DiscretionaryLeave,
    LimitedLeave,
    IndefiniteLeave,
    EuSettlementScheme,
    NoLeave,
    Unknown,
}

/// The child's relationship with children's services.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::child::CareStatus")]
pub enum CareStatus {
    LookedAfter,
    ChildProtectionPlan,
    ChildInNeed,
    CareLeaver,
    NoneRecorded,
}

/// Why a child's records are erased. A closed list: free text could name the child, and the
/// reason stays in the audit trail.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::audit::ErasureReason")]
pub enum ErasureReason {
    /// The young person, or someone entitled to act for them, asked for erasure.
    ErasureRequest,
    /// The record should never have been made (the wrong child, a test).
    RecordedInError,
    /// The child was recorded twice; the other record is kept.
    DuplicateRecord,
    /// The local authority's retention period for the records ended.
    RetentionPeriodEnded,
}

/// The column a list of children is ordered by; the child's id breaks ties, so the order is
/// total and cursors stay stable.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildOrderField {
    CreatedAt,
    UpdatedAt,
    DateOfBirth,
    LocalChildId,
}

/// Ascending or descending.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// An identifier a case system may know a child by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildIdentifierType {
    /// The NHS number (ten digits; spaces allowed).
    NhsNumber,
    /// The unique pupil number.
    Upn,
    /// The case system's own id.
    LocalChildId,
    /// The NRM's reference of one of the child's referrals (`recordHomeOfficeReference`).
    /// Needs `referrals:read`.
    HomeOfficeReference,
}
