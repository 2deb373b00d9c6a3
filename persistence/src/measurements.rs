use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use stable_futures_domain::audit::{AuditAction, AuditContext, FieldsClass};
use stable_futures_domain::change::{ChangeKind, ChangeRecord, ChangedEntity};
use stable_futures_domain::idempotency::IdempotentRequest;
use stable_futures_domain::ids::{ChildId, MeasurementId};
use stable_futures_domain::outcomes::{
    MeasurementDraft, OutcomeMeasurement, SupersededMeasurement,
};
use stable_futures_domain::{ErrorCode, FieldError};
use uuid::Uuid;

use crate::changes::record_write;
use crate::children::load_child;
use crate::database::TenantDb;
use crate::error::{unique_violation, PersistenceError, Result};
use crate::idempotency::{claim_if_keyed, Outcome};
use crate::paging::Page;
use crate::schema::outcome_measurements;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = outcome_measurements, check_for_backend(diesel::pg::Pg))]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct MeasurementRow {
    id: Uuid,
    local_authority: String,
    child_id: Uuid,
    framework_version: String,
    outcome_key: String,
    observed_at: DateTime<Utc>,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
    young_person_participated: bool,
    young_person_rating: Option<i32>,
    young_person_words: Option<String>,
    practitioner_rating: Option<i32>,
    practitioner_note: Option<String>,
    indicators_met: Vec<Option<String>>,
    supersedes: Option<Uuid>,
    recorded_by_local_authority: Option<String>,
}

impl TryFrom<MeasurementRow> for OutcomeMeasurement {
    type Error = PersistenceError;

    fn try_from(row: MeasurementRow) -> Result<Self> {
        Ok(OutcomeMeasurement {
            id: MeasurementId(row.id),
            child_id: ChildId(row.child_id),
            framework_version: row.framework_version,
            outcome_key: row.outcome_key,
            observed_at: row.observed_at,
            recorded_by: row.recorded_by,
            recorded_at: row.recorded_at,
            young_person_participated: row.young_person_participated,
            young_person_rating: row.young_person_rating,
            young_person_words: row.young_person_words,
            practitioner_rating: row.practitioner_rating,
            practitioner_note: row.practitioner_note,
            indicators_met: row.indicators_met.into_iter().flatten().collect(),
            supersedes: row.supersedes.map(MeasurementId),
            recorded_by_local_authority: crate::error::recorded_by(
                row.recorded_by_local_authority,
                "outcome_measurements",
            )?,
        })
    }
}

pub(crate) fn to_row(m: &OutcomeMeasurement, local_authority: &str) -> MeasurementRow {
    MeasurementRow {
        id: m.id.0,
        local_authority: local_authority.to_owned(),
        child_id: m.child_id.0,
        framework_version: m.framework_version.clone(),
        outcome_key: m.outcome_key.clone(),
        observed_at: m.observed_at,
        recorded_by: m.recorded_by.clone(),
        recorded_at: m.recorded_at,
        young_person_participated: m.young_person_participated,
        young_person_rating: m.young_person_rating,
        young_person_words: m.young_person_words.clone(),
        practitioner_rating: m.practitioner_rating,
        practitioner_note: m.practitioner_note.clone(),
        indicators_met: m.indicators_met.iter().cloned().map(Some).collect(),
        supersedes: m.supersedes.map(|id| id.0),
        recorded_by_local_authority: m
            .recorded_by_local_authority
            .as_ref()
            .map(|code| code.as_str().to_owned()),
    }
}

/// Which measurements a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasurementFilter {
    /// Only measurements not corrected by a later one.
    Current,
    /// The whole history, corrections and what they corrected.
    All,
}

