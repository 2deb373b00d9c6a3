/// What happened to a record, in the change feed.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::change::ChangeKind")]
pub enum ChangeKind {
    /// A child registered, a referral submitted, a guardian requested.
    Created,
    /// A child's details changed.
    Updated,
    /// A referral decided, reconsidered or withdrawn; a guardian assignment ended.
    StateChanged,
    /// A guardian assigned.
    Assigned,
    /// An outcome measurement (or a correction of one) recorded.
    Measured,
    /// The child and everything recorded about them were erased: delete your copy of the child
    /// and of every record that belongs to them.
    Erased,
}
