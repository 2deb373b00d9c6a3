use async_graphql::Object;
use stable_futures_domain::outcomes;

use super::outcome::Outcome;

/// A UNCRC General Principle under which outcomes are grouped.
#[derive(Debug, Clone)]
pub struct Principle(pub outcomes::Principle);

#[Object]
impl Principle {
    /// UNCRC article: 2 non-discrimination, 3 best interests, 6 life, survival and development,
    /// 12 participation.
    async fn article(&self) -> i32 {
        self.0.article
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn outcomes(&self) -> Vec<Outcome> {
        self.0.outcomes.iter().cloned().map(Outcome).collect()
    }
}
