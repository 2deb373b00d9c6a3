//! A page of children (or some children by id) with the records a query asks for under each, in
//! one statement.
//!
//! One statement per relation costs a round trip, a parse of its parameters and a plan each; for
//! the page of 50 that is five statements where one does (issue #15, lever 2). Nested lists come
//! back as arrays of records, decoded from PostgreSQL's binary format into the same row types the
//! per-relation reads use, so a record read either way converts through the same code. A
//! relation the plan leaves out is not read at all: its column is `NULL` (`CASE WHEN false`
//! skips the subquery), so one prepared text serves every selection.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::deserialize::Queryable;
use diesel::pg::Pg;
use diesel::sql_types::{
    Array, BigInt, Bool, Nullable, Record, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use stable_futures_domain::child::Child;
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::ids::{ChildId, MeasurementId, ReferralId};
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::referral::{NrmReferral, ReferralEvent};
use uuid::Uuid;

use crate::children::ChildRow;
use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::guardians::AssignmentRow;
use crate::measurements::{MeasurementFilter, MeasurementRow};
use crate::paging::{lookahead_limit, Page};
use crate::prepared::prepared_sql;
use crate::referrals::{EventRow, ReferralRow};
use crate::schema::{guardian_assignments, nrm_referrals, outcome_measurements};

/// A page of one of a child's lists: at most `first` after `after`, in id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NestedPage<After> {
    pub first: usize,
    pub after: Option<After>,
}

/// What to read under each child. Every part is optional; an empty plan reads the children alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreePlan {
    pub referrals: Option<NestedPage<ReferralId>>,
    /// Each listed referral's timeline (only with `referrals`).
    pub timelines: bool,
    pub assignments: bool,
    /// The date of each child's earliest referral, whatever page of referrals is read.
    pub first_referral_dates: bool,
    pub measurements: Option<(NestedPage<MeasurementId>, MeasurementFilter)>,
    /// The measurement that corrects each listed one (only with `measurements`).
    pub superseded_by: bool,
}

/// A child and what the plan asked for under it; `None` where the plan did not ask.
#[derive(Debug)]
pub struct ChildTree {
    pub child: Child,
    pub referrals: Option<Page<NrmReferral>>,
    /// Keyed by referral, for the referrals listed (with `timelines`).
    pub timelines: Option<HashMap<ReferralId, Vec<ReferralEvent>>>,
    pub assignments: Option<Vec<GuardianAssignment>>,
    pub first_referral_date: Option<Option<DateTime<Utc>>>,
    pub measurements: Option<Page<OutcomeMeasurement>>,
    /// Keyed by measurement, for the measurements listed (with `superseded_by`).
    pub superseded_by: Option<HashMap<MeasurementId, Option<MeasurementId>>>,
}

type RowOf<T, ST> = <T as Queryable<ST, Pg>>::Row;
type EventSql = (SqlUuid, Text, Timestamptz, Nullable<Text>);
type ReferralSql = (
    Record<nrm_referrals::SqlType>,
    Nullable<Array<Record<EventSql>>>,
);
type MeasurementSql = (Record<outcome_measurements::SqlType>, Nullable<SqlUuid>);

#[derive(QueryableByName)]
struct TreeRow {
    #[diesel(embed)]
    child: ChildRow,
    #[diesel(sql_type = Nullable<Array<Record<ReferralSql>>>)]
    referrals: Option<Vec<(ReferralTuple, Option<Vec<EventTuple>>)>>,
    #[diesel(sql_type = Nullable<Array<Record<guardian_assignments::SqlType>>>)]
    assignments: Option<Vec<RowOf<AssignmentRow, guardian_assignments::SqlType>>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_referral_date: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Array<Record<MeasurementSql>>>)]
    measurements: Option<Vec<(MeasurementTuple, Option<Uuid>)>>,
}

type ReferralTuple = RowOf<ReferralRow, nrm_referrals::SqlType>;
type EventTuple = RowOf<EventRow, EventSql>;
type MeasurementTuple = RowOf<MeasurementRow, outcome_measurements::SqlType>;

