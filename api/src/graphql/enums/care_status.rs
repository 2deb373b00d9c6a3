/// The child's relationship with children's services.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::child::CareStatus")]
pub enum CareStatus {
    LookedAfter,
    ChildProtectionPlan,
    ChildInNeed,
    CareLeaver,
    NoneRecorded,
}
