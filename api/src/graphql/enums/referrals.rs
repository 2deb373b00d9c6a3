//! Enums of NRM referrals and their decisions.

/// Who decides on the referral.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::CompetentAuthority")]
pub enum CompetentAuthority {
    /// Single Competent Authority (Home Office).
    Sca,
    /// Immigration Enforcement Competent Authority.
    Ieca,
    /// A local multi-agency panel of the Devolved Decision-Making pilot.
    DdmPanel,
}

/// The outcome of a Reasonable or Conclusive Grounds decision.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::DecisionOutcome")]
pub enum DecisionOutcome {
    Positive,
    Negative,
}

/// Where the exploitation took place.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::ExploitationLocation")]
pub enum ExploitationLocation {
    /// In the UK only.
    Uk,
    /// Overseas only.
    Overseas,
    /// Both in the UK and overseas.
    UkAndOverseas,
}

/// A form of exploitation the referral is about; several may apply.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::ExploitationType")]
pub enum ExploitationType {
    /// Sexual exploitation.
    Sexual,
    /// Labour exploitation.
    Labour,
    /// Criminal exploitation (see `countyLines`).
    Criminal,
    /// Domestic servitude.
    DomesticServitude,
    /// Organ harvesting.
    OrganHarvesting,
    /// Not specified or not yet known.
    Unknown,
}

/// The kind of first responder organisation that made the referral.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::FirstResponderType")]
pub enum FirstResponderType {
    Police,
    LocalAuthority,
    /// A Health and Social Care Trust (Northern Ireland).
    HealthAndSocialCareTrust,
    UkVisasAndImmigration,
    BorderForce,
    ImmigrationEnforcement,
    NationalCrimeAgency,
    GangmastersAndLabourAbuseAuthority,
    /// A designated non-governmental organisation (name it in `organisationName`).
    #[graphql(name = "DESIGNATED_NGO")]
    DesignatedNonGovernmentalOrganisation,
}

/// What happened to a referral, in its timeline.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::referral::ReferralEventKind")]
pub enum ReferralEventKind {
    Submitted,
    ReasonableGroundsDecision,
    ConclusiveGroundsDecision,
    ReconsiderationRequested,
    Withdrawn,
    /// The child, and the referral with them, moved to another local authority (a transfer
    /// accepted): the events before it were recorded by the authority they left.
    Transferred,
}

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

/// The column a list of referrals is ordered by; the referral's id breaks ties.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralOrderField {
    ReferredAt,
    UpdatedAt,
    ReasonableGroundsDueOn,
}
