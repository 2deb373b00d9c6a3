//! The change feed (`changes`): every write records what it changed, in its own transaction and
//! in the same statement as its audit row; readers follow one local authority's feed by
//! position. Why positions follow commit order: see the migration that made the table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{AuditAction, AuditContext, ErasureReason, FieldsClass};
use stable_futures_domain::change::{Change, ChangeKind, ChangeRecord, ChangedEntity, EntityType};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Principal;
use uuid::Uuid;

use crate::database::{Database, TenantDb, CHANNEL};
use crate::error::{PersistenceError, Result};
use crate::paging::{lookahead_limit, Page};
use crate::schema::changes;

/// The audit row and the change-feed entry of one write, in one statement. Runs last in the
/// write's transaction: from here to the commit, the local authority's other writers wait for
/// their positions (see the migration).
pub(crate) async fn record_write(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    audit: &AuditContext,
    action: AuditAction,
    classes: impl IntoIterator<Item = FieldsClass>,
    change: ChangeRecord,
) -> Result<()> {
    record(conn, principal, audit, action, classes, change, None).await
}

/// [`record_write`] for an erasure, whose audit row keeps the reason.
pub(crate) async fn record_erasure(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    audit: &AuditContext,
    child: ChildId,
    reason: ErasureReason,
) -> Result<()> {
    let change = ChangeRecord::new(ChangeKind::Erased, ChangedEntity::Child(child), child);
    record(
        conn,
        principal,
        audit,
        AuditAction::Erase,
        FieldsClass::ALL
            .iter()
            .copied()
            .filter(|class| *class != FieldsClass::Audit),
        change,
        Some(reason),
    )
    .await
}

async fn record(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    audit: &AuditContext,
    action: AuditAction,
    classes: impl IntoIterator<Item = FieldsClass>,
    change: ChangeRecord,
    erasure_reason: Option<ErasureReason>,
) -> Result<()> {
    let classes: Vec<&str> = classes.into_iter().map(FieldsClass::as_str).collect();
    crate::prepared::prepared_sql(
        "WITH audit AS ( \
           INSERT INTO audit_events (local_authority, subject, client, child_id, action, \
             operation, fields_class, trace_id, purpose, erasure_reason, document_id) \
           VALUES ($1, $2, $3, $4, $5, $6, string_to_array($7, ','), $8, $9, $13, $14)) \
         INSERT INTO changes (local_authority, kind, entity_type, entity_id, child_id) \
         VALUES ($1, $10, $11, $12, $4)",
    )
    .bind::<Text, _>(principal.local_authority.as_str())
    .bind::<Text, _>(&principal.subject)
    .bind::<Nullable<Text>, _>(principal.client.as_deref())
    .bind::<SqlUuid, _>(change.child_id.0)
    .bind::<Text, _>(action.as_str())
    .bind::<Text, _>(audit.operation())
    .bind::<Text, _>(classes.join(","))
    .bind::<Nullable<Text>, _>(audit.trace_id.as_ref().map(|t| t.as_str()))
    .bind::<Nullable<Text>, _>(audit.purpose.as_ref().map(|p| p.as_str()))
    .bind::<Text, _>(change.kind.as_str())
    .bind::<Text, _>(change.entity.entity_type().as_str())
    .bind::<SqlUuid, _>(change.entity.uuid())
    .bind::<Nullable<Text>, _>(erasure_reason.map(ErasureReason::as_str))
    .bind::<Nullable<Text>, _>(audit.document_id.as_ref().map(|d| d.as_str()))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = changes, check_for_backend(diesel::pg::Pg))]
struct ChangeRow {
    position: i64,
    kind: String,
    entity_type: String,
    entity_id: Uuid,
    child_id: Uuid,
    changed_at: DateTime<Utc>,
}

impl TryFrom<ChangeRow> for Change {
    type Error = PersistenceError;

    fn try_from(row: ChangeRow) -> Result<Self> {
        let corrupt = |column| PersistenceError::Corrupt {
            table: "changes",
            column,
        };
        let entity_type =
            EntityType::parse(&row.entity_type).ok_or_else(|| corrupt("entity_type"))?;
        Ok(Change {
            position: row.position,
            kind: ChangeKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            entity: ChangedEntity::from_parts(entity_type, row.entity_id),
            child_id: ChildId(row.child_id),
            changed_at: row.changed_at,
        })
    }
}

impl TenantDb {
    /// The local authority's changes after position `after` (from the start without one), oldest
    /// first: at most `first`, and whether more follow.
    pub async fn changes(&self, after: Option<i64>, first: usize) -> Result<Page<Change>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let limit = lookahead_limit(first);
        let rows: Vec<ChangeRow> = self
            .transaction(async move |conn| {
                Ok(changes::table
                    .filter(changes::local_authority.eq(local_authority))
                    .filter(changes::position.gt(after.unwrap_or(0)))
                    .order(changes::position.asc())
                    .limit(limit)
                    .select(ChangeRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(Change::try_from)
    }
}

impl TenantDb {
    /// The position of the local authority's newest change, if it has any.
    pub async fn latest_change_position(&self) -> Result<Option<i64>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        self.transaction(async move |conn| {
            Ok(changes::table
                .filter(changes::local_authority.eq(local_authority))
                .select(diesel::dsl::max(changes::position))
                .first(conn)
                .await?)
        })
        .await
    }
}

/// A connection of its own (not from the pool) listening for committed changes.
pub struct ChangeListener(AsyncPgConnection);

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeListener")
    }
}

impl ChangeListener {
    /// The local authority of each committed change (one per authority per transaction), until
    /// the connection is lost.
    pub fn local_authorities(&mut self) -> impl futures::Stream<Item = Result<String>> + '_ {
        use futures::StreamExt as _;
        self.0.notifications_stream().map(|notification| {
            notification
                .map(|notification| notification.payload)
                .map_err(PersistenceError::from)
        })
    }
}

impl Database {
    /// Opens a [`ChangeListener`]. Notifications say only which local authority has new
    /// changes; what they are is read from the feed, under that authority's row-level security.
    pub async fn listen_for_changes(&self) -> Result<ChangeListener> {
        use diesel_async::AsyncConnection as _;
        let mut conn = AsyncPgConnection::establish(&self.url).await?;
        diesel::sql_query(format!("LISTEN {CHANNEL}"))
            .execute(&mut conn)
            .await?;
        Ok(ChangeListener(conn))
    }
}
