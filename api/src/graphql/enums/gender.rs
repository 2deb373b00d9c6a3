/// Gender as recorded by the case system.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::child::Gender")]
pub enum Gender {
    Female,
    Male,
    Other,
    NotKnown,
    NotStated,
}
