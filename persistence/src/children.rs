use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{AuditAction, AuditContext, ErasureReason, FieldsClass};
use stable_futures_domain::change::{ChangeKind, ChangeRecord, ChangedEntity};
use stable_futures_domain::child::{
    CareStatus, Child, ChildDetails, Gender, ImmigrationStatus, Language, LocalChildId,
    Nationality, NhsNumber, Upn,
};
use stable_futures_domain::idempotency::IdempotentRequest;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::{ErrorCode, FieldError, FieldErrors};
use uuid::Uuid;

use crate::changes::{record_erasure, record_write};
use crate::database::TenantDb;
use crate::error::{unique_violation, PersistenceError, Result};
use crate::idempotency::{claim_if_keyed, Outcome};
use crate::paging::{lookahead_limit, Page};
use crate::schema::children;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = children, check_for_backend(diesel::pg::Pg))]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ChildRow {
    id: Uuid,
    local_authority: String,
    local_child_id: String,
    upn: Option<String>,
    nhs_number: Option<String>,
    date_of_birth: NaiveDate,
    date_of_birth_estimated: bool,
    age_disputed: bool,
    gender: Option<String>,
    nationalities: Vec<Option<String>>,
    languages: Vec<Option<String>>,
    interpreter_required: bool,
    immigration_status: Option<String>,
    care_status: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    recorded_by_local_authority: Option<String>,
}

fn corrupt(column: &'static str) -> PersistenceError {
    PersistenceError::Corrupt {
        table: "children",
        column,
    }
}

