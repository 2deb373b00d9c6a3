//! The Positive Outcomes Framework defined by young people (Creating Stable Futures, 2022), and
//! measurements against it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::fields::past_instant;
use crate::ids::{ChildId, MeasurementId};

/// A versioned framework: principles (UNCRC articles), their outcomes and indicators, and the
/// rating scale measurements use. Reference data, loadable from a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeFramework {
    pub version: String,
    pub title: String,
    /// The framework holds only part of the published outcomes and indicators.
    pub partial: bool,
    /// Outcomes are placed under principles by us, not by the published framework.
    pub grouping_provisional: bool,
    /// Where the text comes from, and what is missing.
    pub notice: String,
    pub principles: Vec<Principle>,
    pub scale: Vec<RatingLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Principle {
    /// UNCRC article: 2 non-discrimination, 3 best interests, 6 life, survival and development,
    /// 12 participation.
    pub article: i32,
    pub title: String,
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outcome {
    /// Stable key measurements refer to (`being_safe_and_feeling_safe`).
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Indicator {
    pub key: String,
    pub title: String,
}

/// One level of the rating scale, ordered by `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatingLevel {
    pub value: i32,
    pub label: String,
}

/// Why a framework file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameworkError {
    #[error("the framework has no version")]
    NoVersion,
    #[error("principle article {0} appears twice")]
    DuplicatePrinciple(i32),
    #[error("outcome key {0:?} appears twice")]
    DuplicateOutcome(String),
    #[error("indicator key {0:?} appears twice")]
    DuplicateIndicator(String),
    #[error("key {0:?} is not lower_snake_case")]
    BadKey(String),
    #[error("the rating scale needs at least two levels with distinct values")]
    BadScale,
}

impl OutcomeFramework {
    /// Checks the rules the rest of the system relies on: unique keys, an ordered scale.
    pub fn validate(mut self) -> Result<Self, FrameworkError> {
        if self.version.trim().is_empty() {
            return Err(FrameworkError::NoVersion);
        }
        let mut articles = BTreeSet::new();
        let mut outcome_keys = BTreeSet::new();
        let mut indicator_keys = BTreeSet::new();
        for principle in &self.principles {
            if !articles.insert(principle.article) {
                return Err(FrameworkError::DuplicatePrinciple(principle.article));
            }
            for outcome in &principle.outcomes {
                check_key(&outcome.key)?;
                if !outcome_keys.insert(outcome.key.clone()) {
                    return Err(FrameworkError::DuplicateOutcome(outcome.key.clone()));
                }
                for indicator in &outcome.indicators {
                    check_key(&indicator.key)?;
                    if !indicator_keys.insert(indicator.key.clone()) {
                        return Err(FrameworkError::DuplicateIndicator(indicator.key.clone()));
                    }
                }
            }
        }
        self.scale.sort_by_key(|level| level.value);
        let distinct: BTreeSet<i32> = self.scale.iter().map(|level| level.value).collect();
        if self.scale.len() < 2 || distinct.len() != self.scale.len() {
            return Err(FrameworkError::BadScale);
        }
        Ok(self)
    }

    pub fn outcome(&self, key: &str) -> Option<&Outcome> {
        self.outcomes().find(|outcome| outcome.key == key)
    }

