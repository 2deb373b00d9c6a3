//! Inputs of the outcome mutations.

use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::ids::MeasurementId;
use stable_futures_domain::outcomes::MeasurementDraft;

/// An observation of one outcome for one child, ideally with the young person taking part.
#[derive(Debug, InputObject)]
pub struct RecordOutcomeMeasurementInput {
    pub child_id: ID,
    /// An outcome key of the current framework (see `outcomeFramework`).
    pub outcome_key: String,
    pub observed_at: DateTime<Utc>,
    pub young_person_participated: bool,
    /// The young person's own rating, on the framework's scale.
    pub young_person_rating: Option<i32>,
    /// The young person's own words (at most 4000 characters).
    pub young_person_words: Option<String>,
    pub practitioner_rating: Option<i32>,
    pub practitioner_note: Option<String>,
    #[graphql(default)]
    pub indicators_met: Vec<String>,
    /// The measurement this one corrects.
    pub supersedes_id: Option<ID>,
    /// Makes a retry safe: sent again with the same key and the same input within 24 hours, the
    /// request answers with what the first one created instead of creating it again; the same
    /// key with a different input is refused (`IDEMPOTENCY_CONFLICT`). Keys belong to the calling
    /// client; a new UUID per request is a good key.
    pub idempotency_key: Option<String>,
}

impl RecordOutcomeMeasurementInput {
    pub fn draft(self, supersedes: Option<MeasurementId>) -> MeasurementDraft {
        MeasurementDraft {
            outcome_key: self.outcome_key,
            observed_at: self.observed_at,
            young_person_participated: self.young_person_participated,
            young_person_rating: self.young_person_rating,
            young_person_words: self.young_person_words,
            practitioner_rating: self.practitioner_rating,
            practitioner_note: self.practitioner_note,
            indicators_met: self.indicators_met,
            supersedes,
        }
    }
}
