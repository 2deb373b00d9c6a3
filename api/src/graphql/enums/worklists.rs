//! Enums of the worklist.

/// What is due for a child. See the integration guide's "Worklists" for each kind's rule and the
/// research's reason for it.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[graphql(remote = "stable_futures_domain::worklist::WorkItemKind")]
pub enum WorkItemKind {
    /// A referral without a reasonable-grounds decision past its due date: 5 working days of the
    /// authority's nation from referral, 45 calendar days for a devolved panel.
    ReasonableGroundsOverdue,
    /// A child with a referral and no guardian requested from the nation's service
    /// (`guardianRequestDays` after the referral).
    GuardianNotRequested,
    /// A guardian request not yet taken up (`guardianAssignmentDays` after the request).
    GuardianNotAssigned,
    /// A child with open work whose latest outcome measurement (or the start of the work) is
    /// `measurementIntervalDays` old.
    MeasurementDue,
    /// The last `youngPersonViewWindow` measurements were all recorded without the young person.
    YoungPersonViewMissing,
    /// A young person with an undecided referral turns 18 within `turning18Days`: their consent
    /// to continue in the NRM is then needed.
    #[graphql(name = "TURNING_18")]
    Turning18,
    /// A positive reasonable-grounds decision, no conclusive one, and the recovery period ends
    /// within `recoveryPeriodEndingDays`.
    RecoveryPeriodEnding,
    /// A reconsideration requested `reconsiderationWaitingDays` ago and not yet decided.
    ReconsiderationWaiting,
    /// A transfer of a child offered to this authority, not yet accepted or declined: due by
    /// its `responsibilityFrom`, listed from the day it was offered. Needs `transfers:read`.
    /// The item's `transfer` is the offer; its `child` is null, as the child is still the
    /// sending authority's.
    TransferOfferWaiting,
}
