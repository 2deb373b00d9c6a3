//! Idempotency keys (`idempotency_keys`), claimed inside the create's own transaction: the key,
//! the record and the feed entry commit together or not at all.
//!
//! Two requests with one key: the second's `INSERT … ON CONFLICT` waits for the first's
//! transaction. If the first commits, the second finds its row and answers with its record; if it
//! rolls back (a refused input, a failure), the second claims the key and runs. Exactly one
//! create, whichever replica each request reaches.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::idempotency::{conflict, IdempotentRequest, KEY_LIFETIME_HOURS};
use stable_futures_domain::principal::Principal;
use uuid::Uuid;

use crate::error::{PersistenceError, Result};
use crate::schema::idempotency_keys;

/// Expired keys of the same client deleted by each claim, so the table does not grow without
/// bound (rows another transaction holds are skipped, never waited for).
const PURGE_BATCH: i64 = 20;

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Bool)]
    #[allow(dead_code)]
    claimed: bool,
}

/// Claims `request`'s key for `entity` (the id the create is about to give its record: if the
/// create fails, the claim rolls back with it). `None`:
/// claimed, go on and create. `Some(id)`: an earlier request with this key and the same input
/// created `id`; answer with it. A key used for a different input is refused.
pub(crate) async fn claim(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    request: &IdempotentRequest,
    entity: Uuid,
) -> Result<Option<Uuid>> {
    let local_authority = principal.local_authority.as_str();
    let client = principal.client_or_subject();
    let claimed: Vec<Claimed> = diesel::sql_query(format!(
        "WITH purged AS ( \
           DELETE FROM idempotency_keys WHERE ctid IN ( \
             SELECT ctid FROM idempotency_keys \
             WHERE local_authority = $1 AND client = $2 AND key <> $3 AND expires_at < now() \
             LIMIT {PURGE_BATCH} FOR UPDATE SKIP LOCKED)) \
         INSERT INTO idempotency_keys AS k \
           (local_authority, client, key, operation, fingerprint, entity_id, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, now() + interval '{KEY_LIFETIME_HOURS} hours') \
         ON CONFLICT (local_authority, client, key) DO UPDATE SET \
           operation = EXCLUDED.operation, fingerprint = EXCLUDED.fingerprint, \
           entity_id = EXCLUDED.entity_id, created_at = now(), expires_at = EXCLUDED.expires_at \
           WHERE k.expires_at <= now() \
         RETURNING true AS claimed"
    ))
    .bind::<Text, _>(local_authority)
    .bind::<Text, _>(client)
    .bind::<Text, _>(request.key.as_str())
    .bind::<Text, _>(request.operation)
    .bind::<Text, _>(&request.fingerprint)
    .bind::<SqlUuid, _>(entity)
    .load(conn)
    .await?;
    if !claimed.is_empty() {
        return Ok(None);
    }
    // Held by an earlier request that has committed (the insert waited for it).
    let (operation, fingerprint, created): (String, String, Uuid) = idempotency_keys::table
        .filter(idempotency_keys::local_authority.eq(local_authority))
        .filter(idempotency_keys::client.eq(client))
        .filter(idempotency_keys::key.eq(request.key.as_str()))
        .select((
            idempotency_keys::operation,
            idempotency_keys::fingerprint,
            idempotency_keys::entity_id,
        ))
        .first(conn)
        .await?;
    if operation != request.operation || fingerprint != request.fingerprint {
        return Err(PersistenceError::Invalid(conflict().into()));
    }
    Ok(Some(created))
}

/// What a create under an idempotency key did.
pub(crate) enum Outcome<T> {
    /// Created `T` now.
    Created(T),
    /// An earlier request with the same key and input created the record with this id.
    Replayed(Uuid),
}

/// Claims the key, if there is one (see [`claim`]).
pub(crate) async fn claim_if_keyed(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    request: Option<&IdempotentRequest>,
    entity: Uuid,
) -> Result<Option<Uuid>> {
    match request {
        Some(request) => claim(conn, principal, request, entity).await,
        None => Ok(None),
    }
}
