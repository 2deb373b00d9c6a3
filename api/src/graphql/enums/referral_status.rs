/// Where a referral stands.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::ReferralStatus")]
pub enum ReferralStatus {
    /// Awaiting a Reasonable Grounds decision.
    Submitted,
    /// Positive Reasonable Grounds decision; awaiting the Conclusive Grounds decision.
    #[graphql(name = "RG_POSITIVE")]
    RgPositive,
    /// Negative Reasonable Grounds decision (it may be reconsidered).
    #[graphql(name = "RG_NEGATIVE")]
    RgNegative,
    /// Positive Conclusive Grounds decision.
    #[graphql(name = "CG_POSITIVE")]
    CgPositive,
    /// Negative Conclusive Grounds decision (it may be reconsidered).
    #[graphql(name = "CG_NEGATIVE")]
    CgNegative,
    /// The referral was withdrawn.
    Withdrawn,
}
