use async_graphql::Object;
use stable_futures_domain::outcomes;

use super::indicator::Indicator;

/// An outcome that young people defined as mattering to them.
#[derive(Debug, Clone)]
pub struct Outcome(pub outcomes::Outcome);

#[Object]
impl Outcome {
    /// Stable key used when recording measurements.
    async fn key(&self) -> &str {
        &self.0.key
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn indicators(&self) -> Vec<Indicator> {
        self.0
            .indicators
            .iter()
            .map(|i| Indicator {
                key: i.key.clone(),
                title: i.title.clone(),
            })
            .collect()
    }
}
