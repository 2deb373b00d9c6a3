//! The reports: aggregates of the authority's records, published only under disclosure
//! control, each audited as an aggregate read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_graphql::{Context, Object};
use chrono::NaiveDate;
use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::calendar::uk_date;
use stable_futures_domain::disclosure::RuleSet;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::outcomes::OutcomeFramework;
use stable_futures_domain::principal::Scope;
use stable_futures_domain::reports::{
    check_group_by, control_guardian_timeliness, control_nrm_timeliness, control_outcomes,
    guardian_timeliness, nrm_timeliness, outcomes, rows_are_totals, with_totals_rounded, Dimension,
    MeasuredChild, Period, ReferralOfChild, RequestOfChild, Rollup, GUARDIAN_TIMELINESS_GROUPS,
    NRM_TIMELINESS_GROUPS, OUTCOMES_GROUPS,
};

use crate::graphql::enums::{DisclosureRules, ReportDimension};
use crate::graphql::errors::ApiError;
use crate::graphql::reads::Gate;
use crate::graphql::scalars::Date;
use crate::graphql::types::guardian_report::{GuardianTimelinessReport, GuardianTimelinessRow};
use crate::graphql::types::outcomes_report::{OutcomesReport, OutcomesRow};
use crate::graphql::types::report_tables::{NrmTimelinessReport, NrmTimelinessRow};

/// The reports of the caller's local authority. Every report needs `reports:read`, shows counts
/// under disclosure control (`rules`, by default `DFE_2024`; `NONE`, every count as it is, needs
/// `reports:unsuppressed` too) and is recorded in the audit trail as an `AGGREGATE` read with no
/// child.
#[derive(Debug, Default)]
pub struct Reports;

/// The longest period a report covers.
const MAX_PERIOD_DAYS: i64 = 10 * 366;

/// A report's request, checked: the gate opened with `reports:read` and the aggregate read noted,
/// the period and the grouping valid for the report.
struct ReportRequest<'a> {
    gate: Gate<'a>,
    rules: RuleSet,
    period: Period,
    group_by: Vec<Dimension>,
    /// Whether the rows' counts are rounded: asked, and the rows are totals.
    round_totals: bool,
    today: NaiveDate,
}

impl<'a> ReportRequest<'a> {
    /// `None` (with a `FORBIDDEN` error at the field) without `reports:read`. The read is noted
    /// here, before anything is read, so that no report can leave unaudited.
    fn open(
        ctx: &Context<'a>,
        arguments: &ReportArguments,
        offered: &[Dimension],
    ) -> async_graphql::Result<Option<Self>> {
        let ReportArguments {
            from,
            to,
            group_by,
            rules,
            round_totals,
        } = arguments;
        let Some(gate) = Gate::open(ctx, Scope::ReportsRead)? else {
            return Ok(None);
        };
        let rules = RuleSet::from(*rules);
        if rules == RuleSet::None {
            Gate::require(ctx, Scope::ReportsUnsuppressed)?;
        }
        let (period, group_by) = checked(*from, *to, group_by, offered)?;
        gate.note(None, FieldsClass::Aggregate);
        let today = uk_date(gate.request().now);
        let round_totals = *round_totals && rows_are_totals(&group_by, false);
        Ok(Some(Self {
            gate,
            rules,
            period,
            group_by,
            round_totals,
            today,
        }))
    }

    /// The authority's threshold from guardian request to assignment, in days.
    async fn guardian_threshold_days(&self) -> Result<u32, ApiError> {
        let settings = self.gate.db().worklist_settings().await?;
        Ok(settings.settings.guardian_assignment_days)
    }
}

/// What every report is asked with.
#[derive(Debug)]
struct ReportArguments {
    from: Date,
    to: Date,
    group_by: Vec<ReportDimension>,
    rules: DisclosureRules,
    round_totals: bool,
}

/// A report's period and grouping, checked: the period as [`period`] checks it, the grouping
/// of the report's `offered` dimensions, at most two, each once.
pub(crate) fn checked(
    from: Date,
    to: Date,
    group_by: &[ReportDimension],
    offered: &[Dimension],
) -> Result<(Period, Vec<Dimension>), ApiError> {
    let period = period(from, to)?;
    let group_by: Vec<Dimension> = group_by.iter().map(|d| Dimension::from(*d)).collect();
    check_group_by(offered, &group_by)
        .map_err(|error| ApiError::BadUserInput(error.to_string()))?;
    Ok((period, group_by))
}

/// The period of a report, checked: not backwards, at most ten years.
fn period(from: Date, to: Date) -> Result<Period, ApiError> {
    if to.0 < from.0 {
        return Err(ApiError::BadUserInput(
            "the period runs backwards: to is before from".to_owned(),
        ));
    }
    if (to.0 - from.0).num_days() > MAX_PERIOD_DAYS {
        return Err(ApiError::BadUserInput(
            "a report covers at most ten years".to_owned(),
        ));
    }
    Ok(Period {
        from: from.0,
        to: to.0,
    })
}

