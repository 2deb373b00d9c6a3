//! Outcomes of the children measured in a period: how many, how often the young person took part,
//! and per outcome the change between the first and the latest reading of the period — the young
//! person's and the practitioner's apart. Grouped by the NRM's decisions and by whether a guardian
//! came promptly, it is the comparison the research's fifth recommendation asks for. It shows
//! association, not cause; and the framework is partial and its 1–5 scale is ours.

use std::collections::BTreeMap;

use super::dimensions::{groups_of, Dimension, GroupKey, Subject};
use super::nrm_timeliness::Period;
use super::publish::{
    controlled_count, controlled_counts, percent, Cell, Grouped, Rollup, Totalled,
};
use super::statistics::median;
use crate::calendar::uk_date;
use crate::child::Child;
use crate::disclosure::RuleSet;
use crate::guardian::GuardianAssignment;
use crate::local_authority::LocalAuthorityCode;
use crate::outcome_profile::{outcome_profile, OutcomeProfileEntry};
use crate::outcomes::{OutcomeFramework, OutcomeMeasurement};
use crate::referral::NrmReferral;

/// What the outcomes report groups by.
pub const OUTCOMES_GROUPS: [Dimension; 5] = [
    Dimension::ReasonableGroundsOutcome,
    Dimension::ConclusiveGroundsOutcome,
    Dimension::GuardianAssigned,
    Dimension::ExploitationType,
    Dimension::AgeBand,
];

/// A child with their first referral, first guardian request and current measurements (those
/// not corrected by a later one).
#[derive(Debug, Clone, Copy)]
pub struct MeasuredChild<'a> {
    pub child: &'a Child,
    pub first_referral: Option<&'a NrmReferral>,
    pub first_assignment: Option<&'a GuardianAssignment>,
    pub measurements: &'a [OutcomeMeasurement],
}

/// An outcome of a framework version, ordered as the framework orders it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutcomeRef {
    pub framework_version: String,
    /// The principle's and the outcome's places in the framework (unknown ones last).
    pub place: (usize, usize),
    pub outcome_key: String,
}

/// How one rating moved between the first and the latest reading, over the children with both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub with_change: u64,
    pub improved: u64,
    pub same: u64,
    pub worse: u64,
    /// Latest minus first, in points of the scale.
    pub median_change: Option<f64>,
}

impl Changes {
    fn of(changes: &[i64]) -> Self {
        let count = |keep: fn(&i64) -> bool| changes.iter().filter(|c| keep(c)).count() as u64;
        Self {
            with_change: changes.len() as u64,
            improved: count(|c| *c > 0),
            same: count(|c| *c == 0),
            worse: count(|c| *c < 0),
            median_change: median(changes),
        }
    }

    fn class(&self, class: Option<usize>) -> u64 {
        match class {
            Some(0) => self.improved,
            Some(1) => self.same,
            Some(_) => self.worse,
            None => self.with_change,
        }
    }
}

/// One outcome in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeChanges {
    pub principle_article: Option<i32>,
    pub principle_title: Option<String>,
    pub outcome_title: Option<String>,
    /// Children of the group measured on the outcome in the period.
    pub children: u64,
    pub young_person: Changes,
    pub practitioner: Changes,
}

/// One row of the report: the children of one group measured in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomesRow {
    pub group: GroupKey,
    pub children_measured: u64,
    pub measurements: u64,
    /// Of the measurements, those the young person took part in.
    pub young_person_took_part: u64,
    pub outcomes: BTreeMap<OutcomeRef, OutcomeChanges>,
}

impl Grouped for OutcomesRow {
    fn group(&self) -> &GroupKey {
        &self.group
    }

    fn empty(group: GroupKey) -> Self {
        Self {
            group,
            children_measured: 0,
            measurements: 0,
            young_person_took_part: 0,
            outcomes: BTreeMap::new(),
        }
    }
}

#[derive(Default)]
struct OutcomeTally {
    entry: Option<OutcomeProfileEntry>,
    children: u64,
    young_person: Vec<i64>,
    practitioner: Vec<i64>,
}

#[derive(Default)]
struct Tally {
    children: u64,
    measurements: u64,
    took_part: u64,
    outcomes: BTreeMap<OutcomeRef, OutcomeTally>,
}

/// An outcome as a report names and orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedOutcome {
    pub reference: OutcomeRef,
    pub principle_article: Option<i32>,
    pub principle_title: Option<String>,
    pub outcome_title: Option<String>,
}

