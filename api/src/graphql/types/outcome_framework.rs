use std::sync::Arc;

use async_graphql::Object;
use stable_futures_domain::outcomes;

use super::principle::Principle;
use super::rating_level::RatingLevel;

/// The Positive Outcomes Framework defined by young people (Creating Stable Futures, 2022):
/// versioned reference data. Check `partial` and `groupingProvisional` before relying on it.
#[derive(Debug, Clone)]
pub struct OutcomeFramework(pub Arc<outcomes::OutcomeFramework>);

#[Object]
impl OutcomeFramework {
    async fn version(&self) -> &str {
        &self.0.version
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// True while only part of the published framework is loaded.
    async fn partial(&self) -> bool {
        self.0.partial
    }

    /// True while the placing of outcomes under principles is ours, not the published one.
    async fn grouping_provisional(&self) -> bool {
        self.0.grouping_provisional
    }

    /// Where the text comes from and what is missing.
    async fn notice(&self) -> &str {
        &self.0.notice
    }

    async fn principles(&self) -> Vec<Principle> {
        self.0.principles.iter().cloned().map(Principle).collect()
    }

    /// The rating scale, lowest level first.
    async fn scale(&self) -> Vec<RatingLevel> {
        self.0
            .scale
            .iter()
            .map(|level| RatingLevel {
                value: level.value,
                label: level.label.clone(),
            })
            .collect()
    }
}
