use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use stable_futures_domain::audit::{AuditAction, AuditContext, FieldsClass};
use stable_futures_domain::change::{ChangeKind, ChangeRecord, ChangedEntity};
use stable_futures_domain::guardian::{
    AssignmentEndReason, AssignmentStatus, GuardianAssignment, GuardianRequest, GuardianRole,
    GuardianService,
};
use stable_futures_domain::idempotency::IdempotentRequest;
use stable_futures_domain::ids::{AssignmentId, ChildId};
use stable_futures_domain::{ErrorCode, FieldError};
use uuid::Uuid;

use crate::changes::record_write;
use crate::children::{load_child, stale_version};
use crate::database::TenantDb;
use crate::error::{unique_violation, PersistenceError, Result};
use crate::idempotency::{claim_if_keyed, Outcome};
use crate::schema::guardian_assignments;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = guardian_assignments, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct AssignmentRow {
    pub(crate) id: Uuid,
    pub(crate) local_authority: String,
    pub(crate) child_id: Uuid,
    pub(crate) service: String,
    pub(crate) role: String,
    pub(crate) status: String,
    pub(crate) requested_at: DateTime<Utc>,
    pub(crate) assigned_at: Option<DateTime<Utc>>,
    pub(crate) ended_at: Option<DateTime<Utc>>,
    pub(crate) end_reason: Option<String>,
    pub(crate) version: i32,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) recorded_by_local_authority: Option<String>,
}

impl TryFrom<AssignmentRow> for GuardianAssignment {
    type Error = PersistenceError;

    fn try_from(row: AssignmentRow) -> Result<Self> {
        let corrupt = |column| PersistenceError::Corrupt {
            table: "guardian_assignments",
            column,
        };
        Ok(GuardianAssignment {
            id: AssignmentId(row.id),
            child_id: ChildId(row.child_id),
            service: GuardianService::parse(&row.service).ok_or_else(|| corrupt("service"))?,
            role: GuardianRole::parse(&row.role).ok_or_else(|| corrupt("role"))?,
            status: AssignmentStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            requested_at: row.requested_at,
            assigned_at: row.assigned_at,
            ended_at: row.ended_at,
            end_reason: row
                .end_reason
                .map(|r| AssignmentEndReason::parse(&r).ok_or_else(|| corrupt("end_reason")))
                .transpose()?,
            recorded_by_local_authority: crate::error::recorded_by(
                row.recorded_by_local_authority,
                "guardian_assignments",
            )?,
            version: row.version,
        })
    }
}

