use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use stable_futures_domain::ids::{ChildId, ReferralId};
use stable_futures_domain::referral::{NrmReferral, ReferralEvent};
use uuid::Uuid;

use super::rows::{EventRow, ReferralRow};
use crate::database::TenantDb;
use crate::error::Result;
use crate::paging::Page;
use crate::schema::{nrm_referrals, referral_events};

impl TenantDb {
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