fn distinct_children(ids: impl Iterator<Item = ChildId>) -> Vec<ChildId> {
    ids.collect::<BTreeSet<_>>().into_iter().collect()
}

#[Object]
impl Reports {
    /// How timely the NRM's decisions are: the referrals made from `from` to `to` (UK dates,
    /// both included) and where their decisions stand today — reasonable-grounds decisions, the
    /// share positive and within the 5-working-day target, median and 90th-percentile days to
    /// them, conclusive decisions and the days from reasonable grounds, cases waiting for a
    /// conclusive decision and for how long. Grouped by at most two of `EXPLOITATION_TYPE`,
    /// `COUNTY_LINES`, `AGE_BAND`, `COMPETENT_AUTHORITY`, `FIRST_RESPONDER_TYPE`,
    /// `NATIONALITY`, `GENDER`. A count from 1 to 5 is shown as `c`, and more cells are hidden
    /// so that none can be worked out from the others, or from the same report grouped more
    /// coarsely; a share or median of a hidden count is hidden with it.
    async fn nrm_timeliness(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
        #[graphql(default_with = "DisclosureRules::Dfe2024")] rules: DisclosureRules,
        #[graphql(
            default,
            desc = "Round the counts of a total to the nearest 10, as DfE publishes national and regional totals: here the whole cohort's row (no `groupBy`). Shares and days stay as computed from the exact counts."
        )]
        round_totals: bool,
    ) -> async_graphql::Result<Option<NrmTimelinessReport>> {
        let arguments = ReportArguments {
            from,
            to,
            group_by,
            rules,
            round_totals,
        };
        let Some(report) = ReportRequest::open(ctx, &arguments, &NRM_TIMELINESS_GROUPS)? else {
            return Ok(None);
        };
        let (db, period) = (report.gate.db(), report.period);
        let referrals = db
            .referrals_referred_between(period.from, period.to)
            .await
            .map_err(ApiError::from)?;
        let child_ids = distinct_children(referrals.iter().map(|r| r.child_id));
        let children = db
            .children_by_ids(&child_ids)
            .await
            .map_err(ApiError::from)?;
        let records: Vec<ReferralOfChild<'_>> = referrals
            .iter()
            .filter_map(|referral| {
                children
                    .get(&referral.child_id)
                    .map(|child| ReferralOfChild { referral, child })
            })
            .collect();
        // Every coarser grouping too: what the caller could read by asking again, so that no
        // combination of groupings gives away a hidden count.
        let rollup = Rollup::compute(&report.group_by, |dimensions| {
            nrm_timeliness(&records, period, report.today, dimensions)
        });
        let rows = with_totals_rounded(
            control_nrm_timeliness(&rollup, report.rules),
            report.round_totals,
        );
        Ok(Some(NrmTimelinessReport {
            rules: report.rules.into(),
            totals_rounded: report.round_totals,
            from: arguments.from,
            to: arguments.to,
            group_by: arguments.group_by,
            rows: rows.into_iter().map(NrmTimelinessRow::from).collect(),
        }))
    }

    /// How promptly independent guardians are assigned: the requests made from `from` to `to`
    /// (UK dates) and where they stand today — assignments, median days from request and from
    /// the child's first referral, the share assigned within the authority's own threshold
    /// (`worklistSettings.guardianAssignmentDays`; no statute sets one), requests still open
    /// and for how long. Grouped by at most two of `GUARDIAN_SERVICE`, `GUARDIAN_ROLE`,
    /// `AGE_BAND` (on the day of the request). Under the same disclosure control as every
    /// report.
    async fn guardian_timeliness(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
        #[graphql(default_with = "DisclosureRules::Dfe2024")] rules: DisclosureRules,
        #[graphql(
            default,
            desc = "Round the counts of a total to the nearest 10, as DfE publishes national and regional totals: here the whole cohort's row (no `groupBy`). Shares and days stay as computed from the exact counts."
        )]
        round_totals: bool,
    ) -> async_graphql::Result<Option<GuardianTimelinessReport>> {
        let arguments = ReportArguments {
            from,
            to,
            group_by,
            rules,
            round_totals,
        };
        let Some(report) = ReportRequest::open(ctx, &arguments, &GUARDIAN_TIMELINESS_GROUPS)?
        else {
            return Ok(None);
        };
        let (db, period) = (report.gate.db(), report.period);
        let threshold = report.guardian_threshold_days().await?;
        let assignments = db
            .assignments_requested_between(period.from, period.to)
            .await
            .map_err(ApiError::from)?;
        let child_ids = distinct_children(assignments.iter().map(|a| a.child_id));
        let children = db
            .children_by_ids(&child_ids)
            .await
            .map_err(ApiError::from)?;
        let referrals = db
            .first_referrals(&child_ids)
            .await
            .map_err(ApiError::from)?;
        let records: Vec<RequestOfChild<'_>> = assignments
            .iter()
            .filter_map(|assignment| {
                children
                    .get(&assignment.child_id)
                    .map(|child| RequestOfChild {
                        assignment,
                        child,
                        first_referral: referrals.get(&assignment.child_id),
                    })
            })
            .collect();
        let rollup = Rollup::compute(&report.group_by, |dimensions| {
            guardian_timeliness(&records, period, &|_| threshold, report.today, dimensions)
        });
        let rows = with_totals_rounded(
            control_guardian_timeliness(&rollup, report.rules),
            report.round_totals,
        );
        Ok(Some(GuardianTimelinessReport {
            rules: report.rules.into(),
            totals_rounded: report.round_totals,
            from: arguments.from,
            to: arguments.to,
            group_by: arguments.group_by,
            threshold_days: Some(i32::try_from(threshold).unwrap_or(i32::MAX)),
            rows: rows.into_iter().map(GuardianTimelinessRow::from).collect(),
        }))
    }

    /// Outcomes of the children measured from `from` to `to` (UK dates): how many, the share of
    /// measurements the young person took part in, and per outcome the change between the first
    /// and the latest reading of the period — the young person's rating and the practitioner's
    /// apart (median change; the share improved, the same, worse). Grouped by at most two of
    /// `REASONABLE_GROUNDS_OUTCOME`, `CONCLUSIVE_GROUNDS_OUTCOME`, `GUARDIAN_ASSIGNED`,
    /// `EXPLOITATION_TYPE`, `AGE_BAND`, it compares the outcomes of children with and without
    /// a positive decision or a prompt guardian. It shows association, not cause: the children
    /// differ in more than the decision. The framework held may be partial and its 1–5 scale is
    /// this service's. Under the same disclosure control as every report.
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
        #[graphql(default_with = "DisclosureRules::Dfe2024")] rules: DisclosureRules,
        #[graphql(
            default,
            desc = "Round the counts of a total to the nearest 10, as DfE publishes national and regional totals: here the whole cohort's row (no `groupBy`). Shares and days stay as computed from the exact counts."
        )]
        round_totals: bool,
    ) -> async_graphql::Result<Option<OutcomesReport>> {
        let arguments = ReportArguments {
            from,
            to,
            group_by,
            rules,
            round_totals,
        };
        let Some(report) = ReportRequest::open(ctx, &arguments, &OUTCOMES_GROUPS)? else {
            return Ok(None);
        };
        let (db, period) = (report.gate.db(), report.period);
        let threshold = report.guardian_threshold_days().await?;
        let measurements = db
            .current_measurements_observed_between(period.from, period.to)
            .await
            .map_err(ApiError::from)?;
        let mut by_child: BTreeMap<ChildId, Vec<_>> = BTreeMap::new();
        for measurement in measurements {
            by_child
                .entry(measurement.child_id)
                .or_default()
                .push(measurement);
        }
        let child_ids: Vec<ChildId> = by_child.keys().copied().collect();
        let children = db
            .children_by_ids(&child_ids)
            .await
            .map_err(ApiError::from)?;
        let referrals = db
            .first_referrals(&child_ids)
            .await
            .map_err(ApiError::from)?;
        let assignments = db
            .first_assignments(&child_ids)
            .await
            .map_err(ApiError::from)?;
        let versions: BTreeSet<String> = by_child
            .values()
            .flatten()
            .map(|m| m.framework_version.clone())
            .collect();
        let frameworks: BTreeMap<String, Arc<OutcomeFramework>> = report
            .gate
            .loaders()
            .frameworks
            .load_many(versions)
            .await?
            .into_iter()
            .collect();
        let records: Vec<MeasuredChild<'_>> = by_child
            .iter()
            .filter_map(|(id, measurements)| {
                children.get(id).map(|child| MeasuredChild {
                    child,
                    first_referral: referrals.get(id),
                    first_assignment: assignments.get(id),
                    measurements,
                })
            })
            .collect();
        let framework = |version: &str| frameworks.get(version).map(|f| &**f);
        let rollup = Rollup::compute(&report.group_by, |dimensions| {
            outcomes(&records, period, &|_| threshold, framework, dimensions)
        });
        let rows =
            with_totals_rounded(control_outcomes(&rollup, report.rules), report.round_totals);
        Ok(Some(OutcomesReport {
            rules: report.rules.into(),
            totals_rounded: report.round_totals,
            from: arguments.from,
            to: arguments.to,
            group_by: arguments.group_by,
            guardian_threshold_days: Some(i32::try_from(threshold).unwrap_or(i32::MAX)),
            rows: rows.into_iter().map(OutcomesRow::from).collect(),
        }))
    }
}