/// The columns of a child's tree, after the roots `c`. Each record lists its table's columns in
/// the order of `schema.rs` (the row types' order); `tests/child_trees.rs` checks every field
/// against the per-relation reads.
///
/// Parameters, after the roots' own: `$3` referrals?, `$4` their `after` (nil: none), `$5` their
/// limit, `$6` timelines?, `$7` assignments?, `$8` first referral dates?, `$9` measurements?,
/// `$10` their `after`, `$11` their limit, `$12` current ones only?, `$13` superseded by?
macro_rules! tree_columns {
    () => {
        "c.id, c.local_authority, c.local_child_id, c.upn, c.nhs_number, c.date_of_birth, \
         c.date_of_birth_estimated, c.age_disputed, c.gender, c.nationalities, c.languages, \
         c.interpreter_required, c.immigration_status, c.care_status, c.version, c.created_at, \
         c.updated_at, c.recorded_by_local_authority, \
         CASE WHEN $3 THEN array(\
           SELECT ROW(ROW(n.id, n.local_authority, n.child_id, n.referred_at, \
                          n.first_responder_type, n.first_responder_name, n.exploitation_types, \
                          n.county_lines, n.exploitation_location, n.competent_authority, \
                          n.status, n.rg_outcome, n.rg_decided_at, n.cg_outcome, n.cg_decided_at, \
                          n.reconsideration_requested_at, n.withdrawn_at, n.version, \
                          n.created_at, n.updated_at, n.reasonable_grounds_due_on, \
                          n.first_rg_outcome, n.first_rg_decided_at, n.home_office_reference, \
                          n.recorded_by_local_authority), \
                      CASE WHEN $6 THEN array(\
                        SELECT ROW(e.referral_id, e.kind, e.at, e.outcome) FROM referral_events e \
                        WHERE e.referral_id = n.id AND e.local_authority = n.local_authority \
                        ORDER BY e.id) END) \
           FROM nrm_referrals n \
           WHERE n.child_id = c.id AND n.local_authority = c.local_authority AND n.id > $4 \
           ORDER BY n.id LIMIT $5) END AS referrals, \
         CASE WHEN $7 THEN array(\
           SELECT ROW(g.id, g.local_authority, g.child_id, g.service, g.role, g.status, \
                      g.requested_at, g.assigned_at, g.ended_at, g.end_reason, g.version, \
                      g.created_at, g.updated_at, g.recorded_by_local_authority) \
           FROM guardian_assignments g \
           WHERE g.child_id = c.id AND g.local_authority = c.local_authority \
           ORDER BY g.id) END AS assignments, \
         CASE WHEN $8 THEN (\
           SELECT min(f.referred_at) FROM nrm_referrals f \
           WHERE f.child_id = c.id AND f.local_authority = c.local_authority) \
         END AS first_referral_date, \
         CASE WHEN $9 THEN array(\
           SELECT ROW(ROW(o.id, o.local_authority, o.child_id, o.framework_version, \
                          o.outcome_key, o.observed_at, o.recorded_by, o.recorded_at, \
                          o.young_person_participated, o.young_person_rating, \
                          o.young_person_words, o.practitioner_rating, o.practitioner_note, \
                          o.indicators_met, o.supersedes, o.recorded_by_local_authority), \
                      CASE WHEN $13 THEN (\
                        SELECT s.id FROM outcome_measurements s WHERE s.supersedes = o.id \
                        ORDER BY s.id LIMIT 1) END) \
           FROM outcome_measurements o \
           WHERE o.child_id = c.id AND o.local_authority = c.local_authority AND o.id > $10 \
             AND (NOT $12 OR NOT EXISTS (\
               SELECT 1 FROM outcome_measurements s WHERE s.supersedes = o.id)) \
           ORDER BY o.id LIMIT $11) END AS measurements"
    };
}

