//! A child's outcome profile and its chart (see `stable_futures_domain::outcome_profile`).

use async_graphql::{Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::outcome_profile;

use crate::graphql::chart::{self, ChartComparison};
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::scalars::Date;

/// One outcome of a child's profile: the first and the latest current reading and the change
/// between them. Outcomes are interconnected and rarely change in a straight line, so a profile
/// shows them side by side and never adds them up into one score.
#[derive(Debug, Clone)]
pub struct OutcomeProfileEntry(pub(crate) outcome_profile::OutcomeProfileEntry);

#[Object]
impl OutcomeProfileEntry {
    /// The framework version the readings were recorded against.
    async fn framework_version(&self) -> &str {
        &self.0.framework_version
    }

    /// The UNCRC article of the principle the outcome sits under in that version (null when the
    /// version is no longer known).
    async fn principle_article(&self) -> Option<i32> {
        self.0.principle_article
    }

    async fn principle_title(&self) -> Option<&str> {
        self.0.principle_title.as_deref()
    }

    async fn outcome_key(&self) -> &str {
        &self.0.outcome_key
    }

    async fn outcome_title(&self) -> Option<&str> {
        self.0.outcome_title.as_deref()
    }

    /// The earliest current measurement of the outcome.
    async fn first(&self) -> OutcomeReading {
        OutcomeReading(self.0.first)
    }

    /// The most recent current measurement of the outcome.
    async fn latest(&self) -> OutcomeReading {
        OutcomeReading(self.0.latest)
    }

    /// The young person's latest rating minus their first (null unless both readings have one).
    async fn young_person_change(&self) -> Option<i32> {
        self.0.young_person_change()
    }

    /// The practitioner's latest rating minus their first (null unless both readings have one).
    async fn practitioner_change(&self) -> Option<i32> {
        self.0.practitioner_change()
    }

    /// Current measurements of the outcome (corrected ones are left out).
    async fn measurement_count(&self) -> i32 {
        i32::try_from(self.0.measurements).unwrap_or(i32::MAX)
    }

    /// How many of them the young person took part in.
    async fn young_person_participated_count(&self) -> i32 {
        i32::try_from(self.0.young_person_participated).unwrap_or(i32::MAX)
    }

    /// The share of the measurements the young person took part in, from 0 to 1.
    async fn participation_share(&self) -> f64 {
        self.0.participation_share()
    }
}

/// One reading of an outcome in a profile.
#[derive(Debug, Clone, Copy)]
pub struct OutcomeReading(outcome_profile::Reading);

#[Object]
impl OutcomeReading {
    /// The measurement (fetch it with `node(id:)` for the words, with `sensitive:read`).
    async fn measurement_id(&self) -> ID {
        ids::encode(NodeKind::OutcomeMeasurement, self.0.measurement_id.0)
    }

    async fn observed_at(&self) -> DateTime<Utc> {
        self.0.observed_at
    }

    /// The UK date of the observation.
    async fn observed_on(&self) -> Date {
        Date(self.0.observed_on())
    }

    async fn young_person_participated(&self) -> bool {
        self.0.young_person_participated
    }

    async fn young_person_rating(&self) -> Option<i32> {
        self.0.young_person_rating
    }

    async fn practitioner_rating(&self) -> Option<i32> {
        self.0.practitioner_rating
    }
}

/// A child's outcome profile as an SVG star chart, to embed as it is.
#[derive(Debug, Clone)]
pub struct OutcomeProfileChart {
    pub(crate) chart: chart::Chart,
    pub(crate) comparison: ChartComparison,
}

#[Object]
impl OutcomeProfileChart {
    /// A self-contained SVG document (640 × 640): one axis per outcome, grouped by principle; the
    /// young person's ratings (green, circles) and the practitioner's (purple, squares); the first
    /// reading dashed, the latest solid. It holds outcome titles and ratings only: no identifiers,
    /// dates or words. Its `<title>` and `<desc>` describe it for screen readers.
    async fn svg(&self) -> &str {
        &self.chart.svg
    }

    /// What the chart shows, as plain text, one line per outcome.
    async fn text_alternative(&self) -> &str {
        &self.chart.text
    }

    async fn comparison(&self) -> ChartComparison {
        self.comparison
    }
}
