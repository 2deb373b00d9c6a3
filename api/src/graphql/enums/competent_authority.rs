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
