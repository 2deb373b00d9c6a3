/// What happened to a referral, in its timeline.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::ReferralEventKind")]
pub enum ReferralEventKind {
    Submitted,
    ReasonableGroundsDecision,
    ConclusiveGroundsDecision,
    ReconsiderationRequested,
    Withdrawn,
}