impl TenantDb {
    /// Records an observation (or a correction of one) against the current framework, with its
    /// audit row and change-feed entry in the same transaction. Under an idempotency key already
    /// used for the same input, answers with the measurement recorded then.
    pub async fn record_measurement(
        &self,
        child_id: ChildId,
        draft: MeasurementDraft,
        now: DateTime<Utc>,
        audit: &AuditContext,
        idempotency: Option<&IdempotentRequest>,
    ) -> Result<OutcomeMeasurement> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let recorded_by = self.principal.subject.clone();
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let frameworks = self.database.frameworks.clone();
        let idempotency = idempotency.cloned();
        let id = MeasurementId::generate();
        let result = self
            .write_transaction(async move |conn| {
                let claimed = claim_if_keyed(conn, &principal, idempotency.as_ref(), id.0).await?;
                if let Some(existing) = claimed {
                    return Ok(Outcome::Replayed(existing));
                }
                load_child(conn, child_id, false).await?;
                let framework = frameworks.current(conn).await?;
                let superseded = match draft.supersedes {
                    Some(previous) => {
                        let row: Option<(Uuid, String)> = outcome_measurements::table
                            .filter(outcome_measurements::id.eq(previous.0))
                            .select((
                                outcome_measurements::child_id,
                                outcome_measurements::outcome_key,
                            ))
                            .first(conn)
                            .await
                            .optional()?;
                        match row {
                            Some((previous_child, outcome_key)) => {
                                let corrections: i64 = outcome_measurements::table
                                    .filter(outcome_measurements::supersedes.eq(previous.0))
                                    .count()
                                    .get_result(conn)
                                    .await?;
                                Some(SupersededMeasurement {
                                    child_id: ChildId(previous_child),
                                    outcome_key,
                                    already_superseded: corrections > 0,
                                })
                            }
                            None => None,
                        }
                    }
                    None => None,
                };
                let measurement = draft.validate(
                    id,
                    child_id,
                    &framework,
                    superseded.as_ref(),
                    &recorded_by,
                    now,
                )?;
                diesel::insert_into(outcome_measurements::table)
                    .values(to_row(&measurement, &local_authority))
                    .execute(conn)
                    .await?;
                let has_text = measurement.young_person_words.is_some()
                    || measurement.practitioner_note.is_some();
                let classes = [FieldsClass::Outcomes]
                    .into_iter()
                    .chain(has_text.then_some(FieldsClass::SensitiveText));
                record_write(
                    conn,
                    &principal,
                    &audit,
                    AuditAction::Create,
                    classes,
                    ChangeRecord::new(
                        ChangeKind::Measured,
                        ChangedEntity::OutcomeMeasurement(measurement.id),
                        child_id,
                    ),
                )
                .await?;
                Ok(Outcome::Created(measurement))
            })
            .await;
        match result {
            Ok(Outcome::Created(measurement)) => Ok(measurement),
            Ok(Outcome::Replayed(id)) => self
                .measurements_by_ids(&[MeasurementId(id)])
                .await?
                .remove(&MeasurementId(id))
                .ok_or(PersistenceError::NotFound),
            Err(error) if unique_violation(&error) == Some("outcome_measurements_supersedes_once") => {
                Err(PersistenceError::Invalid(
                    FieldError::new(
                        "supersedesId",
                        ErrorCode::AlreadySuperseded,
                        "that measurement has already been corrected; supersede the latest correction",
                    )
                    .into(),
                ))
            }
            Err(error) => Err(error),
        }
    }

    pub async fn measurements_by_ids(
        &self,
        ids: &[MeasurementId],
    ) -> Result<HashMap<MeasurementId, OutcomeMeasurement>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows: Vec<MeasurementRow> = self
            .transaction(async move |conn| {
                Ok(outcome_measurements::table
                    .filter(outcome_measurements::local_authority.eq(local_authority))
                    .filter(outcome_measurements::id.eq_any(ids))
                    .select(MeasurementRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| {
                let m = OutcomeMeasurement::try_from(row)?;
                Ok((m.id, m))
            })
            .collect()
    }

    /// For each child, a page of measurements in id (recording) order, in one statement.
    pub async fn measurements_for_children(
        &self,
        child_ids: &[ChildId],
        first: usize,
        after: Option<MeasurementId>,
        filter: MeasurementFilter,
    ) -> Result<HashMap<ChildId, Page<OutcomeMeasurement>>> {
        let ids: Vec<Uuid> = child_ids.iter().map(|id| id.0).collect();
        let limit = i64::try_from(first + 1).unwrap_or(i64::MAX);
        let after = after.map(|id| id.0);
        let current_only = filter == MeasurementFilter::Current;
        let rows: Vec<MeasurementRow> = self
            .transaction(async move |conn| {
                    Ok(crate::prepared::prepared_sql(
                        "SELECT m.* FROM unnest($1::uuid[]) AS c(child_id) \
                         CROSS JOIN LATERAL (SELECT * FROM outcome_measurements o \
                           WHERE o.child_id = c.child_id AND o.local_authority = current_local_authority() \
                           AND ($2::uuid IS NULL OR o.id > $2) \
                           AND (NOT $4 OR NOT EXISTS (SELECT 1 FROM outcome_measurements s WHERE s.supersedes = o.id)) \
                           ORDER BY o.id LIMIT $3) m",
                    )
                    .bind::<Array<SqlUuid>, _>(ids)
                    .bind::<Nullable<SqlUuid>, _>(after)
                    .bind::<BigInt, _>(limit)
                    .bind::<Bool, _>(current_only)
                    .load(conn)
                    .await?)
            })
            .await?;
        let mut pages: HashMap<ChildId, Page<OutcomeMeasurement>> = child_ids
            .iter()
            .map(|id| {
                (
                    *id,
                    Page {
                        items: Vec::new(),
                        has_next_page: false,
                    },
                )
            })
            .collect();
        for row in rows {
            let m = OutcomeMeasurement::try_from(row)?;
            if let Some(page) = pages.get_mut(&m.child_id) {
                if page.items.len() < first {
                    page.items.push(m);
                } else {
                    page.has_next_page = true;
                }
            }
        }
        Ok(pages)
    }

    /// The ids of the measurements that correct each of `ids`, if any.
    pub async fn superseding_measurements(
        &self,
        ids: &[MeasurementId],
    ) -> Result<HashMap<MeasurementId, MeasurementId>> {
        let ids: Vec<Option<Uuid>> = ids.iter().map(|id| Some(id.0)).collect();
        let rows: Vec<(Uuid, Option<Uuid>)> = self
            .transaction(async move |conn| {
                Ok(outcome_measurements::table
                    .filter(outcome_measurements::supersedes.eq_any(ids))
                    .select((outcome_measurements::id, outcome_measurements::supersedes))
                    .load(conn)
                    .await?)
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, superseded)| {
                superseded.map(|s| (MeasurementId(s), MeasurementId(id)))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::query_builder::QueryFragment as _;

    use super::*;

    #[test]
    fn recording_a_measurement_is_a_statement_the_connection_can_keep_prepared() {
        let row = MeasurementRow {
            id: Uuid::nil(),
            local_authority: "E09000019".into(),
            child_id: Uuid::nil(),
            framework_version: "2022.1".into(),
            outcome_key: "safety".into(),
            observed_at: Utc::now(),
            recorded_by: "test".into(),
            recorded_at: Utc::now(),
            young_person_participated: false,
            young_person_rating: None,
            young_person_words: None,
            practitioner_rating: Some(3),
            practitioner_note: None,
            indicators_met: Vec::new(),
            supersedes: None,
            recorded_by_local_authority: None,
        };
        let insert = diesel::insert_into(outcome_measurements::table).values(row);
        assert!(insert.is_safe_to_cache_prepared(&Pg).expect("walks"));
    }
}
