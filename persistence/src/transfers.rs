//! Transfers of a child between local authorities (`transfers`): offered by the sender, accepted
//! or declined by the receiver, withdrawn by the sender. The rules are the domain's
//! (`transfer`); what crosses from one authority to the other (both parties' feeds and trails,
//! and on acceptance the child's records) is written by the migration's SECURITY DEFINER
//! functions, the only code row-level security lets do it.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{AuditContext, FieldsClass};
use stable_futures_domain::child::LocalChildId;
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::idempotency::IdempotentRequest;
use stable_futures_domain::ids::{ChildId, TransferId};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::referral::NrmReferral;
use stable_futures_domain::transfer::{
    guardian_continues, Acted, Transfer, TransferAction, TransferChildSummary, TransferOffer,
    TransferReason, TransferStatus,
};
use stable_futures_domain::{calendar, ErrorCode, FieldError};
use uuid::Uuid;

use crate::audit::bind_actor;
use crate::children::load_child;
use crate::database::TenantDb;
use crate::error::{raised, unique_violation, PersistenceError, Result};
use crate::guardians::AssignmentRow;
use crate::idempotency::{claim_if_keyed, Outcome};
use crate::paging::{lookahead_limit, Page};
use crate::referrals::ReferralRow;
use crate::schema::{guardian_assignments, local_authorities, nrm_referrals, transfers};
use crate::transfer_steps::{class_names, record_step};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = transfers, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_default_value = false)]
struct TransferRow {
    id: Uuid,
    child_id: Uuid,
    from_local_authority: String,
    to_local_authority: String,
    reason: String,
    responsibility_from: NaiveDate,
    note: Option<String>,
    child_age_years: i32,
    child_age_disputed: bool,
    open_referrals: bool,
    open_guardian_assignments: bool,
    status: String,
    version: i32,
    offered_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    decline_note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TransferRow> for Transfer {
    type Error = PersistenceError;

    fn try_from(row: TransferRow) -> Result<Self> {
        let corrupt = |column| PersistenceError::Corrupt {
            table: "transfers",
            column,
        };
        Ok(Transfer {
            id: TransferId(row.id),
            child_id: ChildId(row.child_id),
            child: TransferChildSummary {
                age_years: row.child_age_years,
                age_disputed: row.child_age_disputed,
                open_referrals: row.open_referrals,
                open_guardian_assignments: row.open_guardian_assignments,
            },
            from: LocalAuthorityCode::parse(&row.from_local_authority)
                .map_err(|_| corrupt("from_local_authority"))?,
            to: LocalAuthorityCode::parse(&row.to_local_authority)
                .map_err(|_| corrupt("to_local_authority"))?,
            reason: TransferReason::parse(&row.reason).ok_or_else(|| corrupt("reason"))?,
            responsibility_from: row.responsibility_from,
            note: row.note,
            status: TransferStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            version: row.version,
            offered_at: row.offered_at,
            ended_at: row.ended_at,
            decline_note: row.decline_note,
        })
    }
}

fn to_row(transfer: &Transfer, now: DateTime<Utc>) -> TransferRow {
    TransferRow {
        id: transfer.id.0,
        child_id: transfer.child_id.0,
        from_local_authority: transfer.from.as_str().to_owned(),
        to_local_authority: transfer.to.as_str().to_owned(),
        reason: transfer.reason.as_str().to_owned(),
        responsibility_from: transfer.responsibility_from,
        note: transfer.note.clone(),
        child_age_years: transfer.child.age_years,
        child_age_disputed: transfer.child.age_disputed,
        open_referrals: transfer.child.open_referrals,
        open_guardian_assignments: transfer.child.open_guardian_assignments,
        status: transfer.status.as_str().to_owned(),
        version: transfer.version,
        offered_at: transfer.offered_at,
        ended_at: transfer.ended_at,
        decline_note: transfer.decline_note.clone(),
        created_at: transfer.offered_at,
        updated_at: now,
    }
}

/// Which of the authority's transfers a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferDirection {
    /// Offered to the authority.
    Incoming,
    /// Offered by it.
    Outgoing,
}

