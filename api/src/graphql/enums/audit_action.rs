/// What an audited operation did.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::audit::AuditAction")]
pub enum AuditAction {
    Read,
    Create,
    Update,
    /// A step in a referral's lifecycle: a decision, a reconsideration request, a withdrawal.
    Transition,
    /// A child and everything recorded about them erased (`eraseChild`).
    Erase,
}