/// Outcome `key` of framework `version` (`framework`: that version, if known), described.
pub fn describe_outcome(
    framework: Option<&OutcomeFramework>,
    version: &str,
    key: &str,
) -> DescribedOutcome {
    let place = framework.and_then(|framework| framework.locate(key));
    DescribedOutcome {
        reference: OutcomeRef {
            framework_version: version.to_owned(),
            place: place.map_or((usize::MAX, usize::MAX), |place| place.order),
            outcome_key: key.to_owned(),
        },
        principle_article: place.map(|place| place.principle.article),
        principle_title: place.map(|place| place.principle.title.clone()),
        outcome_title: place.map(|place| place.outcome.title.clone()),
    }
}

/// The report over the children with a current measurement observed in `period` (UK dates), by
/// `group_by`. The first and latest readings are those of the period; a change needs two
/// readings with the rating in both. `frameworks` resolves a framework version; a child's first
/// guardian is judged by `threshold_days` of the child's authority.
pub fn outcomes<'f>(
    records: &[MeasuredChild<'_>],
    period: Period,
    threshold_days: &dyn Fn(&LocalAuthorityCode) -> u32,
    frameworks: impl Fn(&str) -> Option<&'f OutcomeFramework> + Copy,
    group_by: &[Dimension],
) -> Vec<OutcomesRow> {
    let mut tallies: BTreeMap<GroupKey, Tally> = BTreeMap::new();
    for record in records {
        let in_period: Vec<OutcomeMeasurement> = record
            .measurements
            .iter()
            .filter(|m| period.contains(uk_date(m.observed_at)))
            .cloned()
            .collect();
        let Some(first_on) = in_period.iter().map(|m| uk_date(m.observed_at)).min() else {
            continue;
        };
        let profile = outcome_profile(&in_period, frameworks);
        let subject = Subject {
            child: record.child,
            referral: record.first_referral,
            assignment: record.first_assignment,
            guardian_threshold_days: threshold_days(&record.child.local_authority),
            on: first_on,
        };
        for group in groups_of(&subject, group_by) {
            let tally = tallies.entry(group).or_default();
            tally.children += 1;
            tally.measurements += in_period.len() as u64;
            tally.took_part += in_period
                .iter()
                .filter(|m| m.young_person_participated)
                .count() as u64;
            for entry in &profile {
                let reference = describe_outcome(
                    frameworks(&entry.framework_version),
                    &entry.framework_version,
                    &entry.outcome_key,
                )
                .reference;
                let outcome = tally.outcomes.entry(reference).or_default();
                outcome.children += 1;
                if entry.measurements >= 2 {
                    outcome
                        .young_person
                        .extend(entry.young_person_change().map(i64::from));
                    outcome
                        .practitioner
                        .extend(entry.practitioner_change().map(i64::from));
                }
                outcome.entry.get_or_insert_with(|| entry.clone());
            }
        }
    }
    tallies
        .into_iter()
        .map(|(group, tally)| OutcomesRow {
            group,
            children_measured: tally.children,
            measurements: tally.measurements,
            young_person_took_part: tally.took_part,
            outcomes: tally
                .outcomes
                .into_iter()
                .map(|(reference, outcome)| {
                    let entry = outcome.entry;
                    let changes = OutcomeChanges {
                        principle_article: entry.as_ref().and_then(|e| e.principle_article),
                        principle_title: entry.as_ref().and_then(|e| e.principle_title.clone()),
                        outcome_title: entry.as_ref().and_then(|e| e.outcome_title.clone()),
                        children: outcome.children,
                        young_person: Changes::of(&outcome.young_person),
                        practitioner: Changes::of(&outcome.practitioner),
                    };
                    (reference, changes)
                })
                .collect(),
        })
        .collect()
}

/// How one rating moved, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlledChanges {
    pub with_change: Cell,
    pub improved: Cell,
    pub improved_share: Cell,
    pub same: Cell,
    pub same_share: Cell,
    pub worse: Cell,
    pub worse_share: Cell,
    pub median_change: Cell,
}

/// One outcome of a group, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlledOutcome {
    pub outcome: OutcomeRef,
    pub principle_article: Option<i32>,
    pub principle_title: Option<String>,
    pub outcome_title: Option<String>,
    pub children: Cell,
    pub young_person: ControlledChanges,
    pub practitioner: ControlledChanges,
}

/// A row of the outcomes report as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlledOutcomesRow {
    pub group: GroupKey,
    pub children_measured: Cell,
    /// Counts of measurements, not children: hidden with the children they are of.
    pub measurements: Cell,
    pub young_person_participation_share: Cell,
    pub outcomes: Vec<ControlledOutcome>,
}

