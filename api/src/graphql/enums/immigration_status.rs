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
