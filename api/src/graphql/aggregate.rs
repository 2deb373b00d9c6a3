//! What a reader across authorities sees (a token naming several in `la_set`: a regional
//! partnership, a pilot's evaluator): a schema of `reports` and nothing else, answered from the
//! report functions of the database, which return grouped counts only, under `DFE_2024` always.
//! No type of the tenant schema is reachable from it, so no path leads to a child's record; the
//! database refuses the same a second time (`stable_futures_aggregate` reads no table).

use std::sync::Arc;

use async_graphql::{Context, EmptyMutation, EmptySubscription, Object, Schema};
use chrono::{DateTime, Utc};
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::calendar::uk_date;
use stable_futures_domain::disclosure::RuleSet;
use stable_futures_domain::principal::{AggregatePrincipal, Scope};
use stable_futures_domain::reports::{
    control_guardian_timeliness, control_nrm_timeliness, control_outcomes, rows_are_totals,
    with_totals_rounded, Dimension, Period, Rollup, GUARDIAN_TIMELINESS_GROUPS,
    NRM_TIMELINESS_GROUPS, OUTCOMES_GROUPS,
};
use stable_futures_domain::worklist::WorklistSettings;
use stable_futures_persistence::{AggregateDb, Database, StatementCounter};

use crate::config::LimitsConfig;
use crate::graphql::enums::{DisclosureRules, ReportDimension};
use crate::graphql::errors::ApiError;
use crate::graphql::scalars::Date;
use crate::graphql::types::guardian_report::{GuardianTimelinessReport, GuardianTimelinessRow};
use crate::graphql::types::outcomes_report::{OutcomesReport, OutcomesRow};
use crate::graphql::types::report_tables::{NrmTimelinessReport, NrmTimelinessRow};
use crate::graphql::types::reports::checked;

pub type AggregateSchema = Schema<AggregateQuery, EmptyMutation, EmptySubscription>;

pub fn build_aggregate_schema(limits: &LimitsConfig, introspection: bool) -> AggregateSchema {
    let mut builder = Schema::build(AggregateQuery, EmptyMutation, EmptySubscription)
        .limit_depth(limits.max_query_depth)
        .limit_complexity(limits.max_query_complexity)
        .disable_suggestions();
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema a reader across authorities sees, as committed in `schema-aggregate.graphql`.
pub fn aggregate_sdl() -> String {
    build_aggregate_schema(&LimitsConfig::default(), true).sdl()
}

/// One request of a reader across authorities.
#[derive(Debug)]
pub struct AggregateRequest {
    pub principal: Arc<AggregatePrincipal>,
    pub now: DateTime<Utc>,
    pub audit: AuditContext,
    pub database: Database,
    /// The SQL statements the request runs (`x-sql-statements`).
    pub statements: Arc<StatementCounter>,
}

#[derive(Debug, Default)]
pub struct AggregateQuery;

/// Named as in the schema of one authority, whose `reports` this mirrors.
#[Object(name = "Query")]
impl AggregateQuery {
    /// Reports over the token's local authorities together (`reports:aggregate`), always under
    /// disclosure control; group by `LOCAL_AUTHORITY` for each authority's figures.
    async fn reports(&self) -> AggregateReports {
        AggregateReports
    }
}

/// The reports a reader across authorities may run. Each is recorded in every authority's
/// audit trail as an `AGGREGATE` read by the token's subject, with no child.
#[derive(Debug, Default)]
pub struct AggregateReports;

impl AggregateReports {
    /// The request, once its scope, rules, period and grouping are checked (the report's
    /// `offered` dimensions and `LOCAL_AUTHORITY`). Its read is recorded in each authority's
    /// trail by the database handle, in the report's own transaction.
    fn open<'a>(
        ctx: &Context<'a>,
        (from, to, group_by, rules): (Date, Date, &[ReportDimension], DisclosureRules),
        round_totals: bool,
        offered: &[Dimension],
    ) -> Result<Opened<'a>, ApiError> {
        let request = ctx
            .data::<Arc<AggregateRequest>>()
            .map_err(|_| ApiError::internal(&"an aggregate request without its context"))?;
        if !request.principal.has(Scope::ReportsAggregate) {
            return Err(ApiError::Forbidden(Scope::ReportsAggregate.as_str()));
        }
        if RuleSet::from(rules) != RuleSet::Dfe2024 {
            // What crosses authorities is always controlled: no scope allows NONE here.
            return Err(ApiError::Forbidden(Scope::ReportsUnsuppressed.as_str()));
        }
        let offered: Vec<Dimension> = offered
            .iter()
            .copied()
            .chain([Dimension::LocalAuthority])
            .collect();
        let (period, dimensions) = checked(from, to, group_by, &offered)?;
        Ok(Opened {
            request,
            db: request
                .database
                .for_authorities(request.principal.clone())
                .counting(request.statements.clone()),
            period,
            round: round_totals && rows_are_totals(&dimensions, true),
            dimensions,
        })
    }
}

/// A report's request once checked: its context, the database handle over its authorities
/// (counting its statements), its period and grouping, and whether its rows' counts are rounded.
struct Opened<'a> {
    request: &'a AggregateRequest,
    db: AggregateDb,
    period: Period,
    dimensions: Vec<Dimension>,
    round: bool,
}

