//! How timely the NRM's decisions are for the authority's children: the cohort of referrals made
//! in a period, and where their decisions stand on the day the report is run.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::dimensions::{groups_of, Dimension, GroupKey, Subject};
use super::publish::{controlled_count, Cell, Grouped, Rollup, Totalled};
use super::statistics::{median, percentile};
use crate::calendar::{calendar_days, uk_date};
use crate::child::Child;
use crate::disclosure::RuleSet;
use crate::referral::{DecisionOutcome, NrmReferral, ReferralStatus};

/// What the NRM timeliness report groups by.
pub const NRM_TIMELINESS_GROUPS: [Dimension; 7] = [
    Dimension::ExploitationType,
    Dimension::CountyLines,
    Dimension::AgeBand,
    Dimension::CompetentAuthority,
    Dimension::FirstResponderType,
    Dimension::Nationality,
    Dimension::Gender,
];

/// The UK days whose records a report counts, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// A referral and the child it is for.
#[derive(Debug, Clone, Copy)]
pub struct ReferralOfChild<'a> {
    pub referral: &'a NrmReferral,
    pub child: &'a Child,
}

/// One row of the report: the referrals of one group, made in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct NrmTimelinessRow {
    /// The group's value in each dimension of `groupBy`; empty for the whole cohort.
    pub group: GroupKey,
    pub referrals: u64,
    /// With a first reasonable-grounds decision (a reconsidered one is not counted again).
    pub reasonable_grounds_decisions: u64,
    /// Whose first reasonable-grounds decision was positive.
    pub reasonable_grounds_positive: u64,
    /// Whose first reasonable-grounds decision came by its due date.
    pub decided_within_target: u64,
    /// Calendar days (UK dates) from referral to the first reasonable-grounds decision.
    pub median_days_to_reasonable_grounds: Option<f64>,
    pub p90_days_to_reasonable_grounds: Option<i64>,
    pub conclusive_grounds_decisions: u64,
    pub conclusive_grounds_positive: u64,
    /// Calendar days from the (current) reasonable-grounds decision to the conclusive one.
    pub median_days_reasonable_to_conclusive: Option<f64>,
    /// With a positive reasonable-grounds decision and no conclusive one yet (not withdrawn).
    pub waiting_for_conclusive: u64,
    /// How long those have waited, to the day the report is run.
    pub median_days_waiting_for_conclusive: Option<f64>,
}

#[derive(Default)]
struct Tally {
    referrals: u64,
    rg_decisions: u64,
    rg_positive: u64,
    within_target: u64,
    days_to_rg: Vec<i64>,
    cg_decisions: u64,
    cg_positive: u64,
    days_rg_to_cg: Vec<i64>,
    waiting: Vec<i64>,
}

impl Tally {
    fn add(&mut self, referral: &NrmReferral, today: NaiveDate) {
        self.referrals += 1;
        if let Some(first) = referral.first_reasonable_grounds {
            self.rg_decisions += 1;
            self.rg_positive += u64::from(first.outcome == DecisionOutcome::Positive);
            self.within_target +=
                u64::from(uk_date(first.decided_at) <= referral.reasonable_grounds_due_on);
            self.days_to_rg.push(calendar_days(
                uk_date(referral.referred_at),
                uk_date(first.decided_at),
            ));
        }
        if let Some(conclusive) = referral.conclusive_grounds {
            self.cg_decisions += 1;
            self.cg_positive += u64::from(conclusive.outcome == DecisionOutcome::Positive);
            if let Some(reasonable) = referral.reasonable_grounds {
                self.days_rg_to_cg.push(calendar_days(
                    uk_date(reasonable.decided_at),
                    uk_date(conclusive.decided_at),
                ));
            }
        }
        if referral.status == ReferralStatus::RgPositive {
            if let Some(reasonable) = referral.reasonable_grounds {
                self.waiting
                    .push(calendar_days(uk_date(reasonable.decided_at), today));
            }
        }
    }

    fn row(self, group: GroupKey) -> NrmTimelinessRow {
        NrmTimelinessRow {
            group,
            referrals: self.referrals,
            reasonable_grounds_decisions: self.rg_decisions,
            reasonable_grounds_positive: self.rg_positive,
            decided_within_target: self.within_target,
            median_days_to_reasonable_grounds: median(&self.days_to_rg),
            p90_days_to_reasonable_grounds: percentile(&self.days_to_rg, 90),
            conclusive_grounds_decisions: self.cg_decisions,
            conclusive_grounds_positive: self.cg_positive,
            median_days_reasonable_to_conclusive: median(&self.days_rg_to_cg),
            waiting_for_conclusive: u64::try_from(self.waiting.len()).unwrap_or(u64::MAX),
            median_days_waiting_for_conclusive: median(&self.waiting),
        }
    }
}

impl Grouped for NrmTimelinessRow {
    fn group(&self) -> &GroupKey {
        &self.group
    }

