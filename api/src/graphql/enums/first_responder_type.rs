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
