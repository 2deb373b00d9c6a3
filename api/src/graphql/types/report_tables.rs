//! The published shape of reports: typed cells, rows and the report with its rules and period.

use async_graphql::SimpleObject;
use stable_futures_domain::reports::{Cell, ControlledNrmTimelinessRow};

use crate::graphql::enums::{DisclosureRules, ReportDimension, SuppressionReason};
use crate::graphql::scalars::Date;

/// One cell of a report: a count, a share (per cent, one decimal) or a number of days.
#[derive(Debug, SimpleObject)]
pub struct ReportValue {
    /// Null when hidden by disclosure control, or when there is nothing to compute it over.
    pub value: Option<f64>,
    /// As a published table prints it: the number, `c` when hidden, `z` when not applicable.
    pub display: String,
    pub suppressed: bool,
    pub reason: Option<SuppressionReason>,
    /// A total's count published to the nearest 10 (`roundTotals`): `value` is the rounded one.
    pub rounded: bool,
}

impl From<Cell> for ReportValue {
    fn from(cell: Cell) -> Self {
        Self {
            value: cell.value,
            display: cell.display(),
            suppressed: cell.suppressed.is_some(),
            reason: cell.suppressed.map(Into::into),
            rounded: cell.rounded,
        }
    }
}

/// The referrals of one group, made in the period, and where their decisions stand.
#[derive(Debug, SimpleObject)]
pub struct NrmTimelinessRow {
    /// The group's value in each dimension of `groupBy`; empty for the whole cohort.
    pub group: Vec<String>,
    pub referrals: ReportValue,
    /// With a first reasonable-grounds decision (a reconsidered one is not counted again).
    pub reasonable_grounds_decisions: ReportValue,
    /// Whose first reasonable-grounds decision was positive.
    pub reasonable_grounds_positive: ReportValue,
    pub reasonable_grounds_positive_share: ReportValue,
    /// Whose first decision came by its due date (5 working days of the nation; 45 days for a
    /// devolved panel).
    pub decided_within_target: ReportValue,
    pub decided_within_target_share: ReportValue,
    /// Calendar days (UK dates) from referral to the first reasonable-grounds decision.
    pub median_days_to_reasonable_grounds: ReportValue,
    /// The 90th percentile (nearest rank) of the same.
    pub p90_days_to_reasonable_grounds: ReportValue,
    pub conclusive_grounds_decisions: ReportValue,
    pub conclusive_grounds_positive: ReportValue,
    pub conclusive_grounds_positive_share: ReportValue,
    /// Calendar days from the (current) reasonable-grounds decision to the conclusive one.
    pub median_days_reasonable_to_conclusive: ReportValue,
    /// With a positive reasonable-grounds decision and no conclusive one (not withdrawn).
    pub waiting_for_conclusive: ReportValue,
    /// How long those have waited, to today.
    pub median_days_waiting_for_conclusive: ReportValue,
}

impl From<ControlledNrmTimelinessRow> for NrmTimelinessRow {
    fn from(row: ControlledNrmTimelinessRow) -> Self {
        Self {
            group: row.group,
            referrals: row.referrals.into(),
            reasonable_grounds_decisions: row.reasonable_grounds_decisions.into(),
            reasonable_grounds_positive: row.reasonable_grounds_positive.into(),
            reasonable_grounds_positive_share: row.reasonable_grounds_positive_share.into(),
            decided_within_target: row.decided_within_target.into(),
            decided_within_target_share: row.decided_within_target_share.into(),
            median_days_to_reasonable_grounds: row.median_days_to_reasonable_grounds.into(),
            p90_days_to_reasonable_grounds: row.p90_days_to_reasonable_grounds.into(),
            conclusive_grounds_decisions: row.conclusive_grounds_decisions.into(),
            conclusive_grounds_positive: row.conclusive_grounds_positive.into(),
            conclusive_grounds_positive_share: row.conclusive_grounds_positive_share.into(),
            median_days_reasonable_to_conclusive: row.median_days_reasonable_to_conclusive.into(),
            waiting_for_conclusive: row.waiting_for_conclusive.into(),
            median_days_waiting_for_conclusive: row.median_days_waiting_for_conclusive.into(),
        }
    }
}

/// How timely the NRM's decisions are for the cohort of referrals made in the period, as
/// things stand today, under disclosure control.
#[derive(Debug, SimpleObject)]
pub struct NrmTimelinessReport {
    /// The rules every cell was published under.
    pub rules: DisclosureRules,
    /// Whether the rows' counts are totals rounded to the nearest 10 (`roundTotals`, when the
    /// rows are totals).
    pub totals_rounded: bool,
    pub from: Date,
    pub to: Date,
    pub group_by: Vec<ReportDimension>,
    /// A row for every combination of the values the grouping's dimensions take in the period,
    /// empty groups included (a hidden zero would otherwise show by its row's absence), in the
    /// order of the values.
    pub rows: Vec<NrmTimelinessRow>,
}