    /// Outcome `key` with its principle and their places in the framework's order.
    pub fn locate(&self, key: &str) -> Option<OutcomePlace<'_>> {
        self.principles
            .iter()
            .enumerate()
            .find_map(|(p, principle)| {
                principle
                    .outcomes
                    .iter()
                    .enumerate()
                    .find(|(_, outcome)| outcome.key == key)
                    .map(|(o, outcome)| OutcomePlace {
                        order: (p, o),
                        principle,
                        outcome,
                    })
            })
    }

    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        self.principles
            .iter()
            .flat_map(|principle| principle.outcomes.iter())
    }

    pub fn rating_in_scale(&self, value: i32) -> bool {
        self.scale.iter().any(|level| level.value == value)
    }

    /// The catalogue shipped with the code: the outcomes named in the published research summary.
    /// The full framework (25 outcomes, 86 indicators) is not in this repository; load it with
    /// `stable-futures framework load` when it is available.
    pub fn default_catalogue() -> OutcomeFramework {
        let outcome = |key: &str, title: &str| Outcome {
            key: key.to_owned(),
            title: title.to_owned(),
            indicators: Vec::new(),
        };
        let level = |value: i32, label: &str| RatingLevel {
            value,
            label: label.to_owned(),
        };
        OutcomeFramework {
            version: "csf-pof-summary-2022.1".to_owned(),
            title: "Creating Stable Futures: Positive Outcomes Framework (outcomes named in the research summary)".to_owned(),
            partial: true,
            grouping_provisional: true,
            notice: "Partial and provisional: holds only the outcomes named in the published research summary \
                     (Creating Stable Futures, 2022), not the full 25 outcomes and 86 indicators. The summary does \
                     not say which principle each outcome sits under, so the grouping and the rating scale are ours \
                     and provisional until the published framework is loaded."
                .to_owned(),
            principles: vec![
                Principle {
                    article: 2,
                    title: "Non-discrimination".to_owned(),
                    outcomes: vec![
                        outcome("equality", "Equality"),
                        outcome("access_to_interpreters", "Access to interpreters"),
                    ],
                },
                Principle {
                    article: 3,
                    title: "Best interests of the child".to_owned(),
                    outcomes: vec![
                        outcome("being_safe_and_feeling_safe", "Being safe and feeling safe"),
                        outcome("stability_and_peace", "Stability and peace"),
                        outcome("access_to_quality_legal_advice", "Access to quality legal advice"),
                    ],
                },
                Principle {
                    article: 6,
                    title: "Life, survival and development".to_owned(),
                    outcomes: vec![outcome("freedom", "Freedom")],
                },
                Principle {
                    article: 12,
                    title: "Participation: the right to be heard".to_owned(),
                    outcomes: vec![
                        outcome("being_listened_to", "Being listened to"),
                        outcome("being_believed", "Being believed"),
                        outcome("trust_in_professionals_and_systems", "Trust in professionals and systems"),
                    ],
                },
            ],
            scale: vec![
                level(1, "Not at all"),
                level(2, "A little"),
                level(3, "Somewhat"),
                level(4, "Mostly"),
                level(5, "Completely"),
            ],
        }
    }
}

fn check_key(key: &str) -> Result<(), FrameworkError> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(FrameworkError::BadKey(key.to_owned()))
    }
}

/// The longest free text kept for a young person's own words or a practitioner's note.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Unvalidated input for one observation.
#[derive(Debug, Clone)]
pub struct MeasurementDraft {
    pub outcome_key: String,
    pub observed_at: DateTime<Utc>,
    pub young_person_participated: bool,
    pub young_person_rating: Option<i32>,
    pub young_person_words: Option<String>,
    pub practitioner_rating: Option<i32>,
    pub practitioner_note: Option<String>,
    pub indicators_met: Vec<String>,
    /// The measurement this one corrects.
    pub supersedes: Option<MeasurementId>,
}

/// Where an outcome sits in its framework: its principle's and its own places, and both.
#[derive(Debug, Clone, Copy)]
pub struct OutcomePlace<'f> {
    pub order: (usize, usize),
    pub principle: &'f Principle,
    pub outcome: &'f Outcome,
}

/// One observation of one outcome for one child. Append-only: a correction is a new measurement
/// that supersedes the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeMeasurement {
    pub id: MeasurementId,
    pub child_id: ChildId,
    pub framework_version: String,
    pub outcome_key: String,
    pub observed_at: DateTime<Utc>,
    /// The token subject that recorded it.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub young_person_participated: bool,
    pub young_person_rating: Option<i32>,
    pub young_person_words: Option<String>,
    pub practitioner_rating: Option<i32>,
    pub practitioner_note: Option<String>,
    pub indicators_met: Vec<String>,
    pub supersedes: Option<MeasurementId>,
    /// The authority that recorded it, when it is not the one that holds it now (the child
    /// moved here with it: see `transfer`).
    pub recorded_by_local_authority: Option<crate::local_authority::LocalAuthorityCode>,
}

/// What the measurement being corrected looked like, for checking a correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupersededMeasurement {
    pub child_id: ChildId,
    pub outcome_key: String,
    pub already_superseded: bool,
}

