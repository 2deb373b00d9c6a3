//! Reports across authorities: a handle whose transactions run as `stable_futures_aggregate`,
//! a role that can read no table and may only call the report functions, which return grouped
//! counts and statistics (see the `aggregate_reports` migration). A token that speaks for several
//! authorities reaches the database only through this.

use chrono::NaiveDate;
use diesel::sql_types::{Array, BigInt, Date, Double, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, RunQueryDsl};
use std::sync::Arc;

use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::principal::AggregatePrincipal;
use std::collections::{BTreeMap, HashMap};

use stable_futures_domain::reports::{
    describe_outcome, Changes, Dimension, Grouped, GuardianTimelinessRow, NrmTimelinessRow,
    OutcomeChanges, OutcomesRow,
};

use crate::audit::bind_actor;
use crate::database::Work;
use crate::database::{Database, StatementCounter};
use crate::error::Result;

/// The database as a reader of aggregates over its principal's authorities.
#[derive(Debug, Clone)]
pub struct AggregateDb {
    database: Database,
    principal: Arc<AggregatePrincipal>,
    statements: Option<Arc<StatementCounter>>,
}

impl Database {
    /// A handle that can only run the report functions over `principal`'s authorities, each
    /// report recorded in their audit trails in its own transaction.
    pub fn for_authorities(&self, principal: Arc<AggregatePrincipal>) -> AggregateDb {
        AggregateDb {
            database: self.clone(),
            principal,
            statements: None,
        }
    }
}

impl AggregateDb {
    /// The same handle, counting its statements in `statements` (the request's count).
    pub fn counting(mut self, statements: Arc<StatementCounter>) -> Self {
        self.statements = Some(statements);
        self
    }
}

/// One grouping's row of a report, as the report function returns it.
#[derive(Debug, QueryableByName)]
struct NrmTimelinessGroup {
    #[diesel(sql_type = Integer)]
    kept: i32,
    #[diesel(sql_type = Array<Text>)]
    group_key: Vec<String>,
    #[diesel(sql_type = BigInt)]
    referrals: i64,
    #[diesel(sql_type = BigInt)]
    reasonable_grounds_decisions: i64,
    #[diesel(sql_type = BigInt)]
    reasonable_grounds_positive: i64,
    #[diesel(sql_type = BigInt)]
    decided_within_target: i64,
    #[diesel(sql_type = Nullable<Double>)]
    median_days_to_reasonable_grounds: Option<f64>,
    #[diesel(sql_type = Nullable<Integer>)]
    p90_days_to_reasonable_grounds: Option<i32>,
    #[diesel(sql_type = BigInt)]
    conclusive_grounds_decisions: i64,
    #[diesel(sql_type = BigInt)]
    conclusive_grounds_positive: i64,
    #[diesel(sql_type = Nullable<Double>)]
    median_days_reasonable_to_conclusive: Option<f64>,
    #[diesel(sql_type = BigInt)]
    waiting_for_conclusive: i64,
    #[diesel(sql_type = Nullable<Double>)]
    median_days_waiting_for_conclusive: Option<f64>,
}

/// One grouping's row of the guardian timeliness report, as its function returns it.
#[derive(Debug, QueryableByName)]
struct GuardianTimelinessGroup {
    #[diesel(sql_type = Integer)]
    kept: i32,
    #[diesel(sql_type = Array<Text>)]
    group_key: Vec<String>,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    assignments: i64,
    #[diesel(sql_type = Nullable<Double>)]
    median_days_request_to_assignment: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    median_days_referral_to_assignment: Option<f64>,
    #[diesel(sql_type = BigInt)]
    due: i64,
    #[diesel(sql_type = BigInt)]
    assigned_within_threshold: i64,
    #[diesel(sql_type = BigInt)]
    open_requests: i64,
    #[diesel(sql_type = Nullable<Double>)]
    median_days_open: Option<f64>,
}

/// One grouping's row of the outcomes report: the children's (no outcome) or one outcome's.
#[derive(Debug, QueryableByName)]
struct OutcomesGroup {
    #[diesel(sql_type = Integer)]
    kept: i32,
    #[diesel(sql_type = Array<Text>)]
    group_key: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    framework_version: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    outcome_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    children: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    measurements: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    young_person_took_part: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    young_person_with_change: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    young_person_improved: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    young_person_same: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    young_person_worse: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    young_person_median_change: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    practitioner_with_change: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    practitioner_improved: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    practitioner_same: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    practitioner_worse: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    practitioner_median_change: Option<f64>,
}

fn counted(n: Option<i64>) -> u64 {
    n.map_or(0, count)
}

