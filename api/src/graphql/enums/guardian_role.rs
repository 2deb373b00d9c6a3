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
