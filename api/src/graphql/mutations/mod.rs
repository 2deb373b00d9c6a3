//! Mutations, grouped by what they change.

mod children;
mod guardians;
mod measurements;
mod referrals;
mod settings;
mod transfers;

use async_graphql::MergedObject;

#[derive(Debug, Default, MergedObject)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    children::ChildMutations,
    referrals::ReferralMutations,
    guardians::GuardianMutations,
    measurements::MeasurementMutations,
    settings::SettingsMutations,
    transfers::TransferMutations,
);
