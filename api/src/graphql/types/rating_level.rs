use async_graphql::SimpleObject;

/// A level of the framework's rating scale.
#[derive(Debug, Clone, SimpleObject)]
pub struct RatingLevel {
    pub value: i32,
    pub label: String,
}