/// What acceptance came to.
#[derive(Debug)]
pub enum Acceptance {
    /// The child and their records are the receiver's now.
    Accepted(Transfer),
    /// The receiver already holds a child with the same NHS number or Home Office reference;
    /// nothing moved. Accepting with `allow_duplicate` keeps both.
    PossibleDuplicate(ChildId),
}

/// On acceptance every record of the child changes hands.
const MOVE_CLASSES: &[FieldsClass] = &[
    FieldsClass::Transfer,
    FieldsClass::Identifiers,
    FieldsClass::Referral,
    FieldsClass::Guardian,
    FieldsClass::Outcomes,
    FieldsClass::SensitiveText,
];

async fn load_transfer(
    conn: &mut AsyncPgConnection,
    id: TransferId,
    for_update: bool,
) -> Result<Transfer> {
    let query = transfers::table
        .filter(transfers::id.eq(id.0))
        .select(TransferRow::as_select());
    let row = if for_update {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    row.ok_or(PersistenceError::NotFound)?.try_into()
}

/// The child's records the offer summarises, read in the sender's transaction.
async fn summary_of(
    conn: &mut AsyncPgConnection,
    child: ChildId,
    today: NaiveDate,
) -> Result<TransferChildSummary> {
    let found = load_child(conn, child, true).await?;
    let referrals: Vec<NrmReferral> = nrm_referrals::table
        .filter(nrm_referrals::child_id.eq(child.0))
        .select(ReferralRow::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(NrmReferral::try_from)
        .collect::<Result<_>>()?;
    let assignments: Vec<GuardianAssignment> = guardian_assignments::table
        .filter(guardian_assignments::child_id.eq(child.0))
        .select(AssignmentRow::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(GuardianAssignment::try_from)
        .collect::<Result<_>>()?;
    Ok(TransferChildSummary::of(
        &found,
        &referrals,
        &assignments,
        today,
    ))
}

/// A step asked of a transfer by an authority that may not take it is told the transfer does not
/// exist, as for an id that never did (the domain says `NOT_FOUND` at `transferId`).
fn act(
    transfer: &Transfer,
    action: TransferAction,
    by: &LocalAuthorityCode,
    expected_version: i32,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Acted> {
    transfer
        .act(action, by, expected_version, note, now)
        .map_err(|errors| {
            let not_party = errors
                .0
                .iter()
                .any(|e| e.field == "transferId" && e.code == ErrorCode::NotFound);
            if not_party {
                PersistenceError::NotFound
            } else {
                PersistenceError::Invalid(errors)
            }
        })
}

/// The other party of a transfer `own` is party to: its listeners are told of the step too.
fn counterpart(transfer: &Transfer, own: &LocalAuthorityCode) -> LocalAuthorityCode {
    if transfer.from == *own {
        transfer.to.clone()
    } else {
        transfer.from.clone()
    }
}

fn open_offer_exists() -> PersistenceError {
    PersistenceError::Invalid(
        FieldError::new(
            "childId",
            ErrorCode::InvalidTransition,
            "the child already has a transfer offer waiting: withdraw it first",
        )
        .into(),
    )
}

impl TenantDb {
    /// Offers one of the authority's children to another authority. Under an idempotency key
    /// already used for the same input, answers with the transfer offered then.
    pub async fn offer_transfer(
        &self,
        offer: TransferOffer,
        now: DateTime<Utc>,
        audit: &AuditContext,
        idempotency: Option<&IdempotentRequest>,
    ) -> Result<Transfer> {
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let idempotency = idempotency.cloned();
        let id = TransferId::generate();
        let receiver = offer.to.clone();
        let result = self
            .write_transaction_for_two(
                async move |conn| {
                    let claimed =
                        claim_if_keyed(conn, &principal, idempotency.as_ref(), id.0).await?;
                    if let Some(existing) = claimed {
                        return Ok(Outcome::Replayed(existing));
                    }
                    let summary = summary_of(conn, offer.child_id, calendar::uk_date(now)).await?;
                    let open_offer: i64 = transfers::table
                        .filter(transfers::child_id.eq(offer.child_id.0))
                        .filter(transfers::status.eq(TransferStatus::Offered.as_str()))
                        .count()
                        .get_result(conn)
                        .await?;
                    let served: Vec<String> = local_authorities::table
                        .filter(local_authorities::code.eq(offer.to.as_str()))
                        .select(local_authorities::code)
                        .load(conn)
                        .await?;
                    let (transfer, _) = Transfer::offer(
                        id,
                        &principal.local_authority,
                        offer,
                        summary,
                        |code| served.iter().any(|served| served == code.as_str()),
                        open_offer > 0,
                        now,
                    )?;
                    diesel::insert_into(transfers::table)
                        .values(to_row(&transfer, now))
                        .execute(conn)
                        .await?;
                    record_step(conn, &principal, &audit, transfer.id, "CREATED").await?;
                    Ok(Outcome::Created(transfer))
                },
                move |_| Some(receiver),
            )
            .await;
        match result {
            Ok(Outcome::Created(transfer)) => Ok(transfer),
            Ok(Outcome::Replayed(id)) => self
                .transfers_by_ids(&[TransferId(id)])
                .await?
                .remove(&TransferId(id))
                .ok_or(PersistenceError::NotFound),
            Err(error) if unique_violation(&error) == Some("transfers_one_open_per_child") => {
                Err(open_offer_exists())
            }
            Err(error) => Err(error),
        }
    }

    /// Declines (the receiver) or withdraws (the sender) an offer, if `expected_version` is
    /// still current; the same step retried with the same version answers as the first did.
    pub async fn end_transfer(
        &self,
        id: TransferId,
        action: TransferAction,
        expected_version: i32,
        note: Option<String>,
        now: DateTime<Utc>,
        audit: &AuditContext,
    ) -> Result<Transfer> {
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let own = self.principal.local_authority.clone();
        self.write_transaction_for_two(
            async move |conn| {
                let transfer = load_transfer(conn, id, true).await?;
                let (ended, _) = match act(
                    &transfer,
                    action,
                    &principal.local_authority,
                    expected_version,
                    note,
                    now,
                )? {
                    Acted::AlreadyTaken => return Ok(transfer),
                    Acted::Taken(ended, event) => (*ended, event),
                };
                diesel::update(transfers::table.filter(transfers::id.eq(id.0)))
                    .set((
                        transfers::status.eq(ended.status.as_str()),
                        transfers::version.eq(ended.version),
                        transfers::ended_at.eq(ended.ended_at),
                        transfers::decline_note.eq(ended.decline_note.as_deref()),
                        transfers::updated_at.eq(now),
                    ))
                    .execute(conn)
                    .await?;
                record_step(conn, &principal, &audit, id, "STATE_CHANGED").await?;
                Ok(ended)
            },
            move |transfer| Some(counterpart(transfer, &own)),
        )
        .await
    }

    /// Accepts an offer made to the authority: the child, under `local_child_id` (the
    /// receiver's own case-system id), and every record about them become the authority's, in
    /// one transaction. Open guardian assignments continue within one guardian service and end
    /// otherwise (`transfer::guardian_continues`).
    pub async fn accept_transfer(
        &self,
        id: TransferId,
        expected_version: i32,
        local_child_id: LocalChildId,
        allow_duplicate: bool,
        now: DateTime<Utc>,
        audit: &AuditContext,
    ) -> Result<Acceptance> {
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let own = self.principal.local_authority.clone();
        let result = self
            .write_transaction_for_two(
                async move |conn| {
                    let transfer = load_transfer(conn, id, true).await?;
                    let accepted = match act(
                        &transfer,
                        TransferAction::Accept,
                        &principal.local_authority,
                        expected_version,
                        None,
                        now,
                    )? {
                        Acted::AlreadyTaken => return Ok(Acceptance::Accepted(transfer)),
                        Acted::Taken(accepted, _) => *accepted,
                    };
                    let query = diesel::sql_query(
                        "SELECT accept_transfer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .into_boxed()
                    .bind::<SqlUuid, _>(id.0)
                    .bind::<Text, _>(local_child_id.as_str())
                    .bind::<Bool, _>(allow_duplicate)
                    .bind::<Bool, _>(!guardian_continues(&transfer.from, &transfer.to))
                    .bind::<Timestamptz, _>(now)
                    .bind::<Array<Text>, _>(class_names(MOVE_CLASSES));
                    bind_actor(
                        query,
                        &principal.subject,
                        principal.client.as_deref(),
                        &audit,
                    )
                    .execute(conn)
                    .await?;
                    Ok(Acceptance::Accepted(accepted))
                },
                move |accepted| match accepted {
                    Acceptance::Accepted(transfer) => Some(counterpart(transfer, &own)),
                    Acceptance::PossibleDuplicate(_) => None,
                },
            )
            .await;
        match result {
            Err(error) if unique_violation(&error) == Some("children_local_child_id_unique") => {
                Err(PersistenceError::Invalid(
                    FieldError::new(
                        "localChildId",
                        ErrorCode::DuplicateLocalChildId,
                        "another child of this authority has this local id",
                    )
                    .into(),
                ))
            }
            Err(error) => match raised(&error) {
                Some(("possible duplicate", Some(existing))) => Uuid::parse_str(existing)
                    .map(|existing| Acceptance::PossibleDuplicate(ChildId(existing)))
                    .map_err(|_| error),
                Some(("transfer not found", _)) => Err(PersistenceError::NotFound),
                _ => Err(error),
            },
            accepted => accepted,
        }
    }

    /// The transfers among `ids` the authority is party to.
    pub async fn transfers_by_ids(
        &self,
        ids: &[TransferId],
    ) -> Result<HashMap<TransferId, Transfer>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let rows: Vec<TransferRow> = self
            .transaction(async move |conn| {
                Ok(transfers::table
                    .filter(transfers::id.eq_any(ids))
                    .select(TransferRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| Transfer::try_from(row).map(|t| (t.id, t)))
            .collect()
    }

    /// The authority's transfers in one direction, in id order (the order they were offered
    /// in), at most `first` after `after`, optionally only those in `statuses`.
    pub async fn transfers_page(
        &self,
        direction: TransferDirection,
        statuses: Option<Vec<TransferStatus>>,
        first: usize,
        after: Option<TransferId>,
    ) -> Result<Page<Transfer>> {
        let own = self.principal.local_authority.as_str().to_owned();
        let limit = lookahead_limit(first);
        let rows: Vec<TransferRow> = self
            .transaction(async move |conn| {
                let mut query = transfers::table
                    .select(TransferRow::as_select())
                    .filter(transfers::id.gt(after.map_or(Uuid::nil(), |id| id.0)))
                    .order(transfers::id.asc())
                    .limit(limit)
                    .into_boxed();
                query = match direction {
                    TransferDirection::Incoming => {
                        query.filter(transfers::to_local_authority.eq(own))
                    }
                    TransferDirection::Outgoing => {
                        query.filter(transfers::from_local_authority.eq(own))
                    }
                };
                if let Some(statuses) = statuses {
                    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
                    query = query.filter(transfers::status.eq_any(statuses));
                }
                Ok(query.load(conn).await?)
            })
            .await?;
        Page::from_lookahead(rows, first).try_map(Transfer::try_from)
    }
}
