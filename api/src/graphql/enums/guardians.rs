//! Enums of guardian assignments.

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

/// The guardian's role. ICTG has four roles; Scotland and Northern Ireland have one (`GUARDIAN`).
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::guardian::GuardianRole")]
pub enum GuardianRole {
    /// ICTG one-to-one worker, for a child with nobody holding parental responsibility in the UK.
    DirectWorker,
    /// ICTG professional-facing role where someone holds parental responsibility.
    RegionalPracticeCoordinator,
    /// ICTG regional practitioner.
    RegionalPractitioner,
    /// ICTG support after 18 (pilot).
    #[graphql(name = "POST_18_WORKER")]
    Post18Worker,
    /// A guardian of Guardianship Scotland or the NI Independent Guardian Service.
    Guardian,
}

/// The independent guardianship services of the UK's nations.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::guardian::GuardianService")]
pub enum GuardianService {
    /// Independent Child Trafficking Guardians (England and Wales).
    #[graphql(name = "ICTG")]
    Ictg,
    /// Guardianship Scotland.
    GuardianshipScotland,
    /// Independent Guardian Service (Northern Ireland).
    #[graphql(name = "NI_INDEPENDENT_GUARDIAN")]
    NiIndependentGuardian,
}

/// The column a list of guardian requests and assignments is ordered by; the id breaks ties.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuardianAssignmentOrderField {
    RequestedAt,
    UpdatedAt,
}