fn parse_optional<T>(
    value: Option<String>,
    column: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>> {
    value
        .map(|text| parse(&text).ok_or_else(|| corrupt(column)))
        .transpose()
}

impl TryFrom<ChildRow> for Child {
    type Error = PersistenceError;

    fn try_from(row: ChildRow) -> Result<Self> {
        let list = |values: Vec<Option<String>>| values.into_iter().flatten().collect::<Vec<_>>();
        let details = ChildDetails {
            local_child_id: LocalChildId::parse(&row.local_child_id)
                .map_err(|_| corrupt("local_child_id"))?,
            upn: parse_optional(row.upn, "upn", |t| Upn::parse(t).ok())?,
            nhs_number: parse_optional(row.nhs_number, "nhs_number", |t| NhsNumber::parse(t).ok())?,
            date_of_birth: row.date_of_birth,
            date_of_birth_estimated: row.date_of_birth_estimated,
            age_disputed: row.age_disputed,
            gender: parse_optional(row.gender, "gender", Gender::parse)?,
            nationalities: list(row.nationalities)
                .iter()
                .map(|t| Nationality::parse(t).map_err(|_| corrupt("nationalities")))
                .collect::<Result<_>>()?,
            languages: list(row.languages)
                .iter()
                .map(|t| Language::parse(t).map_err(|_| corrupt("languages")))
                .collect::<Result<_>>()?,
            interpreter_required: row.interpreter_required,
            immigration_status: parse_optional(
                row.immigration_status,
                "immigration_status",
                ImmigrationStatus::parse,
            )?,
            care_status: parse_optional(row.care_status, "care_status", CareStatus::parse)?,
        };
        Ok(Child {
            id: ChildId(row.id),
            local_authority: LocalAuthorityCode::parse(&row.local_authority)
                .map_err(|_| corrupt("local_authority"))?,
            details,
            recorded_by_local_authority: crate::error::recorded_by(
                row.recorded_by_local_authority,
                "children",
            )?,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&Child> for ChildRow {
    fn from(child: &Child) -> Self {
        let details = &child.details;
        ChildRow {
            id: child.id.0,
            local_authority: child.local_authority.as_str().to_owned(),
            local_child_id: details.local_child_id.as_str().to_owned(),
            upn: details.upn.as_ref().map(|u| u.as_str().to_owned()),
            nhs_number: details.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
            date_of_birth: details.date_of_birth,
            date_of_birth_estimated: details.date_of_birth_estimated,
            age_disputed: details.age_disputed,
            gender: details.gender.map(|g| g.as_str().to_owned()),
            nationalities: details
                .nationalities
                .iter()
                .map(|n| Some(n.as_str().to_owned()))
                .collect(),
            languages: details
                .languages
                .iter()
                .map(|l| Some(l.as_str().to_owned()))
                .collect(),
            interpreter_required: details.interpreter_required,
            immigration_status: details.immigration_status.map(|s| s.as_str().to_owned()),
            care_status: details.care_status.map(|s| s.as_str().to_owned()),
            version: child.version,
            created_at: child.created_at,
            updated_at: child.updated_at,
            recorded_by_local_authority: child
                .recorded_by_local_authority
                .as_ref()
                .map(|code| code.as_str().to_owned()),
        }
    }
}

fn duplicate_local_child_id() -> PersistenceError {
    PersistenceError::Invalid(
        FieldError::new(
            "localChildId",
            ErrorCode::DuplicateLocalChildId,
            "this local authority already has a child with this local child id",
        )
        .into(),
    )
}

pub(crate) fn stale_version() -> PersistenceError {
    PersistenceError::Invalid(
        FieldError::new(
            "expectedVersion",
            ErrorCode::StaleVersion,
            "the record has changed since you read it: read it again and reapply your change",
        )
        .into(),
    )
}

/// Loads a child inside a transaction, optionally locking it against concurrent writers.
pub(crate) async fn load_child(
    conn: &mut AsyncPgConnection,
    id: ChildId,
    for_update: bool,
) -> Result<Child> {
    let query = children::table
        .filter(children::id.eq(id.0))
        .select(ChildRow::as_select());
    let row = if for_update {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    row.ok_or(PersistenceError::NotFound)?.try_into()
}

impl TenantDb {
    /// Registers a child, with its audit row and change-feed entry in the same transaction. Under
    /// an idempotency key already used for the same input, answers with the child registered
    /// then.
    pub async fn register_child(
        &self,
        details: ChildDetails,
        now: DateTime<Utc>,
        audit: &AuditContext,
        idempotency: Option<&IdempotentRequest>,
    ) -> Result<Child> {
        let child = Child {
            id: ChildId::generate(),
            local_authority: self.principal.local_authority.clone(),
            details,
            recorded_by_local_authority: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let row = ChildRow::from(&child);
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let idempotency = idempotency.cloned();
        let result = self
            .write_transaction(async move |conn| {
                let claimed =
                    claim_if_keyed(conn, &principal, idempotency.as_ref(), row.id).await?;
                if let Some(existing) = claimed {
                    return Ok(Outcome::Replayed(existing));
                }
                diesel::insert_into(children::table)
                    .values(&row)
                    .execute(conn)
                    .await?;
                record_write(
                    conn,
                    &principal,
                    &audit,
                    AuditAction::Create,
                    [FieldsClass::Identifiers],
                    ChangeRecord::new(
                        ChangeKind::Created,
                        ChangedEntity::Child(ChildId(row.id)),
                        ChildId(row.id),
                    ),
                )
                .await?;
                Ok(Outcome::Created(()))
            })
            .await;
        match result {
            Ok(Outcome::Created(())) => Ok(child),
            Ok(Outcome::Replayed(id)) => self
                .child(ChildId(id))
                .await?
                .ok_or(PersistenceError::NotFound),
            Err(error) if unique_violation(&error) == Some("children_local_child_id_unique") => {
                Err(duplicate_local_child_id())
            }
            Err(error) => Err(error),
        }
    }

    /// Changes a child's details if `expected_version` is still current. `change` gets the stored
    /// child and returns the new details. The audit row is written in the same transaction.
    pub async fn update_child<F>(
        &self,
        id: ChildId,
        expected_version: i32,
        now: DateTime<Utc>,
        audit: &AuditContext,
        change: F,
    ) -> Result<Child>
    where
        F: FnOnce(&Child) -> std::result::Result<ChildDetails, FieldErrors> + Send + 'static,
    {
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let result = self
            .write_transaction(async move |conn| {
                let mut child = load_child(conn, id, true).await?;
                if child.version != expected_version {
                    return Err(stale_version());
                }
                child.details = change(&child)?;
                child.version += 1;
                child.updated_at = now;
                let row = ChildRow::from(&child);
                diesel::update(children::table.filter(children::id.eq(id.0)))
                    .set(&row)
                    .execute(conn)
                    .await?;
                record_write(
                    conn,
                    &principal,
                    &audit,
                    AuditAction::Update,
                    [FieldsClass::Identifiers],
                    ChangeRecord::new(ChangeKind::Updated, ChangedEntity::Child(id), id),
                )
                .await?;
                Ok(child)
            })
            .await;
        match result {
            Err(error) if unique_violation(&error) == Some("children_local_child_id_unique") => {
                Err(duplicate_local_child_id())
            }
            other => other,
        }
    }

    /// Erases a child, if nobody changed them since `expected_version`: the child's record and
    /// everything recorded about them (referrals and their timelines, guardian assignments,
    /// outcome measurements) are deleted. What stays holds ids only: the audit trail, with an
    /// `ERASE` row and its reason, and the change feed, with an `ERASED` entry.
    pub async fn erase_child(
        &self,
        id: ChildId,
        expected_version: i32,
        reason: ErasureReason,
        audit: &AuditContext,
    ) -> Result<()> {
        let (principal, audit) = (self.principal.clone(), audit.clone());
        self.write_transaction(async move |conn| {
            let child = load_child(conn, id, true).await?;
            if child.version != expected_version {
                return Err(stale_version());
            }
            crate::transfer_steps::record_erasure_to_recipients(conn, &principal, &audit, id)
                .await?;
            // The server's role may delete nothing itself; see the migration of `erase_child`.
            diesel::sql_query("SELECT erase_child($1)")
                .bind::<diesel::sql_types::Uuid, _>(id.0)
                .execute(conn)
                .await?;
            record_erasure(conn, &principal, &audit, id, reason).await
        })
        .await
    }

    pub async fn child(&self, id: ChildId) -> Result<Option<Child>> {
        Ok(self.children_by_ids(&[id]).await?.remove(&id))
    }

    pub async fn children_by_ids(&self, ids: &[ChildId]) -> Result<HashMap<ChildId, Child>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows = self
            .transaction(async move |conn| {
                Ok(children::table
                    .filter(children::local_authority.eq(local_authority))
                    .filter(children::id.eq_any(ids))
                    .select(ChildRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| Child::try_from(row).map(|child| (child.id, child)))
            .collect()
    }

    /// The authority's children with these local ids, by local id, in one statement (an import
    /// compares a batch of its rows with what is stored before it writes).
    pub async fn children_by_local_ids(
        &self,
        local_child_ids: &[LocalChildId],
    ) -> Result<HashMap<LocalChildId, Child>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let wanted: Vec<String> = local_child_ids
            .iter()
            .map(|id| id.as_str().to_owned())
            .collect();
        let rows = self
            .transaction(async move |conn| {
                Ok(children::table
                    .filter(children::local_authority.eq(local_authority))
                    .filter(children::local_child_id.eq_any(wanted))
                    .select(ChildRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| {
                Child::try_from(row).map(|child| (child.details.local_child_id.clone(), child))
            })
            .collect()
    }

    /// Children of the principal's authority in id (creation) order, after `after`.
    pub async fn children_page(&self, first: usize, after: Option<ChildId>) -> Result<Page<Child>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let limit = lookahead_limit(first);
        let rows = self
            .transaction(async move |conn| {
                let mut query = children::table
                    .filter(children::local_authority.eq(local_authority))
                    .select(ChildRow::as_select())
                    .order(children::id.asc())
                    .limit(limit)
                    .into_boxed();
                if let Some(after) = after {
                    query = query.filter(children::id.gt(after.0));
                }
                Ok(query.load(conn).await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(Child::try_from)
    }

    pub async fn count_children(&self) -> Result<i64> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        self.transaction(async move |conn| {
            Ok(children::table
                .filter(children::local_authority.eq(local_authority))
                .count()
                .get_result(conn)
                .await?)
        })
        .await
    }
}