impl Totalled for ControlledChanges {
    fn rounded_to_ten(self) -> Self {
        Self {
            with_change: self.with_change.rounded_to_ten(),
            improved: self.improved.rounded_to_ten(),
            same: self.same.rounded_to_ten(),
            worse: self.worse.rounded_to_ten(),
            ..self
        }
    }
}

impl Totalled for ControlledOutcomesRow {
    fn rounded_to_ten(self) -> Self {
        Self {
            children_measured: self.children_measured.rounded_to_ten(),
            measurements: self.measurements.rounded_to_ten(),
            outcomes: self
                .outcomes
                .into_iter()
                .map(|outcome| ControlledOutcome {
                    children: outcome.children.rounded_to_ten(),
                    young_person: outcome.young_person.rounded_to_ten(),
                    practitioner: outcome.practitioner.rounded_to_ten(),
                    ..outcome
                })
                .collect(),
            ..self
        }
    }
}

fn controlled_changes(
    rollup: &Rollup<OutcomesRow>,
    outcome: &OutcomeRef,
    rating: fn(&OutcomeChanges) -> &Changes,
    rules: RuleSet,
) -> Vec<Vec<Cell>> {
    // Improved, same and worse partition the children with a change: a table whose rows are the
    // groups and whose columns are the three, so that none follows from the other two.
    controlled_counts(
        rollup,
        3,
        |row, class| {
            row.outcomes
                .get(outcome)
                .map_or(0, |changes| rating(changes).class(class))
        },
        rules,
    )
}

fn published_changes(cells: &[Cell], changes: &Changes) -> ControlledChanges {
    let (improved, same, worse, with_change) = (cells[0], cells[1], cells[2], cells[3]);
    ControlledChanges {
        with_change,
        improved,
        improved_share: Cell::share(improved, with_change),
        same,
        same_share: Cell::share(same, with_change),
        worse,
        worse_share: Cell::share(worse, with_change),
        median_change: Cell::over(with_change, changes.median_change),
    }
}

/// One outcome's controlled counts, for each row of the finest grouping.
struct PublishedOutcome {
    measured: Vec<Cell>,
    young_person: Vec<Vec<Cell>>,
    practitioner: Vec<Vec<Cell>>,
}

/// The report's rows as they may be published under `rules`.
pub fn control_outcomes(
    rollup: &Rollup<OutcomesRow>,
    rules: RuleSet,
) -> Vec<ControlledOutcomesRow> {
    let children = controlled_count(rollup, |r| r.children_measured, rules);
    // Every outcome measured anywhere, in every row (an outcome missing from a row would show
    // a zero that control may have hidden), described as the rows that measured it describe it.
    let described: BTreeMap<&OutcomeRef, &OutcomeChanges> = rollup
        .rows()
        .iter()
        .flat_map(|row| row.outcomes.iter())
        .collect();
    let outcomes: Vec<&OutcomeRef> = described.keys().copied().collect();
    let per_outcome: Vec<PublishedOutcome> = outcomes
        .iter()
        .map(|&outcome| {
            let measured = controlled_count(
                rollup,
                |row| {
                    row.outcomes
                        .get(outcome)
                        .map_or(0, |changes| changes.children)
                },
                rules,
            );
            let young_person = controlled_changes(rollup, outcome, |c| &c.young_person, rules);
            let practitioner = controlled_changes(rollup, outcome, |c| &c.practitioner, rules);
            PublishedOutcome {
                measured,
                young_person,
                practitioner,
            }
        })
        .collect();
    rollup
        .rows()
        .iter()
        .enumerate()
        .map(|(n, row)| ControlledOutcomesRow {
            group: row.group.clone(),
            children_measured: children[n],
            measurements: Cell::over(children[n], Some(row.measurements as f64)),
            young_person_participation_share: Cell::over(
                children[n],
                percent(row.young_person_took_part as f64, row.measurements as f64),
            ),
            outcomes: outcomes
                .iter()
                .zip(&per_outcome)
                .map(|(&outcome, published)| {
                    let about = described[outcome];
                    let changes = row.outcomes.get(outcome);
                    let (young_person, practitioner) = changes.map_or_else(
                        || (Changes::default(), Changes::default()),
                        |c| (c.young_person.clone(), c.practitioner.clone()),
                    );
                    ControlledOutcome {
                        outcome: outcome.clone(),
                        principle_article: about.principle_article,
                        principle_title: about.principle_title.clone(),
                        outcome_title: about.outcome_title.clone(),
                        children: published.measured[n],
                        young_person: published_changes(&published.young_person[n], &young_person),
                        practitioner: published_changes(&published.practitioner[n], &practitioner),
                    }
                })
                .collect(),
        })
        .collect()
}
