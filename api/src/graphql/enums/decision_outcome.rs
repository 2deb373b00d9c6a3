/// The outcome of a Reasonable or Conclusive Grounds decision.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::DecisionOutcome")]
pub enum DecisionOutcome {
    Positive,
    Negative,
}
