//! A step of a transfer as both parties see it: one row in each party's audit trail and one
//! entry in each party's change feed, written by the migration's `record_transfer_step` (the
//! only code row-level security lets write into another authority's feed and trail). Shared by
//! the transfer's own steps and by erasure, which tells the authorities a child was offered to.

use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{AuditContext, FieldsClass};
use stable_futures_domain::ids::{ChildId, TransferId};
use stable_futures_domain::principal::Principal;
use uuid::Uuid;

use crate::audit::bind_actor;
use crate::error::Result;
use crate::schema::transfers;

/// What both parties' trails say a step of a transfer touched.
const STEP_CLASSES: &[FieldsClass] = &[FieldsClass::Transfer];

pub(crate) fn class_names(classes: &[FieldsClass]) -> Vec<String> {
    classes.iter().map(|c| c.as_str().to_owned()).collect()
}

/// The step in both parties' trails and feeds (`record_transfer_step`). Takes both parties' feed
/// locks, held to the commit: late in the write's transaction, like every feed entry.
pub(crate) async fn record_step(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    audit: &AuditContext,
    transfer: TransferId,
    kind: &str,
) -> Result<()> {
    let query =
        diesel::sql_query("SELECT record_transfer_step($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .into_boxed()
            .bind::<SqlUuid, _>(transfer.0)
            .bind::<Text, _>(kind)
            .bind::<Array<Text>, _>(class_names(STEP_CLASSES));
    bind_actor(
        query,
        &principal.subject,
        principal.client.as_deref(),
        audit,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Erasure tells every authority the eraser offered the child to: the offer, its summary and its
/// note were disclosed to it, and the erasure removes the transfer from its view (UK GDPR
/// article 19 asks a controller to tell whoever it disclosed erased data to). Each such transfer
/// gets `ERASED` in both feeds, the step's rows in both trails, before `erase_child` deletes it.
/// The authority the child came from (a transfer accepted into the eraser) is not told: it was
/// told to archive on `TRANSFERRED_OUT`, and what it keeps is its own retention's business.
pub(crate) async fn record_erasure_to_recipients(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    audit: &AuditContext,
    child: ChildId,
) -> Result<()> {
    let offers: Vec<(Uuid, String)> = transfers::table
        .filter(transfers::child_id.eq(child.0))
        .filter(transfers::from_local_authority.eq(principal.local_authority.as_str()))
        .select((transfers::id, transfers::to_local_authority))
        .order(transfers::id)
        .load(conn)
        .await?;
    if offers.is_empty() {
        return Ok(());
    }
    // Every feed this erasure writes to, locked in one order before the first entry: each step
    // takes only its own two, and two erasures with different recipients must not wait on each
    // other's second lock.
    let mut feeds: Vec<&str> = offers.iter().map(|(_, to)| to.as_str()).collect();
    feeds.push(principal.local_authority.as_str());
    feeds.sort_unstable();
    feeds.dedup();
    for feed in feeds {
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtext('stable_futures.changes'), hashtext($1))",
        )
        .bind::<Text, _>(feed)
        .execute(conn)
        .await?;
    }
    for (transfer, _) in &offers {
        record_step(conn, principal, audit, TransferId(*transfer), "ERASED").await?;
    }
    Ok(())
}
