//! Reports across authorities: a handle whose transactions run as `stable_futures_aggregate`,
//! a role that can read no table and may only call the report functions, which return grouped
//! counts and statistics (see the `aggregate_reports` migration). A token that speaks for several
//! authorities reaches the database only through this.

use chrono::NaiveDate;
use diesel::sql_types::{Array, BigInt, Date, Double, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, RunQueryDsl};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::reports::{Dimension, NrmTimelinessRow};

use crate::database::Database;
use crate::error::Result;

/// The database as a reader of aggregates over `authorities`.
#[derive(Debug, Clone)]
pub struct AggregateDb {
    database: Database,
    authorities: Vec<LocalAuthorityCode>,
}

impl Database {
    /// A handle that can only run the report functions over `authorities`.
    pub fn for_authorities(&self, authorities: Vec<LocalAuthorityCode>) -> AggregateDb {
        AggregateDb {
            database: self.clone(),
            authorities,
        }
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

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl AggregateDb {
    pub fn authorities(&self) -> &[LocalAuthorityCode] {
        &self.authorities
    }

    /// The NRM timeliness report over the authorities, grouped by every subset of `dimensions`:
    /// the runs of a [`stable_futures_domain::reports::Rollup`], indexed by the dimensions kept
    /// (bit k for the k-th).
    pub async fn nrm_timeliness_runs(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        dimensions: &[Dimension],
    ) -> Result<Vec<Vec<NrmTimelinessRow>>> {
        let authorities: Vec<String> = self
            .authorities
            .iter()
            .map(|code| code.as_str().to_owned())
            .collect();
        let names: Vec<String> = dimensions.iter().map(|d| d.as_str().to_owned()).collect();
        let mut conn = self.database.reference_connection().await?;
        let rows: Vec<NrmTimelinessGroup> = conn
            .transaction(async move |conn| {
                // From here the transaction can read no table: only the report functions.
                diesel::sql_query("SET LOCAL ROLE stable_futures_aggregate")
                    .execute(conn)
                    .await?;
                let rows =
                    diesel::sql_query("SELECT * FROM report_nrm_timeliness($1, $2, $3, $4, $5)")
                        .bind::<Array<Text>, _>(authorities)
                        .bind::<Date, _>(from)
                        .bind::<Date, _>(to)
                        .bind::<Date, _>(today)
                        .bind::<Array<Text>, _>(names)
                        .load(conn)
                        .await?;
                Ok::<_, crate::error::PersistenceError>(rows)
            })
            .await?;
        let mut runs: Vec<Vec<NrmTimelinessRow>> = (0..1_usize << dimensions.len())
            .map(|_| Vec::new())
            .collect();
        for row in rows {
            let Some(run) = usize::try_from(row.kept).ok().and_then(|k| runs.get_mut(k)) else {
                continue;
            };
            run.push(NrmTimelinessRow {
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
            });
        }
        Ok(runs)
    }
}