impl MeasurementDraft {
    #[allow(clippy::too_many_arguments)]
    pub fn validate(
        self,
        id: MeasurementId,
        child_id: ChildId,
        framework: &OutcomeFramework,
        superseded: Option<&SupersededMeasurement>,
        recorded_by: &str,
        now: DateTime<Utc>,
    ) -> Result<OutcomeMeasurement, FieldErrors> {
        let mut errors = FieldErrors::new();
        let outcome = framework.outcome(&self.outcome_key);
        if outcome.is_none() {
            errors.push(FieldError::new(
                "outcomeKey",
                ErrorCode::UnknownOutcome,
                "no outcome with this key in the current framework (see Query.outcomeFramework)",
            ));
        }
        errors.take(past_instant("observedAt", self.observed_at, now));
        for (field, rating) in [
            ("youngPersonRating", self.young_person_rating),
            ("practitionerRating", self.practitioner_rating),
        ] {
            if let Some(value) = rating {
                if !framework.rating_in_scale(value) {
                    errors.push(FieldError::new(
                        field,
                        ErrorCode::RatingOutOfScale,
                        "the rating is not a level of the framework's scale (see Query.outcomeFramework.scale)",
                    ));
                }
            }
        }
        let young_person_words =
            normalise_text(&mut errors, "youngPersonWords", self.young_person_words);
        let practitioner_note =
            normalise_text(&mut errors, "practitionerNote", self.practitioner_note);
        if !self.young_person_participated {
            for (field, given) in [
                ("youngPersonRating", self.young_person_rating.is_some()),
                ("youngPersonWords", young_person_words.is_some()),
            ] {
                if given {
                    errors.push(FieldError::new(
                        field,
                        ErrorCode::ParticipationRequired,
                        "the young person's own rating or words need youngPersonParticipated: true",
                    ));
                }
            }
        }
        if self.young_person_rating.is_none()
            && young_person_words.is_none()
            && self.practitioner_rating.is_none()
            && practitioner_note.is_none()
            && self.indicators_met.is_empty()
        {
            errors.push(FieldError::new(
                "youngPersonRating",
                ErrorCode::NothingRecorded,
                "record at least a rating, the young person's words, a note or an indicator",
            ));
        }
        let mut indicators_met = self.indicators_met;
        indicators_met.sort();
        indicators_met.dedup();
        if let Some(outcome) = outcome {
            if indicators_met.iter().any(|key| {
                !outcome
                    .indicators
                    .iter()
                    .any(|indicator| &indicator.key == key)
            }) {
                errors.push(FieldError::new(
                    "indicatorsMet",
                    ErrorCode::UnknownIndicator,
                    "an indicator is not one of this outcome's indicators",
                ));
            }
        }
        if let (Some(_), Some(previous)) = (self.supersedes, superseded) {
            if previous.child_id != child_id || previous.outcome_key != self.outcome_key {
                errors.push(FieldError::new(
                    "supersedesId",
                    ErrorCode::SupersededMismatch,
                    "a correction must be for the same child and outcome as the measurement it supersedes",
                ));
            } else if previous.already_superseded {
                errors.push(FieldError::new(
                    "supersedesId",
                    ErrorCode::AlreadySuperseded,
                    "that measurement has already been corrected; supersede the latest correction",
                ));
            }
        } else if self.supersedes.is_some() {
            errors.push(FieldError::new(
                "supersedesId",
                ErrorCode::NotFound,
                "no measurement with this id",
            ));
        }
        errors.into_result(|| OutcomeMeasurement {
            id,
            child_id,
            framework_version: framework.version.clone(),
            outcome_key: self.outcome_key,
            observed_at: self.observed_at,
            recorded_by: recorded_by.to_owned(),
            recorded_at: now,
            young_person_participated: self.young_person_participated,
            young_person_rating: self.young_person_rating,
            young_person_words,
            practitioner_rating: self.practitioner_rating,
            practitioner_note,
            indicators_met,
            supersedes: self.supersedes,
            recorded_by_local_authority: None,
        })
    }
}

/// Trims free text and treats blank text as absent. Over-long text is reported but kept, so the
/// other checks still see that something was given and every problem is reported at once.
fn normalise_text(errors: &mut FieldErrors, field: &str, text: Option<String>) -> Option<String> {
    let text = text?.trim().to_owned();
    if text.is_empty() {
        return None;
    }
    errors.take(crate::fields::plain_text(field, &text));
    if text.chars().count() > MAX_TEXT_CHARS {
        errors.push(FieldError::new(
            field,
            ErrorCode::TooLong,
            "at most 4000 characters",
        ));
    }
    Some(text)
}
