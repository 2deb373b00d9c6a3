//! Enums of the audit trail and the change feed.

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
    /// A step of a child's transfer between local authorities (offered, accepted, declined,
    /// withdrawn), in both authorities' trails.
    Transfer,
}

/// The kind of data an audited operation touched.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::audit::FieldsClass")]
pub enum AuditFieldsClass {
    /// The child's record: local id, UPN, NHS number, date of birth, nationality and so on.
    Identifiers,
    /// NRM referrals, their decisions and timelines.
    Referral,
    /// Independent guardian requests and assignments.
    Guardian,
    /// Outcome measurements.
    Outcomes,
    /// Free text: a young person's own words, practitioners' notes.
    SensitiveText,
    /// The audit trail itself.
    Audit,
    /// The local authority's settings (worklist thresholds): no child's data.
    Settings,
    /// Children's records read only in aggregate (a report), under disclosure control.
    Aggregate,
    /// A transfer of a child between authorities: who moves where and why, and what the
    /// receiving authority is told before it accepts.
    Transfer,
}

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
    /// and of every record that belongs to them. An authority the child had been offered to gets
    /// one per such transfer (`entityId` the transfer), so that it drops the offer too.
    Erased,
    /// The child moved to another local authority (a transfer accepted): archive your copy of
    /// the child and of every record that belongs to them. This authority no longer holds them:
    /// reading them now finds nothing.
    TransferredOut,
    /// A child arrived with a transfer (the entry of the child comes first), or one of their
    /// records did (one entry each, after the child's): add them to your copy.
    TransferredIn,
}
