use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{AuditAction, AuditContext, FieldsClass};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::change::{ChangeKind, ChangeRecord, ChangedEntity};
use stable_futures_domain::idempotency::IdempotentRequest;
use stable_futures_domain::ids::{ChildId, ReferralId};
use stable_futures_domain::referral::{
    CompetentAuthority, Decision, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponder, FirstResponderType, NrmReferral, ReferralDraft, ReferralEvent,
    ReferralEventKind, ReferralStatus,
};
use stable_futures_domain::FieldError;
use uuid::Uuid;

use crate::changes::record_write;
use crate::children::{load_child, stale_version};
use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::idempotency::{claim_if_keyed, Outcome};
use crate::paging::Page;
use crate::schema::{nrm_referrals, referral_events};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = nrm_referrals, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ReferralRow {
    id: Uuid,
    local_authority: String,
    child_id: Uuid,
    referred_at: DateTime<Utc>,
    first_responder_type: String,
    first_responder_name: String,
    exploitation_types: Vec<Option<String>>,
    county_lines: bool,
    exploitation_location: String,
    competent_authority: String,
    status: String,
    rg_outcome: Option<String>,
    rg_decided_at: Option<DateTime<Utc>>,
    cg_outcome: Option<String>,
    cg_decided_at: Option<DateTime<Utc>>,
    reconsideration_requested_at: Option<DateTime<Utc>>,
    withdrawn_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    reasonable_grounds_due_on: NaiveDate,
    first_rg_outcome: Option<String>,
    first_rg_decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referral_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    referral_id: Uuid,
    kind: String,
    at: DateTime<Utc>,
    outcome: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = referral_events)]
// `NULL`, not `DEFAULT`, for `None`, so that the insert can stay prepared (see prepared.rs).
#[diesel(treat_none_as_default_value = false)]
struct NewEventRow {
    local_authority: String,
    referral_id: Uuid,
    kind: String,
    at: DateTime<Utc>,
    outcome: Option<String>,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

fn corrupt(column: &'static str) -> PersistenceError {
    PersistenceError::Corrupt {
        table: "nrm_referrals",
        column,
    }
}

fn decision(
    outcome: Option<String>,
    at: Option<DateTime<Utc>>,
    column: &'static str,
) -> Result<Option<Decision>> {
    match (outcome, at) {
        (Some(outcome), Some(decided_at)) => Ok(Some(Decision {
            outcome: DecisionOutcome::parse(&outcome).ok_or_else(|| corrupt(column))?,
            decided_at,
        })),
        _ => Ok(None),
    }
}

impl TryFrom<ReferralRow> for NrmReferral {
    type Error = PersistenceError;