    fn empty(group: GroupKey) -> Self {
        Tally::default().row(group)
    }
}

/// The report over the referrals made in `period`, by `group_by` (none: one row for the whole
/// cohort), as things stand on `today`. Rows come in the order of their group's values; a group
/// with no referral has no row here ([`Rollup`](super::Rollup) adds one before publishing).
pub fn nrm_timeliness(
    records: &[ReferralOfChild<'_>],
    period: Period,
    today: NaiveDate,
    group_by: &[Dimension],
) -> Vec<NrmTimelinessRow> {
    let mut tallies: BTreeMap<GroupKey, Tally> = BTreeMap::new();
    for record in records {
        if !period.contains(uk_date(record.referral.referred_at)) {
            continue;
        }
        let subject = Subject {
            child: record.child,
            referral: Some(record.referral),
            assignment: None,
            guardian_threshold_days: 0,
            on: uk_date(record.referral.referred_at),
        };
        for group in groups_of(&subject, group_by) {
            tallies
                .entry(group)
                .or_default()
                .add(record.referral, today);
        }
    }
    tallies
        .into_iter()
        .map(|(group, tally)| tally.row(group))
        .collect()
}

/// A row of the NRM timeliness report as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlledNrmTimelinessRow {
    pub group: GroupKey,
    pub referrals: Cell,
    pub reasonable_grounds_decisions: Cell,
    pub reasonable_grounds_positive: Cell,
    pub reasonable_grounds_positive_share: Cell,
    pub decided_within_target: Cell,
    pub decided_within_target_share: Cell,
    pub median_days_to_reasonable_grounds: Cell,
    pub p90_days_to_reasonable_grounds: Cell,
    pub conclusive_grounds_decisions: Cell,
    pub conclusive_grounds_positive: Cell,
    pub conclusive_grounds_positive_share: Cell,
    pub median_days_reasonable_to_conclusive: Cell,
    pub waiting_for_conclusive: Cell,
    pub median_days_waiting_for_conclusive: Cell,
}

impl Totalled for ControlledNrmTimelinessRow {
    fn rounded_to_ten(self) -> Self {
        Self {
            referrals: self.referrals.rounded_to_ten(),
            reasonable_grounds_decisions: self.reasonable_grounds_decisions.rounded_to_ten(),
            reasonable_grounds_positive: self.reasonable_grounds_positive.rounded_to_ten(),
            decided_within_target: self.decided_within_target.rounded_to_ten(),
            conclusive_grounds_decisions: self.conclusive_grounds_decisions.rounded_to_ten(),
            conclusive_grounds_positive: self.conclusive_grounds_positive.rounded_to_ten(),
            waiting_for_conclusive: self.waiting_for_conclusive.rounded_to_ten(),
            ..self
        }
    }
}

/// The report's rows as they may be published under `rules`.
pub fn control_nrm_timeliness(
    rollup: &Rollup<NrmTimelinessRow>,
    rules: RuleSet,
) -> Vec<ControlledNrmTimelinessRow> {
    let rows = rollup.rows();
    let referrals = controlled_count(rollup, |r| r.referrals, rules);
    let rg = controlled_count(rollup, |r| r.reasonable_grounds_decisions, rules);
    let rg_positive = controlled_count(rollup, |r| r.reasonable_grounds_positive, rules);
    let within = controlled_count(rollup, |r| r.decided_within_target, rules);
    let cg = controlled_count(rollup, |r| r.conclusive_grounds_decisions, rules);
    let cg_positive = controlled_count(rollup, |r| r.conclusive_grounds_positive, rules);
    let waiting = controlled_count(rollup, |r| r.waiting_for_conclusive, rules);
    rows.iter()
        .enumerate()
        .map(|(n, row)| ControlledNrmTimelinessRow {
            group: row.group.clone(),
            referrals: referrals[n],
            reasonable_grounds_decisions: rg[n],
            reasonable_grounds_positive: rg_positive[n],
            reasonable_grounds_positive_share: Cell::share(rg_positive[n], rg[n]),
            decided_within_target: within[n],
            decided_within_target_share: Cell::share(within[n], rg[n]),
            median_days_to_reasonable_grounds: Cell::over(
                rg[n],
                row.median_days_to_reasonable_grounds,
            ),
            p90_days_to_reasonable_grounds: Cell::over(
                rg[n],
                row.p90_days_to_reasonable_grounds.map(|days| days as f64),
            ),
            conclusive_grounds_decisions: cg[n],
            conclusive_grounds_positive: cg_positive[n],
            conclusive_grounds_positive_share: Cell::share(cg_positive[n], cg[n]),
            median_days_reasonable_to_conclusive: Cell::over(
                cg[n],
                row.median_days_reasonable_to_conclusive,
            ),
            waiting_for_conclusive: waiting[n],
            median_days_waiting_for_conclusive: Cell::over(
                waiting[n],
                row.median_days_waiting_for_conclusive,
            ),
        })
        .collect()
}
