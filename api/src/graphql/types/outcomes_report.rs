//! The published shape of the outcomes report.

use async_graphql::SimpleObject;
use stable_futures_domain::reports::{ControlledChanges, ControlledOutcome, ControlledOutcomesRow};

use crate::graphql::enums::{DisclosureRules, ReportDimension};
use crate::graphql::scalars::Date;
use crate::graphql::types::report_tables::ReportValue;

/// How one rating moved between the first and the latest reading of the period, over the
/// children read at least twice with that rating both times.
#[derive(Debug, SimpleObject)]
pub struct RatingChange {
    pub children_with_change: ReportValue,
    /// Higher at the latest reading.
    pub improved: ReportValue,
    pub improved_share: ReportValue,
    pub same: ReportValue,
    pub same_share: ReportValue,
    /// Lower at the latest reading.
    pub worse: ReportValue,
    pub worse_share: ReportValue,
    /// Latest minus first, in points of the scale: the median.
    pub median_change: ReportValue,
}

impl From<ControlledChanges> for RatingChange {
    fn from(changes: ControlledChanges) -> Self {
        Self {
            children_with_change: changes.with_change.into(),
            improved: changes.improved.into(),
            improved_share: changes.improved_share.into(),
            same: changes.same.into(),
            same_share: changes.same_share.into(),
            worse: changes.worse.into(),
            worse_share: changes.worse_share.into(),
            median_change: changes.median_change.into(),
        }
    }
}

/// One outcome of the framework for a group: its principle, the children measured on it, and
/// the change in the young person's and the practitioner's ratings, apart.
#[derive(Debug, SimpleObject)]
pub struct OutcomeChangeRow {
    pub framework_version: String,
    pub outcome_key: String,
    /// As the framework version names it; null for a version not known.
    pub outcome_title: Option<String>,
    /// The UNCRC article of the principle the outcome sits under.
    pub principle_article: Option<i32>,
    pub principle_title: Option<String>,
    /// Children of the group measured on this outcome in the period.
    pub children: ReportValue,
    pub young_person: RatingChange,
    pub practitioner: RatingChange,
}

impl From<ControlledOutcome> for OutcomeChangeRow {
    fn from(outcome: ControlledOutcome) -> Self {
        Self {
            framework_version: outcome.outcome.framework_version,
            outcome_key: outcome.outcome.outcome_key,
            outcome_title: outcome.outcome_title,
            principle_article: outcome.principle_article,
            principle_title: outcome.principle_title,
            children: outcome.children.into(),
            young_person: outcome.young_person.into(),
            practitioner: outcome.practitioner.into(),
        }
    }
}

/// The children of one group measured in the period.
#[derive(Debug, SimpleObject)]
pub struct OutcomesRow {
    /// The group's value in each dimension of `groupBy`; empty for all children measured.
    pub group: Vec<String>,
    pub children_measured: ReportValue,
    /// Current measurements in the period (a count of measurements, not children: hidden with
    /// the children they are of).
    pub measurements: ReportValue,
    /// The share of those measurements the young person took part in.
    pub young_person_participation_share: ReportValue,
    /// Each outcome measured in the group, in the framework's order. Never one overall score:
    /// outcomes are interconnected, not summable.
    pub outcomes: Vec<OutcomeChangeRow>,
}

impl From<ControlledOutcomesRow> for OutcomesRow {
    fn from(row: ControlledOutcomesRow) -> Self {
        Self {
            group: row.group,
            children_measured: row.children_measured.into(),
            measurements: row.measurements.into(),
            young_person_participation_share: row.young_person_participation_share.into(),
            outcomes: row.outcomes.into_iter().map(Into::into).collect(),
        }
    }
}

/// Outcomes of the children measured in the period, under disclosure control. Grouped by the
/// NRM's decisions or by how promptly a guardian came, it compares outcomes with and without
/// them: it shows association, not cause. The framework held may be partial, and its 1–5
/// rating scale is this service's, not the research's.
#[derive(Debug, SimpleObject)]
pub struct OutcomesReport {
    /// The rules every cell was published under.
    pub rules: DisclosureRules,
    /// Whether the rows' counts are totals rounded to the nearest 10 (`roundTotals`, when the
    /// rows are totals).
    pub totals_rounded: bool,
    pub from: Date,
    pub to: Date,
    pub group_by: Vec<ReportDimension>,
    /// The threshold `GUARDIAN_ASSIGNED` judges by, in days from request to assignment; null
    /// across authorities, where each child's guardian is judged by its own authority's.
    pub guardian_threshold_days: Option<i32>,
    /// A row for every combination of the values the grouping's dimensions take in the period,
    /// empty groups included (a hidden zero would otherwise show by its row's absence), in the
    /// order of the values.
    pub rows: Vec<OutcomesRow>,
}