#[Object(name = "Reports")]
impl AggregateReports {
    /// The NRM timeliness report (as `reports.nrmTimeliness` defines it for one authority) over
    /// the referrals of all the token's authorities made from `from` to `to`; group by
    /// `LOCAL_AUTHORITY` (and at most one other dimension) for each authority's figures. Every
    /// count under `DFE_2024`.
    async fn nrm_timeliness(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
        #[graphql(default_with = "DisclosureRules::Dfe2024")] rules: DisclosureRules,
        #[graphql(
            default,
            desc = "Round the counts of every total to the nearest 10, as DfE publishes national and regional totals: every row that pools the authorities (not grouped by `LOCAL_AUTHORITY`). Each authority's own figures stay exact; shares and days stay as computed from the exact counts."
        )]
        round_totals: bool,
    ) -> async_graphql::Result<Option<NrmTimelinessReport>> {
        let Opened {
            request,
            db,
            period,
            dimensions,
            round,
        } = Self::open(
            ctx,
            (from, to, &group_by, rules),
            round_totals,
            &NRM_TIMELINESS_GROUPS,
        )?;
        let runs = db
            .nrm_timeliness_runs(
                &request.audit,
                period.from,
                period.to,
                uk_date(request.now),
                &dimensions,
            )
            .await
            .map_err(ApiError::from)?;
        let rollup = Rollup::from_runs(dimensions.len(), runs);
        let rows = with_totals_rounded(control_nrm_timeliness(&rollup, RuleSet::Dfe2024), round);
        Ok(Some(NrmTimelinessReport {
            rules: RuleSet::Dfe2024.into(),
            totals_rounded: round,
            from,
            to,
            group_by,
            rows: rows.into_iter().map(NrmTimelinessRow::from).collect(),
        }))
    }

    /// The guardian timeliness report (as `reports.guardianTimeliness` defines it for one
    /// authority) over the requests of all the token's authorities, each judged by its own
    /// authority's threshold; group by `LOCAL_AUTHORITY` (and at most one other dimension) for
    /// each authority's figures. Every count under `DFE_2024`.
    async fn guardian_timeliness(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
        #[graphql(default_with = "DisclosureRules::Dfe2024")] rules: DisclosureRules,
        #[graphql(
            default,
            desc = "Round the counts of every total to the nearest 10, as DfE publishes national and regional totals: every row that pools the authorities (not grouped by `LOCAL_AUTHORITY`). Each authority's own figures stay exact; shares and days stay as computed from the exact counts."
        )]
        round_totals: bool,
    ) -> async_graphql::Result<Option<GuardianTimelinessReport>> {
        let Opened {
            request,
            db,
            period,
            dimensions,
            round,
        } = Self::open(
            ctx,
            (from, to, &group_by, rules),
            round_totals,
            &GUARDIAN_TIMELINESS_GROUPS,
        )?;
        let runs = db
            .guardian_timeliness_runs(
                &request.audit,
                period.from,
                period.to,
                uk_date(request.now),
                &dimensions,
                WorklistSettings::default().guardian_assignment_days,
            )
            .await
            .map_err(ApiError::from)?;
        let rollup = Rollup::from_runs(dimensions.len(), runs);
        let rows = with_totals_rounded(
            control_guardian_timeliness(&rollup, RuleSet::Dfe2024),
            round,
        );
        Ok(Some(GuardianTimelinessReport {
            rules: RuleSet::Dfe2024.into(),
            totals_rounded: round,
            from,
            to,
            group_by,
            threshold_days: None,
            rows: rows.into_iter().map(GuardianTimelinessRow::from).collect(),
        }))
    }

    /// The outcomes report (as `reports.outcomes` defines it for one authority) over the
    /// children measured in all the token's authorities, each guardian's promptness judged by
    /// its own authority's threshold; group by `LOCAL_AUTHORITY` (and at most one other
    /// dimension) for each authority's figures. It shows association, not cause. Every count
    /// under `DFE_2024`.
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: Vec<ReportDimension>,
        #[graphql(default_with = "DisclosureRules::Dfe2024")] rules: DisclosureRules,
        #[graphql(
            default,
            desc = "Round the counts of every total to the nearest 10, as DfE publishes national and regional totals: every row that pools the authorities (not grouped by `LOCAL_AUTHORITY`). Each authority's own figures stay exact; shares and days stay as computed from the exact counts."
        )]
        round_totals: bool,
    ) -> async_graphql::Result<Option<OutcomesReport>> {
        let Opened {
            request,
            db,
            period,
            dimensions,
            round,
        } = Self::open(
            ctx,
            (from, to, &group_by, rules),
            round_totals,
            &OUTCOMES_GROUPS,
        )?;
        let runs = db
            .outcomes_runs(
                &request.audit,
                period.from,
                period.to,
                &dimensions,
                WorklistSettings::default().guardian_assignment_days,
            )
            .await
            .map_err(ApiError::from)?;
        let rollup = Rollup::from_runs(dimensions.len(), runs);
        let rows = with_totals_rounded(control_outcomes(&rollup, RuleSet::Dfe2024), round);
        Ok(Some(OutcomesReport {
            rules: RuleSet::Dfe2024.into(),
            totals_rounded: round,
            from,
            to,
            group_by,
            guardian_threshold_days: None,
            rows: rows.into_iter().map(OutcomesRow::from).collect(),
        }))
    }
}
