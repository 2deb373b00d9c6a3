//! NRM referrals: written with their timeline, audit and change-feed entry in one transaction
//! (here), read by id or by child (`reads`), mapped to and from their rows (`rows`).

mod reads;
mod rows;

use rows::NewEventRow;
pub(crate) use rows::{to_row, EventRow, ReferralRow};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::{AuditAction, AuditContext, FieldsClass};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::change::{ChangeKind, ChangeRecord, ChangedEntity};
use stable_futures_domain::idempotency::IdempotentRequest;
use stable_futures_domain::ids::{ChildId, ReferralId};
use stable_futures_domain::referral::{
    HomeOfficeReference, NrmReferral, ReferralDraft, ReferralEvent,
};
use stable_futures_domain::{ErrorCode, FieldError};

use crate::changes::record_write;
use crate::children::{load_child, stale_version};
use crate::database::TenantDb;
use crate::error::{unique_violation, PersistenceError, Result};
use crate::idempotency::{claim_if_keyed, Outcome};
use crate::schema::{nrm_referrals, referral_events};

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
        let change = Change {
            action: AuditAction::Transition,
            kind: ChangeKind::StateChanged,
        };
        self.change_referral(id, expected_version, now, audit, change, move |referral| {
            transition(referral).map(Some)
        })
        .await
    }

    /// Records the NRM's reference for a referral if `expected_version` is still current (an
    /// update, not a step of the lifecycle: no timeline event). Another referral of the
    /// authority with the same reference refuses it.
    pub async fn record_home_office_reference(
        &self,
        id: ReferralId,
        expected_version: i32,
        reference: HomeOfficeReference,
        now: DateTime<Utc>,
        audit: &AuditContext,
    ) -> Result<NrmReferral> {
        let change = Change {
            action: AuditAction::Update,
            kind: ChangeKind::Updated,
        };
        let result = self
            .change_referral(id, expected_version, now, audit, change, move |referral| {
                referral.home_office_reference = Some(reference);
                Ok(None)
            })
            .await;
        match result {
            Err(error)
                if unique_violation(&error) == Some("nrm_referrals_home_office_reference") =>
            {
                Err(PersistenceError::Invalid(
                    FieldError::new(
                        "homeOfficeReference",
                        ErrorCode::DuplicateHomeOfficeReference,
                        "another referral of the local authority has this Home Office reference",
                    )
                    .into(),
                ))
            }
            other => other,
        }
    }

    /// Applies `apply` to the referral if `expected_version` is still current, storing it, its
    /// timeline event (if any), its audit row and its change-feed entry in one transaction.
    async fn change_referral<F>(
        &self,
        id: ReferralId,
        expected_version: i32,
        now: DateTime<Utc>,
        audit: &AuditContext,
        change: Change,
        apply: F,
    ) -> Result<NrmReferral>
    where
        F: FnOnce(&mut NrmReferral) -> std::result::Result<Option<ReferralEvent>, FieldError>
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
            let event = apply(&mut referral)?;
            referral.version += 1;
            diesel::update(nrm_referrals::table.filter(nrm_referrals::id.eq(id.0)))
                .set(to_row(&referral, &tenant.0, created_at, now))
                .execute(conn)
                .await?;
            if let Some(event) = event {
                insert_event(conn, &tenant, referral.id, &event, now).await?;
            }
            record_write(
                conn,
                &principal,
                &audit,
                change.action,
                [FieldsClass::Referral],
                ChangeRecord::new(
                    change.kind,
                    ChangedEntity::NrmReferral(referral.id),
                    referral.child_id,
                ),
            )
            .await?;
            Ok(referral)
        })
        .await
    }
}

/// How a change to a referral is audited and announced.
struct Change {
    action: AuditAction,
    kind: ChangeKind,
}