/// The page of the authority's children after `$1` (nil: from the start), `$2` rows.
const PAGE_TREES: &str = concat!(
    "SELECT ",
    tree_columns!(),
    " FROM (SELECT * FROM children WHERE local_authority = current_local_authority() \
       AND id > $1 ORDER BY id LIMIT $2) c ORDER BY c.id"
);

/// The authority's children among `$1`, at most `$2` (as many as there are ids).
const TREES_BY_ID: &str = concat!(
    "SELECT ",
    tree_columns!(),
    " FROM (SELECT * FROM children WHERE id = ANY($1) \
       AND local_authority = current_local_authority() ORDER BY id LIMIT $2) c ORDER BY c.id"
);

/// `after` as the statement's lower bound: the nil uuid is below every id, so one indexable
/// condition serves the first page and the next ones.
fn lower_bound(after: Option<Uuid>) -> Uuid {
    after.unwrap_or(Uuid::nil())
}

fn limit_of<A>(page: Option<NestedPage<A>>) -> i64 {
    page.map_or(0, |page| lookahead_limit(page.first))
}

impl TenantDb {
    /// The authority's first `first` children after `after` (in id order), each with what `plan`
    /// asks for, in one statement.
    pub async fn children_page_trees(
        &self,
        first: usize,
        after: Option<ChildId>,
        plan: TreePlan,
    ) -> Result<Page<ChildTree>> {
        let roots = (lower_bound(after.map(|id| id.0)), lookahead_limit(first));
        let rows = self.trees(Roots::Page(roots), plan).await?;
        Page::from_lookahead(rows, first).try_map(|row| row.into_tree(plan))
    }

    /// The authority's children among `ids` (in id order; an id that is not the caller's is left
    /// out), each with what `plan` asks for, in one statement.
    pub async fn child_trees(&self, ids: &[ChildId], plan: TreePlan) -> Result<Vec<ChildTree>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let rows = self.trees(Roots::Ids(ids), plan).await?;
        rows.into_iter().map(|row| row.into_tree(plan)).collect()
    }

    async fn trees(&self, roots: Roots, plan: TreePlan) -> Result<Vec<TreeRow>> {
        let referrals = plan.referrals;
        let measurements = plan.measurements.map(|(page, _)| page);
        let current_only = matches!(plan.measurements, Some((_, MeasurementFilter::Current)));
        self.transaction(async move |conn| {
            let statement = match roots {
                Roots::Page((after, limit)) => prepared_sql(PAGE_TREES)
                    .bind::<SqlUuid, _>(after)
                    .bind::<BigInt, _>(limit),
                Roots::Ids(ids) => {
                    let limit = i64::try_from(ids.len()).unwrap_or(i64::MAX);
                    prepared_sql(TREES_BY_ID)
                        .bind::<Array<SqlUuid>, _>(ids)
                        .bind::<BigInt, _>(limit)
                }
            };
            Ok(statement
                .bind::<Bool, _>(referrals.is_some())
                .bind::<SqlUuid, _>(lower_bound(referrals.and_then(|p| p.after).map(|id| id.0)))
                .bind::<BigInt, _>(limit_of(referrals))
                // Timelines and superseding ids are read inside their lists' subqueries: without
                // the list, their flags change nothing.
                .bind::<Bool, _>(plan.timelines)
                .bind::<Bool, _>(plan.assignments)
                .bind::<Bool, _>(plan.first_referral_dates)
                .bind::<Bool, _>(measurements.is_some())
                .bind::<SqlUuid, _>(lower_bound(
                    measurements.and_then(|p| p.after).map(|id| id.0),
                ))
                .bind::<BigInt, _>(limit_of(measurements))
                .bind::<Bool, _>(current_only)
                .bind::<Bool, _>(plan.superseded_by)
                .load(conn)
                .await?)
        })
        .await
    }
}

