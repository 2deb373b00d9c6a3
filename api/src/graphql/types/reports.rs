//! The reports: aggregates of the authority's records, published only under disclosure
//! control, each audited as an aggregate read.

use std::collections::BTreeSet;

use async_graphql::{Context, Object};
use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::calendar::uk_date;
use stable_futures_domain::disclosure::RuleSet;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Scope;
use stable_futures_domain::reports::{
    control_nrm_timeliness, nrm_timeliness, Dimension, Period, ReferralOfChild, Rollup,
    MAX_DIMENSIONS,
};

use crate::graphql::enums::ReportDimension;
use crate::graphql::errors::ApiError;
use crate::graphql::reads::Gate;
use crate::graphql::scalars::Date;
use crate::graphql::types::report_tables::{NrmTimelinessReport, NrmTimelinessRow};

/// The reports of the caller's local authority. Every report needs `reports:read`, shows counts
/// only under disclosure control (`DFE_2024`) and is recorded in the audit trail as an
/// `AGGREGATE` read with no child.
#[derive(Debug, Default)]
pub struct Reports;

/// The longest period a report covers.
const MAX_PERIOD_DAYS: i64 = 10 * 366;

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

fn dimensions(group_by: &[ReportDimension]) -> Result<Vec<Dimension>, ApiError> {
    let distinct: BTreeSet<Dimension> = group_by.iter().map(|d| Dimension::from(*d)).collect();
    if distinct.len() != group_by.len() {
        return Err(ApiError::BadUserInput(
            "groupBy names a dimension twice".to_owned(),
        ));
    }
    if group_by.len() > MAX_DIMENSIONS {
        return Err(ApiError::BadUserInput(format!(
            "groupBy takes at most {MAX_DIMENSIONS} dimensions"
        )));
    }
    Ok(group_by.iter().map(|d| Dimension::from(*d)).collect())
}

#[Object]
impl Reports {
    /// How timely the NRM's decisions are: the referrals made from `from` to `to` (UK dates,
    /// both included) and where their decisions stand today — reasonable-grounds decisions, the
    /// share positive and within the 5-working-day target, median and 90th-percentile days to
    /// them, conclusive decisions and the days from reasonable grounds, cases waiting for a
    /// conclusive decision and for how long. Grouped by at most two dimensions. A count from 1
    /// to 5 is shown as `c`, and more cells are hidden so that none can be worked out from the
    /// others; a share or median of a hidden count is hidden with it.
    async fn nrm_timeliness(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
    ) -> async_graphql::Result<Option<NrmTimelinessReport>> {
        let Some(gate) = Gate::open(ctx, Scope::ReportsRead)? else {
            return Ok(None);
        };
        let period = period(from, to)?;
        let group = dimensions(&group_by)?;
        let referrals = gate
            .db()
            .referrals_referred_between(period.from, period.to)
            .await
            .map_err(ApiError::from)?;
        let child_ids: Vec<ChildId> = referrals
            .iter()
            .map(|r| r.child_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let children = gate
            .db()
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
        gate.note(None, FieldsClass::Aggregate);
        let today = uk_date(gate.request().now);
        let rules = RuleSet::Dfe2024;
        // Every coarser grouping too: what the caller could read by asking again, so that no
        // combination of groupings gives away a hidden count.
        let rollup = Rollup::compute(&group, |dimensions| {
            nrm_timeliness(&records, period, today, dimensions)
        });
        let rows = control_nrm_timeliness(&rollup, rules);
        Ok(Some(NrmTimelinessReport {
            rules: rules.into(),
            from,
            to,
            group_by,
            rows: rows.into_iter().map(NrmTimelinessRow::from).collect(),
        }))
    }
}
