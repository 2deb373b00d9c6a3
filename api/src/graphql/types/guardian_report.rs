//! The published shape of the guardian timeliness report.

use async_graphql::SimpleObject;
use stable_futures_domain::reports::ControlledGuardianTimelinessRow;

use crate::graphql::enums::{DisclosureRules, ReportDimension};
use crate::graphql::scalars::Date;
use crate::graphql::types::report_tables::ReportValue;

/// The guardian requests of one group, made in the period, and where they stand today.
#[derive(Debug, SimpleObject)]
pub struct GuardianTimelinessRow {
    /// The group's value in each dimension of `groupBy`; empty for all requests.
    pub group: Vec<String>,
    pub requests: ReportValue,
    /// With a guardian assigned (whether or not the assignment has since ended).
    pub assignments: ReportValue,
    /// Assignments as a share of requests.
    pub assignment_share: ReportValue,
    /// Calendar days (UK dates) from request to assignment: the median.
    pub median_days_request_to_assignment: ReportValue,
    /// Calendar days from the child's first referral to assignment: the median, over children
    /// referred by then.
    pub median_days_referral_to_assignment: ReportValue,
    /// Requests that can be judged against the threshold: assigned, or waiting longer than it.
    pub due: ReportValue,
    /// Of those, assigned within the threshold.
    pub assigned_within_threshold: ReportValue,
    pub assigned_within_threshold_share: ReportValue,
    /// Still waiting for a guardian today.
    pub open_requests: ReportValue,
    /// How long those have waited, to today: the median.
    pub median_days_open: ReportValue,
}

impl From<ControlledGuardianTimelinessRow> for GuardianTimelinessRow {
    fn from(row: ControlledGuardianTimelinessRow) -> Self {
        Self {
            group: row.group,
            requests: row.requests.into(),
            assignments: row.assignments.into(),
            assignment_share: row.assignment_share.into(),
            median_days_request_to_assignment: row.median_days_request_to_assignment.into(),
            median_days_referral_to_assignment: row.median_days_referral_to_assignment.into(),
            due: row.due.into(),
            assigned_within_threshold: row.assigned_within_threshold.into(),
            assigned_within_threshold_share: row.assigned_within_threshold_share.into(),
            open_requests: row.open_requests.into(),
            median_days_open: row.median_days_open.into(),
        }
    }
}

/// How promptly guardians are assigned: the requests made in the period, as things stand
/// today, judged against the authority's own threshold, under disclosure control.
#[derive(Debug, SimpleObject)]
pub struct GuardianTimelinessReport {
    /// The rules every cell was published under.
    pub rules: DisclosureRules,
    /// Whether the rows' counts are totals rounded to the nearest 10 (`roundTotals`, when the
    /// rows are totals).
    pub totals_rounded: bool,
    pub from: Date,
    pub to: Date,
    pub group_by: Vec<ReportDimension>,
    /// The authority's threshold from request to assignment, in days
    /// (`worklistSettings.guardianAssignmentDays`) when the report was run; null across
    /// authorities, where each request is judged by its own authority's.
    pub threshold_days: Option<i32>,
    /// A row for every combination of the values the grouping's dimensions take in the period,
    /// empty groups included (a hidden zero would otherwise show by its row's absence), in the
    /// order of the values.
    pub rows: Vec<GuardianTimelinessRow>,
}