/// A row type from the tuple of its record. The row types' `build` only moves fields, so it fails
/// only if that changes; then the record is reported as unreadable, never panicked on.
fn build<T, ST>(row: RowOf<T, ST>, table: &'static str) -> Result<T>
where
    T: Queryable<ST, Pg>,
{
    T::build(row).map_err(|_| PersistenceError::Corrupt {
        table,
        column: "(record)",
    })
}

enum Roots {
    Page((Uuid, i64)),
    Ids(Vec<Uuid>),
}

/// A page of records, and what came with each when it was kept.
type SplitPage<T, K, Y> = (Page<T>, Option<HashMap<K, Y>>);

/// A nested list of (record, what came with it) read with a lookahead limit, as a page of
/// `first` records and, when `keep`, what came with each, by the record's key.
fn split_page<R, X, T, K: Eq + std::hash::Hash, Y>(
    rows: Vec<(R, X)>,
    first: usize,
    keep: bool,
    record: impl Fn(R) -> Result<T>,
    key: impl Fn(&T) -> K,
    with: impl Fn(X) -> Result<Y>,
) -> Result<SplitPage<T, K, Y>> {
    let mut kept = keep.then(HashMap::new);
    let page = Page::from_lookahead(rows, first).try_map(|(row, extra)| {
        let item = record(row)?;
        if let Some(kept) = kept.as_mut() {
            kept.insert(key(&item), with(extra)?);
        }
        Ok::<_, PersistenceError>(item)
    })?;
    Ok((page, kept))
}

impl TreeRow {
    fn into_tree(self, plan: TreePlan) -> Result<ChildTree> {
        let child = Child::try_from(self.child)?;
        let (referrals, timelines) = self
            .referrals
            .map(|rows| {
                split_page(
                    rows,
                    plan.referrals.map_or(0, |page| page.first),
                    plan.timelines,
                    |row| {
                        NrmReferral::try_from(build::<ReferralRow, nrm_referrals::SqlType>(
                            row,
                            "nrm_referrals",
                        )?)
                    },
                    |referral| referral.id,
                    |events| {
                        events
                            .unwrap_or_default()
                            .into_iter()
                            .map(|event| {
                                ReferralEvent::try_from(build::<EventRow, EventSql>(
                                    event,
                                    "referral_events",
                                )?)
                            })
                            .collect::<Result<Vec<_>>>()
                    },
                )
            })
            .transpose()?
            .unzip();
        let assignments = self
            .assignments
            .map(|rows| {
                rows.into_iter()
                    .map(|row| {
                        GuardianAssignment::try_from(build::<
                            AssignmentRow,
                            guardian_assignments::SqlType,
                        >(
                            row, "guardian_assignments"
                        )?)
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        let (measurements, superseded_by) = self
            .measurements
            .map(|rows| {
                split_page(
                    rows,
                    plan.measurements.map_or(0, |(page, _)| page.first),
                    plan.superseded_by,
                    |row| {
                        OutcomeMeasurement::try_from(build::<
                            MeasurementRow,
                            outcome_measurements::SqlType,
                        >(
                            row, "outcome_measurements"
                        )?)
                    },
                    |measurement| measurement.id,
                    |by| Ok(by.map(MeasurementId)),
                )
            })
            .transpose()?
            .unzip();
        Ok(ChildTree {
            child,
            referrals,
            timelines: timelines.flatten(),
            assignments,
            first_referral_date: plan
                .first_referral_dates
                .then_some(self.first_referral_date),
            measurements,
            superseded_by: superseded_by.flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepared::placeholders;

    /// `$1` to `$13`, each bound by `trees` in that order.
    fn numbers(placeholders: Vec<crate::prepared::Placeholder>) -> Vec<usize> {
        let mut numbers: Vec<usize> = placeholders.into_iter().map(|p| p.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    #[test]
    fn both_texts_have_the_same_thirteen_placeholders() {
        let all: Vec<usize> = (1..=13).collect();
        assert_eq!(numbers(placeholders(PAGE_TREES).expect("readable")), all);
        assert_eq!(numbers(placeholders(TREES_BY_ID).expect("readable")), all);
    }
}
