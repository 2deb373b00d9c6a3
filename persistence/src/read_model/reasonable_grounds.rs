//! Referrals still waiting for their first Reasonable Grounds decision: the worklist the 5
//! working-day target is measured against.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use stable_futures_domain::ids::{ChildId, ReferralId};
use uuid::Uuid;

use crate::database::TenantDb;
use crate::error::Result;
use crate::paging::{lookahead_limit, Cursor, Page};

/// A submitted referral with no Reasonable Grounds decision and not withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingReasonableGrounds {
    pub referral_id: ReferralId,
    pub child_id: ChildId,
    pub referred_at: DateTime<Utc>,
}

/// The order of [`open_referrals_without_reasonable_grounds`]: oldest referral first, the id
/// breaking ties.
pub type AwaitingReasonableGroundsKey = (DateTime<Utc>, Uuid);

impl AwaitingReasonableGrounds {
    pub fn key(&self) -> AwaitingReasonableGroundsKey {
        (self.referred_at, self.referral_id.0)
    }

    pub fn cursor(&self) -> Cursor {
        Cursor::encode(&self.key())
    }
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    child_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    referred_at: DateTime<Utc>,
}

impl From<Row> for AwaitingReasonableGrounds {
    fn from(row: Row) -> Self {
        AwaitingReasonableGrounds {
            referral_id: ReferralId(row.id),
            child_id: ChildId(row.child_id),
            referred_at: row.referred_at,
        }
    }
}

/// The principal's authority's referrals awaiting a first Reasonable Grounds decision (status
/// `SUBMITTED`: a reconsideration awaited after a negative decision is not one of them), oldest
/// first: at most `first` after the key `after`.
pub async fn open_referrals_without_reasonable_grounds(
    db: &TenantDb,
    first: usize,
    after: Option<AwaitingReasonableGroundsKey>,
) -> Result<Page<AwaitingReasonableGrounds>> {
    let limit = lookahead_limit(first);
    let (after_at, after_id) = after.unzip();
    let rows: Vec<Row> = db
        .transaction(async move |conn| {
            Ok(crate::prepared::prepared_sql(
                "SELECT id, child_id, referred_at FROM nrm_referrals \
                 WHERE local_authority = current_local_authority() AND status = 'SUBMITTED' \
                   AND ($1::timestamptz IS NULL OR (referred_at, id) > ($1, $2::uuid)) \
                 ORDER BY referred_at, id LIMIT $3",
            )
            .bind::<Nullable<Timestamptz>, _>(after_at)
            .bind::<Nullable<SqlUuid>, _>(after_id)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await?)
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(AwaitingReasonableGrounds::from)
        .collect();
    Ok(Page::from_lookahead(rows, first))
}
