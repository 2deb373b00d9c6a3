//! A child's outcome profile: per outcome, the first and the latest current reading and the change
//! between them. Never one overall score: the research found outcomes interconnected and rarely
//! linear, so they are shown side by side, not summed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::uk_date;
use crate::ids::MeasurementId;
use crate::outcomes::{OutcomeFramework, OutcomeMeasurement};

/// One reading of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub measurement_id: MeasurementId,
    pub observed_at: DateTime<Utc>,
    pub young_person_participated: bool,
    pub young_person_rating: Option<i32>,
    pub practitioner_rating: Option<i32>,
}

impl Reading {
    fn of(measurement: &OutcomeMeasurement) -> Self {
        Self {
            measurement_id: measurement.id,
            observed_at: measurement.observed_at,
            young_person_participated: measurement.young_person_participated,
            young_person_rating: measurement.young_person_rating,
            practitioner_rating: measurement.practitioner_rating,
        }
    }

    /// The UK date of the reading.
    pub fn observed_on(&self) -> NaiveDate {
        uk_date(self.observed_at)
    }
}

/// One outcome of a child's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeProfileEntry {
    pub framework_version: String,
    /// The UNCRC article of the principle the outcome sits under, and its title (as the framework
    /// version names them; `None` when that version is not known).
    pub principle_article: Option<i32>,
    pub principle_title: Option<String>,
    pub outcome_key: String,
    pub outcome_title: Option<String>,
    pub first: Reading,
    pub latest: Reading,
    /// Current measurements of the outcome (corrected ones left out).
    pub measurements: usize,
    /// How many of them the young person took part in.
    pub young_person_participated: usize,
}

impl OutcomeProfileEntry {
    /// Latest minus first young person's rating, when both readings have one.
    pub fn young_person_change(&self) -> Option<i32> {
        Some(self.latest.young_person_rating? - self.first.young_person_rating?)
    }

    /// Latest minus first practitioner's rating, when both readings have one.
    pub fn practitioner_change(&self) -> Option<i32> {
        Some(self.latest.practitioner_rating? - self.first.practitioner_rating?)
    }

    /// The share of the measurements the young person took part in, 0 to 1.
    pub fn participation_share(&self) -> f64 {
        if self.measurements == 0 {
            return 0.0;
        }
        // Counts of one child's measurements: far below f64's exact integers.
        self.young_person_participated as f64 / self.measurements as f64
    }
}

/// The profile of the current measurements of one child: one entry per outcome and framework
/// version measured, in the order of the framework (principle, then outcome), versions in the
/// order they were first used. `frameworks` resolves a version to its framework.
pub fn outcome_profile<'f>(
    measurements: &[OutcomeMeasurement],
    frameworks: impl Fn(&str) -> Option<&'f OutcomeFramework>,
) -> Vec<OutcomeProfileEntry> {
    let mut by_outcome: BTreeMap<(String, String), Vec<&OutcomeMeasurement>> = BTreeMap::new();
    for measurement in measurements {
        by_outcome
            .entry((
                measurement.framework_version.clone(),
                measurement.outcome_key.clone(),
            ))
            .or_default()
            .push(measurement);
    }
    let mut entries: Vec<(usize, usize, DateTime<Utc>, OutcomeProfileEntry)> = Vec::new();
    for ((version, key), mut readings) in by_outcome {
        readings.sort_by_key(|m| (m.observed_at, m.id));
        let (Some(first), Some(latest)) = (readings.first(), readings.last()) else {
            continue;
        };
        let framework = frameworks(&version);
        let place = framework.and_then(|framework| framework.locate(&key));
        let entry = OutcomeProfileEntry {
            framework_version: version.clone(),
            principle_article: place.map(|place| place.principle.article),
            principle_title: place.map(|place| place.principle.title.clone()),
            outcome_key: key.clone(),
            outcome_title: place.map(|place| place.outcome.title.clone()),
            first: Reading::of(first),
            latest: Reading::of(latest),
            measurements: readings.len(),
            young_person_participated: readings
                .iter()
                .filter(|m| m.young_person_participated)
                .count(),
        };
        let (principle_index, outcome_index) =
            place.map_or((usize::MAX, usize::MAX), |place| place.order);
        entries.push((principle_index, outcome_index, first.observed_at, entry));
    }
    // Versions in the order they were first used; within one, the framework's order.
    let mut first_use: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    for (_, _, at, entry) in &entries {
        first_use
            .entry(entry.framework_version.clone())
            .and_modify(|first| *first = (*first).min(*at))
            .or_insert(*at);
    }
    entries.sort_by(|a, b| {
        let version_a = (
            first_use.get(&a.3.framework_version),
            &a.3.framework_version,
        );
        let version_b = (
            first_use.get(&b.3.framework_version),
            &b.3.framework_version,
        );
        version_a
            .cmp(&version_b)
            .then(a.0.cmp(&b.0))
            .then(a.1.cmp(&b.1))
            .then(a.3.outcome_key.cmp(&b.3.outcome_key))
    });
    entries.into_iter().map(|(_, _, _, entry)| entry).collect()
}
