//! How promptly independent guardians are assigned: the requests made in a period, and where they
//! stand on the day the report is run. The research asks for prompt assignment and nothing sets a
//! target, so the authority's own threshold is the measure.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::dimensions::{assigned_within, groups_of, Dimension, GroupKey, Subject};
use super::nrm_timeliness::Period;
use super::publish::{controlled_count, Cell, Grouped, Rollup, Totalled};
use super::statistics::median;
use crate::calendar::{calendar_days, uk_date};
use crate::child::Child;
use crate::disclosure::RuleSet;
use crate::guardian::{AssignmentStatus, GuardianAssignment};
use crate::local_authority::LocalAuthorityCode;
use crate::referral::NrmReferral;

/// What the guardian timeliness report groups by.
pub const GUARDIAN_TIMELINESS_GROUPS: [Dimension; 3] = [
    Dimension::GuardianService,
    Dimension::GuardianRole,
    Dimension::AgeBand,
];

/// A guardian request, the child it is for and the child's first referral.
#[derive(Debug, Clone, Copy)]
pub struct RequestOfChild<'a> {
    pub assignment: &'a GuardianAssignment,
    pub child: &'a Child,
    pub first_referral: Option<&'a NrmReferral>,
}

/// One row of the report: the requests of one group, made in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardianTimelinessRow {
    pub group: GroupKey,
    pub requests: u64,
    /// Of them, with a guardian assigned (whether or not the assignment has since ended).
    pub assignments: u64,
    /// Calendar days (UK dates) from request to assignment.
    pub median_days_request_to_assignment: Option<f64>,
    /// Calendar days from the child's first referral to assignment, for children referred by
    /// then.
    pub median_days_referral_to_assignment: Option<f64>,
    /// Requests whose threshold has passed or that were assigned: those that can be judged.
    pub due: u64,
    /// Of those, assigned within the threshold.
    pub assigned_within_threshold: u64,
    /// Still waiting for a guardian.
    pub open_requests: u64,
    /// How long those have waited, to the day the report is run.
    pub median_days_open: Option<f64>,
}

impl Grouped for GuardianTimelinessRow {
    fn group(&self) -> &GroupKey {
        &self.group
    }

    fn empty(group: GroupKey) -> Self {
        Tally::default().row(group)
    }
}

#[derive(Default)]
struct Tally {
    requests: u64,
    assignments: u64,
    days_to_assignment: Vec<i64>,
    days_from_referral: Vec<i64>,
    due: u64,
    within: u64,
    open: Vec<i64>,
}

impl Tally {
    fn add(&mut self, record: &RequestOfChild<'_>, threshold_days: u32, today: NaiveDate) {
        let assignment = record.assignment;
        let requested_on = uk_date(assignment.requested_at);
        self.requests += 1;
        if let Some(assigned_at) = assignment.assigned_at {
            self.assignments += 1;
            self.days_to_assignment
                .extend(assignment.days_to_assignment());
            if let Some(referral) = record
                .first_referral
                .filter(|referral| referral.referred_at <= assigned_at)
            {
                self.days_from_referral
                    .extend(assignment.days_from_referral_to_assignment(referral.referred_at));
            }
        }
        let threshold_passed = calendar_days(requested_on, today) > i64::from(threshold_days);
        if assignment.assigned_at.is_some() || threshold_passed {
            self.due += 1;
            self.within += u64::from(assigned_within(assignment, threshold_days));
        }
        if assignment.status == AssignmentStatus::Requested {
            self.open.push(calendar_days(requested_on, today));
        }
    }

    fn row(self, group: GroupKey) -> GuardianTimelinessRow {
        GuardianTimelinessRow {
            group,
            requests: self.requests,
            assignments: self.assignments,
            median_days_request_to_assignment: median(&self.days_to_assignment),
            median_days_referral_to_assignment: median(&self.days_from_referral),
            due: self.due,
            assigned_within_threshold: self.within,
            open_requests: u64::try_from(self.open.len()).unwrap_or(u64::MAX),
            median_days_open: median(&self.open),
        }
    }
}

/// The report over the guardian requests made in `period`, by `group_by`, as things stand on
/// `today`, each judged against its authority's threshold from request to assignment
/// (`threshold_days` of the child's authority).
pub fn guardian_timeliness(
    records: &[RequestOfChild<'_>],
    period: Period,
    threshold_days: &dyn Fn(&LocalAuthorityCode) -> u32,
    today: NaiveDate,
    group_by: &[Dimension],
) -> Vec<GuardianTimelinessRow> {
    let mut tallies: BTreeMap<GroupKey, Tally> = BTreeMap::new();
    for record in records {
        let requested_on = uk_date(record.assignment.requested_at);
        if !period.contains(requested_on) {
            continue;
        }
        let threshold = threshold_days(&record.child.local_authority);
        let subject = Subject {
            child: record.child,
            referral: record.first_referral,
            assignment: Some(record.assignment),
            guardian_threshold_days: threshold,
            on: requested_on,
        };
        for group in groups_of(&subject, group_by) {
            tallies
                .entry(group)
                .or_default()
                .add(record, threshold, today);
        }
    }
    tallies
        .into_iter()
        .map(|(group, tally)| tally.row(group))
        .collect()
}

/// A row of the guardian timeliness report as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlledGuardianTimelinessRow {
    pub group: GroupKey,
    pub requests: Cell,
    pub assignments: Cell,
    pub assignment_share: Cell,
    pub median_days_request_to_assignment: Cell,
    pub median_days_referral_to_assignment: Cell,
    pub due: Cell,
    pub assigned_within_threshold: Cell,
    pub assigned_within_threshold_share: Cell,
    pub open_requests: Cell,
    pub median_days_open: Cell,
}

impl Totalled for ControlledGuardianTimelinessRow {
    fn rounded_to_ten(self) -> Self {
        Self {
            requests: self.requests.rounded_to_ten(),
            assignments: self.assignments.rounded_to_ten(),
            due: self.due.rounded_to_ten(),
            assigned_within_threshold: self.assigned_within_threshold.rounded_to_ten(),
            open_requests: self.open_requests.rounded_to_ten(),
            ..self
        }
    }
}

/// The report's rows as they may be published under `rules`.
pub fn control_guardian_timeliness(
    rollup: &Rollup<GuardianTimelinessRow>,
    rules: RuleSet,
) -> Vec<ControlledGuardianTimelinessRow> {
    let requests = controlled_count(rollup, |r| r.requests, rules);
    let assignments = controlled_count(rollup, |r| r.assignments, rules);
    let due = controlled_count(rollup, |r| r.due, rules);
    let within = controlled_count(rollup, |r| r.assigned_within_threshold, rules);
    let open = controlled_count(rollup, |r| r.open_requests, rules);
    rollup
        .rows()
        .iter()
        .enumerate()
        .map(|(n, row)| ControlledGuardianTimelinessRow {
            group: row.group.clone(),
            requests: requests[n],
            assignments: assignments[n],
            assignment_share: Cell::share(assignments[n], requests[n]),
            median_days_request_to_assignment: Cell::over(
                assignments[n],
                row.median_days_request_to_assignment,
            ),
            median_days_referral_to_assignment: Cell::over(
                assignments[n],
                row.median_days_referral_to_assignment,
            ),
            due: due[n],
            assigned_within_threshold: within[n],
            assigned_within_threshold_share: Cell::share(within[n], due[n]),
            open_requests: open[n],
            median_days_open: Cell::over(open[n], row.median_days_open),
        })
        .collect()
}
