//! The audit trail (`audit_events`): written in the same transaction as every change, and once
//! per request for what the request read; read back newest first. The server's role may only
//! INSERT and SELECT it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{
    AuditAction, AuditContext, AuditEvent, ErasureReason, FieldsClass,
};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Principal;
use uuid::Uuid;

use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::paging::{lookahead_limit, Page};
use crate::schema::audit_events;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
struct AuditRow {
    id: i64,
    occurred_at: DateTime<Utc>,
    subject: String,
    client: Option<String>,
    child_id: Option<Uuid>,
    action: String,
    operation: String,
    fields_class: Vec<Option<String>>,
    trace_id: Option<String>,
    purpose: Option<String>,
    erasure_reason: Option<String>,
    document_id: Option<String>,
    acting_local_authority: Option<String>,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = PersistenceError;

    fn try_from(row: AuditRow) -> Result<Self> {
        let corrupt = |column| PersistenceError::Corrupt {
            table: "audit_events",
            column,
        };
        Ok(AuditEvent {
            id: row.id,
            occurred_at: row.occurred_at,
            subject: row.subject,
            client: row.client,
            child_id: row.child_id.map(ChildId),
            action: AuditAction::parse(&row.action).ok_or_else(|| corrupt("action"))?,
            operation: row.operation,
            fields_classes: row
                .fields_class
                .into_iter()
                .flatten()
                .map(|class| FieldsClass::parse(&class).ok_or_else(|| corrupt("fields_class")))
                .collect::<Result<_>>()?,
            trace_id: row.trace_id,
            purpose: row.purpose,
            document_id: row.document_id,
            acting_local_authority: crate::error::recorded_by(
                row.acting_local_authority,
                "audit_events",
            )?,
            erasure_reason: row
                .erasure_reason
                .map(|reason| {
                    ErasureReason::parse(&reason).ok_or_else(|| corrupt("erasure_reason"))
                })
                .transpose()?,
        })
    }
}

pub use crate::database::AuditEntry;

/// Appends one row per entry, all with the same action, in one statement whatever their number
/// (the entries travel as two arrays). Must run inside a tenant transaction.
pub(crate) async fn insert_audit(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    audit: &AuditContext,
    action: AuditAction,
    entries: &[AuditEntry],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let children: Vec<Option<Uuid>> = entries
        .iter()
        .map(|(child, _)| child.map(|c| c.0))
        .collect();
    let classes: Vec<String> = entries
        .iter()
        .map(|(_, classes)| {
            classes
                .iter()
                .map(|class| class.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    crate::prepared::prepared_sql(
        "INSERT INTO audit_events (local_authority, subject, client, child_id, action, operation, \
           fields_class, trace_id, purpose, document_id) \
         SELECT $1, $2, $3, e.child_id, $4, $5, string_to_array(e.classes, ','), $6, $7, $10 \
         FROM unnest($8::uuid[], $9::text[]) WITH ORDINALITY AS e(child_id, classes, n) ORDER BY e.n",
    )
    .bind::<Text, _>(principal.local_authority.as_str())
    .bind::<Text, _>(&principal.subject)
    .bind::<Nullable<Text>, _>(principal.client.as_deref())
    .bind::<Text, _>(action.as_str())
    .bind::<Text, _>(audit.operation())
    .bind::<Nullable<Text>, _>(audit.trace_id.as_ref().map(|t| t.as_str()))
    .bind::<Nullable<Text>, _>(audit.purpose.as_ref().map(|p| p.as_str()))
    .bind::<Array<Nullable<SqlUuid>>, _>(children)
    .bind::<Array<Text>, _>(classes)
    .bind::<Nullable<Text>, _>(audit.document_id.as_ref().map(|d| d.as_str()))
    .execute(conn)
    .await?;
    Ok(())
}

impl TenantDb {
    /// Records what one request read, one `READ` row per entry, and returns once the rows are
    /// committed: together with other requests' rows, by the shared writer
    /// (`crate::audit_writer`), not in this handle's transaction. An error means the rows are
    /// not known to be written, and the read's answer must be withheld.
    pub async fn record_reads(&self, audit: &AuditContext, entries: Vec<AuditEntry>) -> Result<()> {
        self.database
            .audit_writer
            .record(&self.principal, audit, entries)
            .await
    }

    /// The local authority's audit trail, newest first, optionally for one child only.
    pub async fn audit_events(
        &self,
        first: usize,
        before: Option<i64>,
        child: Option<ChildId>,
    ) -> Result<Page<AuditEvent>> {
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let limit = lookahead_limit(first);
        let rows: Vec<AuditRow> = self
            .transaction(async move |conn| {
                let mut query = audit_events::table
                    .filter(audit_events::local_authority.eq(local_authority))
                    .select(AuditRow::as_select())
                    .order(audit_events::id.desc())
                    .limit(limit)
                    .into_boxed();
                if let Some(before) = before {
                    query = query.filter(audit_events::id.lt(before));
                }
                if let Some(child) = child {
                    query = query.filter(audit_events::child_id.eq(child.0));
                }
                Ok(query.load(conn).await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(AuditEvent::try_from)
    }
}

/// Binds who acted and the request's audit context — subject, client, operation, trace id,
/// purpose, document id, in that order — as the last six parameters of the SQL functions that
/// write audit rows themselves (`record_transfer_step`, `accept_transfer`,
/// `record_aggregate_read`), so each call site cannot get their order wrong.
pub(crate) fn bind_actor<'f>(
    query: diesel::query_builder::BoxedSqlQuery<
        'f,
        diesel::pg::Pg,
        diesel::query_builder::SqlQuery,
    >,
    subject: &'f str,
    client: Option<&'f str>,
    audit: &'f AuditContext,
) -> diesel::query_builder::BoxedSqlQuery<'f, diesel::pg::Pg, diesel::query_builder::SqlQuery> {
    query
        .bind::<Text, _>(subject)
        .bind::<Nullable<Text>, _>(client)
        .bind::<Text, _>(audit.operation())
        .bind::<Nullable<Text>, _>(audit.trace_id.as_ref().map(|t| t.as_str()))
        .bind::<Nullable<Text>, _>(audit.purpose.as_ref().map(|p| p.as_str()))
        .bind::<Nullable<Text>, _>(audit.document_id.as_ref().map(|d| d.as_str()))
}
