//! What the reports read: the authority's records of a period, as few columns of free text as
//! the figures need (none). Each statement is one pass over an index on the UK date of the
//! record.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::sql_types::{Array, Date, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::referral::NrmReferral;
use uuid::Uuid;

use crate::database::TenantDb;
use crate::error::Result;
use crate::guardians::AssignmentRow;
use crate::measurements::MeasurementRow;
use crate::prepared::prepared_sql;
use crate::referrals::ReferralRow;

impl TenantDb {
    /// The authority's referrals made on the UK days `from` to `to` (both included), oldest
    /// first: the cohort of a report.
    pub async fn referrals_referred_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NrmReferral>> {
        let rows: Vec<ReferralRow> = self
            .transaction(async move |conn| {
                Ok(prepared_sql(
                    "SELECT * FROM nrm_referrals \
                     WHERE local_authority = current_local_authority() \
                       AND uk_date(referred_at) BETWEEN $1 AND $2 \
                     ORDER BY referred_at, id",
                )
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .load(conn)
                .await?)
            })
            .await?;
        rows.into_iter().map(NrmReferral::try_from).collect()
    }

    /// The authority's guardian requests made on the UK days `from` to `to`, oldest first.
    pub async fn assignments_requested_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<GuardianAssignment>> {
        let rows: Vec<AssignmentRow> = self
            .transaction(async move |conn| {
                Ok(prepared_sql(
                    "SELECT * FROM guardian_assignments \
                     WHERE local_authority = current_local_authority() \
                       AND uk_date(requested_at) BETWEEN $1 AND $2 \
                     ORDER BY requested_at, id",
                )
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .load(conn)
                .await?)
            })
            .await?;
        rows.into_iter().map(GuardianAssignment::try_from).collect()
    }

    /// The authority's current measurements (not corrected by a later one) observed on the UK
    /// days `from` to `to`, by child and then as observed. The young person's words, the
    /// practitioner's note, the indicators and who recorded it are left in the database: no
    /// figure is made of them.
    pub async fn current_measurements_observed_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutcomeMeasurement>> {
        let rows: Vec<MeasurementRow> = self
            .transaction(async move |conn| {
                Ok(prepared_sql(
                    "SELECT o.id, o.local_authority, o.child_id, o.framework_version, \
                            o.outcome_key, o.observed_at, '' AS recorded_by, o.recorded_at, \
                            o.young_person_participated, o.young_person_rating, \
                            NULL::text AS young_person_words, o.practitioner_rating, \
                            NULL::text AS practitioner_note, '{}'::text[] AS indicators_met, \
                            o.supersedes, o.recorded_by_local_authority \
                     FROM outcome_measurements o \
                     WHERE o.local_authority = current_local_authority() \
                       AND uk_date(o.observed_at) BETWEEN $1 AND $2 \
                       AND NOT EXISTS (SELECT 1 FROM outcome_measurements s \
                                       WHERE s.supersedes = o.id) \
                     ORDER BY o.child_id, o.observed_at, o.id",
                )
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .load(conn)
                .await?)
            })
            .await?;
        rows.into_iter().map(OutcomeMeasurement::try_from).collect()
    }

    /// Each child's first referral (the earliest made), for the children that have one.
    pub async fn first_referrals(
        &self,
        child_ids: &[ChildId],
    ) -> Result<HashMap<ChildId, NrmReferral>> {
        let ids: Vec<Uuid> = child_ids.iter().map(|id| id.0).collect();
        let rows: Vec<ReferralRow> = self
            .transaction(async move |conn| {
                Ok(prepared_sql(
                    "SELECT DISTINCT ON (child_id) * FROM nrm_referrals \
                     WHERE local_authority = current_local_authority() \
                       AND child_id = ANY($1) \
                     ORDER BY child_id, referred_at, id",
                )
                .bind::<Array<SqlUuid>, _>(ids)
                .load(conn)
                .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| NrmReferral::try_from(row).map(|r| (r.child_id, r)))
            .collect()
    }

    /// Each child's first guardian request (the earliest made), for the children that have one.
    pub async fn first_assignments(
        &self,
        child_ids: &[ChildId],
    ) -> Result<HashMap<ChildId, GuardianAssignment>> {
        let ids: Vec<Uuid> = child_ids.iter().map(|id| id.0).collect();
        let rows: Vec<AssignmentRow> = self
            .transaction(async move |conn| {
                Ok(prepared_sql(
                    "SELECT DISTINCT ON (child_id) * FROM guardian_assignments \
                     WHERE local_authority = current_local_authority() \
                       AND child_id = ANY($1) \
                     ORDER BY child_id, requested_at, id",
                )
                .bind::<Array<SqlUuid>, _>(ids)
                .load(conn)
                .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| GuardianAssignment::try_from(row).map(|a| (a.child_id, a)))
            .collect()
    }
}