    fn try_from(row: ReferralRow) -> Result<Self> {
        Ok(NrmReferral {
            id: ReferralId(row.id),
            child_id: ChildId(row.child_id),
            referred_at: row.referred_at,
            first_responder: FirstResponder {
                organisation_type: FirstResponderType::parse(&row.first_responder_type)
                    .ok_or_else(|| corrupt("first_responder_type"))?,
                organisation_name: row.first_responder_name,
            },
            exploitation_types: row
                .exploitation_types
                .into_iter()
                .flatten()
                .map(|t| ExploitationType::parse(&t).ok_or_else(|| corrupt("exploitation_types")))
                .collect::<Result<BTreeSet<_>>>()?,
            county_lines: row.county_lines,
            exploitation_location: ExploitationLocation::parse(&row.exploitation_location)
                .ok_or_else(|| corrupt("exploitation_location"))?,
            competent_authority: CompetentAuthority::parse(&row.competent_authority)
                .ok_or_else(|| corrupt("competent_authority"))?,
            status: ReferralStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            reasonable_grounds_due_on: row.reasonable_grounds_due_on,
            first_reasonable_grounds: decision(
                row.first_rg_outcome,
                row.first_rg_decided_at,
                "first_rg_outcome",
            )?,
            reasonable_grounds: decision(row.rg_outcome, row.rg_decided_at, "rg_outcome")?,
            conclusive_grounds: decision(row.cg_outcome, row.cg_decided_at, "cg_outcome")?,
            reconsideration_requested_at: row.reconsideration_requested_at,
            withdrawn_at: row.withdrawn_at,
            version: row.version,
        })
    }
}

fn to_row(
    referral: &NrmReferral,
    local_authority: &str,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ReferralRow {
    ReferralRow {
        id: referral.id.0,
        local_authority: local_authority.to_owned(),
        child_id: referral.child_id.0,
        referred_at: referral.referred_at,
        first_responder_type: referral
            .first_responder
            .organisation_type
            .as_str()
            .to_owned(),
        first_responder_name: referral.first_responder.organisation_name.clone(),
        exploitation_types: referral
            .exploitation_types
            .iter()
            .map(|t| Some(t.as_str().to_owned()))
            .collect(),
        county_lines: referral.county_lines,
        exploitation_location: referral.exploitation_location.as_str().to_owned(),
        competent_authority: referral.competent_authority.as_str().to_owned(),
        status: referral.status.as_str().to_owned(),
        rg_outcome: referral
            .reasonable_grounds
            .map(|d| d.outcome.as_str().to_owned()),
        rg_decided_at: referral.reasonable_grounds.map(|d| d.decided_at),
        cg_outcome: referral
            .conclusive_grounds
            .map(|d| d.outcome.as_str().to_owned()),
        cg_decided_at: referral.conclusive_grounds.map(|d| d.decided_at),
        reconsideration_requested_at: referral.reconsideration_requested_at,
        withdrawn_at: referral.withdrawn_at,
        version: referral.version,
        created_at,
        updated_at: now,
        reasonable_grounds_due_on: referral.reasonable_grounds_due_on,
        first_rg_outcome: referral
            .first_reasonable_grounds
            .map(|d| d.outcome.as_str().to_owned()),
        first_rg_decided_at: referral.first_reasonable_grounds.map(|d| d.decided_at),
    }
}

impl TryFrom<EventRow> for ReferralEvent {
    type Error = PersistenceError;

    fn try_from(row: EventRow) -> Result<Self> {
        let corrupt = |column| PersistenceError::Corrupt {
            table: "referral_events",
            column,
        };
        Ok(ReferralEvent {
            kind: ReferralEventKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            at: row.at,
            outcome: row
                .outcome
                .map(|o| DecisionOutcome::parse(&o).ok_or_else(|| corrupt("outcome")))
                .transpose()?,
        })
    }
}

async fn insert_event(
    conn: &mut AsyncPgConnection,
    tenant: &(String, String),
    referral_id: ReferralId,
    event: &ReferralEvent,
    now: DateTime<Utc>,
) -> Result<()> {
    diesel::insert_into(referral_events::table)
        .values(NewEventRow {
            local_authority: tenant.0.clone(),
            referral_id: referral_id.0,
            kind: event.kind.as_str().to_owned(),
            at: event.at,
            outcome: event.outcome.map(|o| o.as_str().to_owned()),
            recorded_by: tenant.1.clone(),
            recorded_at: now,
        })
        .execute(conn)
        .await?;
    Ok(())
}

impl TenantDb {
    fn tenant(&self) -> (String, String) {
        (
            self.principal.local_authority.as_str().to_owned(),
            self.principal.subject.clone(),
        )
    }

    /// Records a referral, its first timeline event, its audit row and change-feed entry in one
    /// transaction. Under an idempotency key already used for the same input, answers with the
    /// referral submitted then.
    pub async fn submit_referral(
        &self,
        child_id: ChildId,
        draft: ReferralDraft,
        now: DateTime<Utc>,
        audit: &AuditContext,
        idempotency: Option<&IdempotentRequest>,
    ) -> Result<NrmReferral> {
        let tenant = self.tenant();
        let (principal, audit) = (self.principal.clone(), audit.clone());
        let idempotency = idempotency.cloned();
        let id = ReferralId::generate();
        let calendar = BankHolidays::of(self.principal.local_authority.nation())?;
        let outcome = self
            .write_transaction(async move |conn| {
                if let Some(existing) =
                    claim_if_keyed(conn, &principal, idempotency.as_ref(), id.0).await?
                {
                    return Ok(Outcome::Replayed(existing));
                }
                let child = load_child(conn, child_id, false).await?;
                let (referral, event) = NrmReferral::submit(id, &child, draft, calendar, now)?;
                diesel::insert_into(nrm_referrals::table)
                    .values(to_row(&referral, &tenant.0, now, now))
                    .execute(conn)
                    .await?;
                insert_event(conn, &tenant, referral.id, &event, now).await?;
                record_write(
                    conn,
                    &principal,
                    &audit,
                    AuditAction::Create,
                    [FieldsClass::Referral],
                    ChangeRecord::new(
                        ChangeKind::Created,
                        ChangedEntity::NrmReferral(referral.id),
                        child_id,
                    ),
                )
                .await?;
                Ok(Outcome::Created(referral))
            })
            .await?;
        match outcome {
            Outcome::Created(referral) => Ok(referral),
            Outcome::Replayed(id) => self
                .referrals_by_ids(&[ReferralId(id)])
                .await?
                .remove(&ReferralId(id))
                .ok_or(PersistenceError::NotFound),
        }
    }

    /// Applies a lifecycle transition if `expected_version` is still current, storing the new
    /// state, its timeline event and its audit row in one transaction.
    pub async fn transition_referral<F>(
        &self,
        id: ReferralId,
        expected_version: i32,
        now: DateTime<Utc>,
        audit: &AuditContext,
        transition: F,
    ) -> Result<NrmReferral>
    where
        F: FnOnce(&mut NrmReferral) -> std::result::Result<ReferralEvent, FieldError>
            + Send
            + 'static,
    {
        let tenant = self.tenant();
        let (principal, audit) = (self.principal.clone(), audit.clone());
        self.write_transaction(async move |conn| {
            let row: ReferralRow = nrm_referrals::table
                .filter(nrm_referrals::id.eq(id.0))
                .select(ReferralRow::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
                .ok_or(PersistenceError::NotFound)?;
            let created_at = row.created_at;
            let mut referral = NrmReferral::try_from(row)?;
            if referral.version != expected_version {
                return Err(stale_version());
            }
            let event = transition(&mut referral)?;
            referral.version += 1;
            diesel::update(nrm_referrals::table.filter(nrm_referrals::id.eq(id.0)))
                .set(to_row(&referral, &tenant.0, created_at, now))
                .execute(conn)
                .await?;
            insert_event(conn, &tenant, referral.id, &event, now).await?;
            record_write(
                conn,
                &principal,
                &audit,
                AuditAction::Transition,
                [FieldsClass::Referral],
                ChangeRecord::new(
                    ChangeKind::StateChanged,
                    ChangedEntity::NrmReferral(referral.id),
                    referral.child_id,
                ),
            )
            .await?;
            Ok(referral)
        })
        .await
    }

    pub async fn referrals_by_ids(
        &self,
        ids: &[ReferralId],
    ) -> Result<HashMap<ReferralId, NrmReferral>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows = self
            .transaction(async move |conn| {
                Ok(nrm_referrals::table
                    .filter(nrm_referrals::local_authority.eq(local_authority))
                    .filter(nrm_referrals::id.eq_any(ids))
                    .select(ReferralRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        rows.into_iter()
            .map(|row| NrmReferral::try_from(row).map(|r| (r.id, r)))
            .collect()
    }

    /// For each child, a page of its referrals in id order, in one statement for all children.
    pub async fn referrals_for_children(
        &self,
        child_ids: &[ChildId],
        first: usize,
        after: Option<ReferralId>,
    ) -> Result<HashMap<ChildId, Page<NrmReferral>>> {
        let ids: Vec<Uuid> = child_ids.iter().map(|id| id.0).collect();
        let limit = i64::try_from(first + 1).unwrap_or(i64::MAX);
        let after = after.map(|id| id.0);
        let rows: Vec<ReferralRow> = self
            .transaction(async move |conn| {
                    Ok(crate::prepared::prepared_sql(
                        "SELECT r.* FROM unnest($1::uuid[]) AS c(child_id) \
                         CROSS JOIN LATERAL (SELECT * FROM nrm_referrals n \
                           WHERE n.child_id = c.child_id AND n.local_authority = current_local_authority() \
                           AND ($2::uuid IS NULL OR n.id > $2) ORDER BY n.id LIMIT $3) r",
                    )
                    .bind::<Array<SqlUuid>, _>(ids)
                    .bind::<Nullable<SqlUuid>, _>(after)
                    .bind::<BigInt, _>(limit)
                    .load(conn)
                    .await?)
            })
            .await?;
        let mut pages: HashMap<ChildId, Page<NrmReferral>> = child_ids
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
            let referral = NrmReferral::try_from(row)?;
            if let Some(page) = pages.get_mut(&referral.child_id) {
                if page.items.len() < first {
                    page.items.push(referral);
                } else {
                    page.has_next_page = true;
                }
            }
        }
        Ok(pages)
    }

    /// The timelines of several referrals, oldest event first, in one statement.
    pub async fn referral_timelines(
        &self,
        ids: &[ReferralId],
    ) -> Result<HashMap<ReferralId, Vec<ReferralEvent>>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows: Vec<EventRow> = self
            .transaction(async move |conn| {
                Ok(referral_events::table
                    .filter(referral_events::local_authority.eq(local_authority))
                    .filter(referral_events::referral_id.eq_any(ids))
                    .order((referral_events::referral_id, referral_events::id))
                    .select(EventRow::as_select())
                    .load(conn)
                    .await?)
            })
            .await?;
        let mut timelines: HashMap<ReferralId, Vec<ReferralEvent>> = HashMap::new();
        for row in rows {
            let referral_id = ReferralId(row.referral_id);
            timelines
                .entry(referral_id)
                .or_default()
                .push(row.try_into()?);
        }
        Ok(timelines)
    }

    /// The earliest referral date of each child, for "days from referral to assignment".
    pub async fn first_referral_dates(
        &self,
        child_ids: &[ChildId],
    ) -> Result<HashMap<ChildId, DateTime<Utc>>> {
        let ids: Vec<Uuid> = child_ids.iter().map(|id| id.0).collect();
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = self
            .transaction(async move |conn| {
                Ok(nrm_referrals::table
                    .filter(nrm_referrals::local_authority.eq(local_authority))
                    .filter(nrm_referrals::child_id.eq_any(ids))
                    .group_by(nrm_referrals::child_id)
                    .select((
                        nrm_referrals::child_id,
                        diesel::dsl::min(nrm_referrals::referred_at),
                    ))
                    .load(conn)
                    .await?)
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, at)| at.map(|at| (ChildId(id), at)))
            .collect())
    }
}