pub(crate) fn to_row(
    a: &GuardianAssignment,
    local_authority: &str,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AssignmentRow {
    AssignmentRow {
        id: a.id.0,
        local_authority: local_authority.to_owned(),
        child_id: a.child_id.0,
        service: a.service.as_str().to_owned(),
        role: a.role.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        requested_at: a.requested_at,
        assigned_at: a.assigned_at,
        ended_at: a.ended_at,
        end_reason: a.end_reason.map(|r| r.as_str().to_owned()),
        version: a.version,
        created_at,
        updated_at: now,
        recorded_by_local_authority: a
            .recorded_by_local_authority
            .as_ref()
            .map(|code| code.as_str().to_owned()),
    }
}

fn open_assignment_exists() -> PersistenceError {
    PersistenceError::Invalid(
        FieldError::new(
            "service",
            ErrorCode::OpenAssignmentExists,
            "this child already has an open request or assignment with this service",
        )
        .into(),
    )
}

impl TenantDb {
    /// Records a request for a guardian. The child row is locked so that two concurrent requests
    /// for the same service see each other; the partial unique index is the last word.
    pub async fn request_guardian(
        &self,
        child_id: ChildId,
        request: GuardianRequest,
        now: DateTime<Utc>,
        audit: &AuditContext,
        idempotency: Option<&IdempotentRequest>,
    ) -> Result<GuardianAssignment> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let idempotency = idempotency.cloned();
        let id = AssignmentId::generate();
        let result = self
            .write_transaction(async move |conn| {
                let claimed = claim_if_keyed(conn, &principal, idempotency.as_ref(), id.0).await?;
                if let Some(existing) = claimed {
                    return Ok(Outcome::Replayed(existing));
                }
                load_child(conn, child_id, true).await?;
                let open: Vec<String> = guardian_assignments::table
                    .filter(guardian_assignments::child_id.eq(child_id.0))
                    .filter(guardian_assignments::status.ne(AssignmentStatus::Ended.as_str()))
                    .select(guardian_assignments::service)
                    .load(conn)
                    .await?;
                let open: Vec<GuardianService> = open
                    .iter()
                    .filter_map(|s| GuardianService::parse(s))
                    .collect();
                let assignment = GuardianAssignment::request(
                    id,
                    child_id,
                    request.service,
                    request.role,
                    request.requested_at,
                    &open,
                    now,
                )?;
                diesel::insert_into(guardian_assignments::table)
                    .values(to_row(&assignment, &local_authority, now, now))
                    .execute(conn)
                    .await?;
                record_write(
                    conn,
                    &principal,
                    &audit,
                    AuditAction::Create,
                    [FieldsClass::Guardian],
                    ChangeRecord::new(
                        ChangeKind::Created,
                        ChangedEntity::GuardianAssignment(assignment.id),
                        child_id,
                    ),
                )
                .await?;
                Ok(Outcome::Created(assignment))
            })
            .await;
        match result {
            Ok(Outcome::Created(assignment)) => Ok(assignment),
            Ok(Outcome::Replayed(id)) => self
                .assignments_by_ids(&[AssignmentId(id)])
                .await?
                .remove(&AssignmentId(id))
                .ok_or(PersistenceError::NotFound),
            Err(error)
                if unique_violation(&error)
                    == Some("guardian_assignments_one_open_per_service") =>
            {
                Err(open_assignment_exists())
            }
            Err(error) => Err(error),
        }
    }

    /// Applies a change (assign, end) if `expected_version` is still current, with its audit row
    /// in the same transaction.
    pub async fn change_assignment<F>(
        &self,
        id: AssignmentId,
        expected_version: i32,
        now: DateTime<Utc>,
        audit: &AuditContext,
        change: F,
    ) -> Result<GuardianAssignment>
    where
        F: FnOnce(&mut GuardianAssignment) -> std::result::Result<(), FieldError> + Send + 'static,
    {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let (principal, audit) = (self.principal.clone(), audit.clone());
        self.write_transaction(async move |conn| {
            let row: AssignmentRow = guardian_assignments::table
                .filter(guardian_assignments::id.eq(id.0))
                .select(AssignmentRow::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
                .ok_or(PersistenceError::NotFound)?;
            let created_at = row.created_at;
            let mut assignment = GuardianAssignment::try_from(row)?;
            if assignment.version != expected_version {
                return Err(stale_version());
            }
            change(&mut assignment)?;
            assignment.version += 1;
            diesel::update(guardian_assignments::table.filter(guardian_assignments::id.eq(id.0)))
                .set(to_row(&assignment, &local_authority, created_at, now))
                .execute(conn)
                .await?;
            let kind = if assignment.status == AssignmentStatus::Assigned {
                ChangeKind::Assigned
            } else {
                ChangeKind::StateChanged
            };
            record_write(
                conn,
                &principal,
                &audit,
                AuditAction::Update,
                [FieldsClass::Guardian],
                ChangeRecord::new(
                    kind,
                    ChangedEntity::GuardianAssignment(assignment.id),
                    assignment.child_id,
                ),
            )
            .await?;
            Ok(assignment)
        })
        .await
    }

    pub async fn assignments_by_ids(
        &self,
        ids: &[AssignmentId],
    ) -> Result<HashMap<AssignmentId, GuardianAssignment>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows: Vec<AssignmentRow> = self
            .transaction(async move |conn| {
                Ok(guardian_assignments::table
                    .filter(guardian_assignments::local_authority.eq(local_authority))
                    .filter(guardian_assignments::id.eq_any(ids))
                    .select(AssignmentRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| GuardianAssignment::try_from(row).map(|a| (a.id, a)))
            .collect()
    }

    /// Every assignment of each child (a child has a handful at most), in one statement.
    pub async fn assignments_for_children(
        &self,
        child_ids: &[ChildId],
    ) -> Result<HashMap<ChildId, Vec<GuardianAssignment>>> {
        let ids: Vec<Uuid> = child_ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows: Vec<AssignmentRow> = self
            .transaction(async move |conn| {
                Ok(guardian_assignments::table
                    .filter(guardian_assignments::local_authority.eq(local_authority))
                    .filter(guardian_assignments::child_id.eq_any(ids))
                    .order((guardian_assignments::child_id, guardian_assignments::id))
                    .select(AssignmentRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        let mut by_child: HashMap<ChildId, Vec<GuardianAssignment>> =
            child_ids.iter().map(|id| (*id, Vec::new())).collect();
        for row in rows {
            let assignment = GuardianAssignment::try_from(row)?;
            by_child
                .entry(assignment.child_id)
                .or_default()
                .push(assignment);
        }
        Ok(by_child)
    }
}