/// Rows of each grouping, indexed by the dimensions kept.
fn into_runs<G, R>(
    rows: Vec<G>,
    dimensions: usize,
    kept: impl Fn(&G) -> i32,
    row: impl Fn(G) -> R,
) -> Vec<Vec<R>> {
    let mut runs: Vec<Vec<R>> = (0..1_usize << dimensions).map(|_| Vec::new()).collect();
    for group in rows {
        if let Some(run) = usize::try_from(kept(&group))
            .ok()
            .and_then(|k| runs.get_mut(k))
        {
            run.push(row(group));
        }
    }
    runs
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl AggregateDb {
    /// The NRM timeliness report over the authorities, grouped by every subset of `dimensions`:
    /// the runs of a [`stable_futures_domain::reports::Rollup`], indexed by the dimensions kept
    /// (bit k for the k-th).
    pub async fn nrm_timeliness_runs(
        &self,
        audit: &AuditContext,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        dimensions: &[Dimension],
    ) -> Result<Vec<Vec<NrmTimelinessRow>>> {
        let authorities = self.codes();
        let names: Vec<String> = dimensions.iter().map(|d| d.as_str().to_owned()).collect();
        let rows: Vec<NrmTimelinessGroup> = self
            .as_aggregate_role(audit, async move |conn| {
                Ok(
                    diesel::sql_query("SELECT * FROM report_nrm_timeliness($1, $2, $3, $4, $5)")
                        .bind::<Array<Text>, _>(authorities)
                        .bind::<Date, _>(from)
                        .bind::<Date, _>(to)
                        .bind::<Date, _>(today)
                        .bind::<Array<Text>, _>(names)
                        .load(conn)
                        .await?,
                )
            })
            .await?;
        let runs = into_runs(
            rows,
            dimensions.len(),
            |row| row.kept,
            |row| NrmTimelinessRow {
                group: row.group_key,
                referrals: count(row.referrals),
                reasonable_grounds_decisions: count(row.reasonable_grounds_decisions),
                reasonable_grounds_positive: count(row.reasonable_grounds_positive),
                decided_within_target: count(row.decided_within_target),
                median_days_to_reasonable_grounds: row.median_days_to_reasonable_grounds,
                p90_days_to_reasonable_grounds: row.p90_days_to_reasonable_grounds.map(i64::from),
                conclusive_grounds_decisions: count(row.conclusive_grounds_decisions),
                conclusive_grounds_positive: count(row.conclusive_grounds_positive),
                median_days_reasonable_to_conclusive: row.median_days_reasonable_to_conclusive,
                waiting_for_conclusive: count(row.waiting_for_conclusive),
                median_days_waiting_for_conclusive: row.median_days_waiting_for_conclusive,
            },
        );
        Ok(runs)
    }

    /// The guardian timeliness report over the authorities, each request judged by its
    /// authority's own threshold (`default_threshold` where it has set none), grouped by every
    /// subset of `dimensions`.
    pub async fn guardian_timeliness_runs(
        &self,
        audit: &AuditContext,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        dimensions: &[Dimension],
        default_threshold: u32,
    ) -> Result<Vec<Vec<GuardianTimelinessRow>>> {
        let authorities = self.codes();
        let names: Vec<String> = dimensions.iter().map(|d| d.as_str().to_owned()).collect();
        let threshold = i32::try_from(default_threshold).unwrap_or(i32::MAX);
        let rows: Vec<GuardianTimelinessGroup> = self
            .as_aggregate_role(audit, async move |conn| {
                Ok(diesel::sql_query(
                    "SELECT * FROM report_guardian_timeliness($1, $2, $3, $4, $5, $6)",
                )
                .bind::<Array<Text>, _>(authorities)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<Date, _>(today)
                .bind::<Array<Text>, _>(names)
                .bind::<Integer, _>(threshold)
                .load(conn)
                .await?)
            })
            .await?;
        Ok(into_runs(
            rows,
            dimensions.len(),
            |row| row.kept,
            |row| GuardianTimelinessRow {
                group: row.group_key,
                requests: count(row.requests),
                assignments: count(row.assignments),
                median_days_request_to_assignment: row.median_days_request_to_assignment,
                median_days_referral_to_assignment: row.median_days_referral_to_assignment,
                due: count(row.due),
                assigned_within_threshold: count(row.assigned_within_threshold),
                open_requests: count(row.open_requests),
                median_days_open: row.median_days_open,
            },
        ))
    }

    /// The outcomes report over the authorities (each guardian's promptness judged by its
    /// authority's threshold, `default_threshold` where it has set none), grouped by every subset
    /// of `dimensions`; outcomes described by their framework versions.
    pub async fn outcomes_runs(
        &self,
        audit: &AuditContext,
        from: NaiveDate,
        to: NaiveDate,
        dimensions: &[Dimension],
        default_threshold: u32,
    ) -> Result<Vec<Vec<OutcomesRow>>> {
        let authorities = self.codes();
        let names: Vec<String> = dimensions.iter().map(|d| d.as_str().to_owned()).collect();
        let threshold = i32::try_from(default_threshold).unwrap_or(i32::MAX);
        let groups: Vec<OutcomesGroup> = self
            .as_aggregate_role(audit, async move |conn| {
                Ok(
                    diesel::sql_query("SELECT * FROM report_outcomes($1, $2, $3, $4, $5)")
                        .bind::<Array<Text>, _>(authorities)
                        .bind::<Date, _>(from)
                        .bind::<Date, _>(to)
                        .bind::<Array<Text>, _>(names)
                        .bind::<Integer, _>(threshold)
                        .load(conn)
                        .await?,
                )
            })
            .await?;
        let mut frameworks = HashMap::new();
        for version in groups.iter().filter_map(|g| g.framework_version.as_deref()) {
            if !frameworks.contains_key(version) {
                let framework = self.database.framework(version).await?;
                frameworks.insert(version.to_owned(), framework);
            }
        }
        let mut runs: Vec<BTreeMap<Vec<String>, OutcomesRow>> = (0..1_usize << dimensions.len())
            .map(|_| BTreeMap::new())
            .collect();
        for group in groups {
            let Some(run) = usize::try_from(group.kept)
                .ok()
                .and_then(|k| runs.get_mut(k))
            else {
                continue;
            };
            let row = run
                .entry(group.group_key.clone())
                .or_insert_with(|| OutcomesRow::empty(group.group_key.clone()));
            match (group.framework_version, group.outcome_key) {
                (Some(version), Some(key)) => {
                    let framework = frameworks.get(&version).and_then(|f| f.as_deref());
                    let described = describe_outcome(framework, &version, &key);
                    let changes = |with_change, improved, same, worse, median_change| Changes {
                        with_change: counted(with_change),
                        improved: counted(improved),
                        same: counted(same),
                        worse: counted(worse),
                        median_change,
                    };
                    row.outcomes.insert(
                        described.reference,
                        OutcomeChanges {
                            principle_article: described.principle_article,
                            principle_title: described.principle_title,
                            outcome_title: described.outcome_title,
                            children: count(group.children),
                            young_person: changes(
                                group.young_person_with_change,
                                group.young_person_improved,
                                group.young_person_same,
                                group.young_person_worse,
                                group.young_person_median_change,
                            ),
                            practitioner: changes(
                                group.practitioner_with_change,
                                group.practitioner_improved,
                                group.practitioner_same,
                                group.practitioner_worse,
                                group.practitioner_median_change,
                            ),
                        },
                    );
                }
                _ => {
                    row.children_measured = count(group.children);
                    row.measurements = counted(group.measurements);
                    row.young_person_took_part = counted(group.young_person_took_part);
                }
            }
        }
        Ok(runs
            .into_iter()
            .map(|run| run.into_values().collect())
            .collect())
    }

    fn codes(&self) -> Vec<String> {
        self.principal
            .local_authorities
            .iter()
            .map(|code| code.as_str().to_owned())
            .collect()
    }

    /// Runs `work` in a transaction that has switched to `stable_futures_aggregate`: from its
    /// first statement it can read no table, only call the report functions. The read is
    /// recorded in every authority's audit trail first, in the same transaction: a report whose
    /// audit rows cannot be written is not read.
    async fn as_aggregate_role<R, F>(&self, audit: &AuditContext, work: F) -> Result<R>
    where
        for<'r> F:
            AsyncFnOnce(&'r mut diesel_async::AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        R: Send,
    {
        let authorities = self.codes();
        let principal = self.principal.clone();
        let audit = audit.clone();
        let mut conn = self.database.connection(self.statements.clone()).await?;
        conn.transaction(async move |conn| {
            diesel::sql_query("SET LOCAL ROLE stable_futures_aggregate")
                .execute(conn)
                .await?;
            let query =
                diesel::sql_query("SELECT record_aggregate_read($1, $2, $3, $4, $5, $6, $7)")
                    .into_boxed()
                    .bind::<Array<Text>, _>(authorities);
            bind_actor(
                query,
                &principal.subject,
                principal.client.as_deref(),
                &audit,
            )
            .execute(conn)
            .await?;
            work(conn).await
        })
        .await
    }
}
