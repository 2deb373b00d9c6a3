use async_graphql::SimpleObject;

/// An indicator that an outcome is being met.
#[derive(Debug, Clone, SimpleObject)]
pub struct Indicator {
    pub key: String,
    pub title: String,
}
