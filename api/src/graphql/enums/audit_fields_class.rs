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
}
