/// The independent guardianship services of the UK's nations.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::guardian::GuardianService")]
pub enum GuardianService {
    /// Independent Child Trafficking Guardians (England and Wales).
    #[graphql(name = "ICTG")]
    Ictg,
    /// Guardianship Scotland.
    GuardianshipScotland,
    /// Independent Guardian Service (Northern Ireland).
    #[graphql(name = "NI_INDEPENDENT_GUARDIAN")]
    NiIndependentGuardian,
}
