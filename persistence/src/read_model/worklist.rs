//! The worklist: what is due or overdue for which child of the authority, on a given UK date,
//! computed in one statement from the stored records and due dates. The rules are the domain's
//! (`stable_futures_domain::worklist`, the oracle this query is tested against); the SQL mirrors
//! them kind by kind.

use chrono::NaiveDate;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use stable_futures_domain::guardian::GuardianService;
use stable_futures_domain::ids::{AssignmentId, ChildId, ReferralId, TransferId};
use stable_futures_domain::worklist::{WorkItemKind, WorklistSettings};
use uuid::Uuid;

use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};
use crate::paging::{lookahead_limit, Cursor, Page};

/// One item of the worklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklistRow {
    pub due_on: NaiveDate,
    pub kind: WorkItemKind,
    pub child_id: ChildId,
    pub referral_id: Option<ReferralId>,
    pub assignment_id: Option<AssignmentId>,
    pub transfer_id: Option<TransferId>,
}

/// The order of the worklist: due date (most overdue first), then kind, child, and the referral,
/// assignment or transfer the item is about (the nil id for items about the child): unique per
/// item.
pub type WorklistKey = (NaiveDate, String, Uuid, Uuid);

impl WorklistRow {
    /// The referral, assignment or transfer the item is about; the nil id for an item about the
    /// child.
    pub fn subject(&self) -> Uuid {
        self.referral_id
            .map(|id| id.0)
            .or(self.assignment_id.map(|id| id.0))
            .or(self.transfer_id.map(|id| id.0))
            .unwrap_or(Uuid::nil())
    }

    pub fn key(&self) -> WorklistKey {
        (
            self.due_on,
            self.kind.as_str().to_owned(),
            self.child_id.0,
            self.subject(),
        )
    }

    pub fn cursor(&self) -> Cursor {
        Cursor::encode(&self.key())
    }
}

/// What to list.
#[derive(Debug, Clone)]
pub struct WorklistQuery {
    /// The UK date the list is for.
    pub today: NaiveDate,
    /// The guardianship service of the authority's nation.
    pub service: GuardianService,
    pub settings: WorklistSettings,
    /// `None`: every kind.
    pub kinds: Option<Vec<WorkItemKind>>,
    /// Only items due before this day.
    pub due_before: Option<NaiveDate>,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Date)]
    due_on: NaiveDate,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    child_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    referral_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    assignment_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    transfer_id: Option<Uuid>,
}

impl TryFrom<Row> for WorklistRow {
    type Error = PersistenceError;

    fn try_from(row: Row) -> Result<Self> {
        Ok(WorklistRow {
            due_on: row.due_on,
            kind: WorkItemKind::parse(&row.kind).ok_or(PersistenceError::Corrupt {
                table: "worklist",
                column: "kind",
            })?,
            child_id: ChildId(row.child_id),
            referral_id: row.referral_id.map(ReferralId),
            assignment_id: row.assignment_id.map(AssignmentId),
            transfer_id: row.transfer_id.map(TransferId),
        })
    }
}

/// Kind by kind, the rules of `stable_futures_domain::worklist::work_items`. `$1` today, `$2` the
/// nation's guardian service, `$3`..`$9` the settings, `$10` the kinds (NULL: all), `$11` due
/// before, `$12`..`$15` the key to continue after, `$16` the limit.
const WORKLIST: &str = "\
WITH r AS (
    SELECT id, child_id, referred_at, status, reasonable_grounds_due_on,
           reconsideration_requested_at, rg_outcome, rg_decided_at,
           status IN ('SUBMITTED', 'RG_POSITIVE')
             OR (status IN ('RG_NEGATIVE', 'CG_NEGATIVE') AND reconsideration_requested_at IS NOT NULL)
             AS undecided
    FROM nrm_referrals WHERE local_authority = current_local_authority()
), a AS (
    SELECT id, child_id, service, status, requested_at
    FROM guardian_assignments WHERE local_authority = current_local_authority()
), open_work AS (
    SELECT child_id, min(since) AS since FROM (
        SELECT child_id, referred_at AS since FROM r WHERE undecided
        UNION ALL
        SELECT child_id, requested_at FROM a WHERE status <> 'ENDED'
    ) o GROUP BY child_id
), latest AS (
    SELECT o.child_id, o.since, m.last_observed, m.measured, m.any_with_young_person
    FROM open_work o
    CROSS JOIN LATERAL (
        SELECT max(observed_at) AS last_observed, count(*) AS measured,
               bool_or(young_person_participated) AS any_with_young_person
        FROM (
            SELECT m.observed_at, m.young_person_participated
            FROM outcome_measurements m
            WHERE m.local_authority = current_local_authority() AND m.child_id = o.child_id
              AND NOT EXISTS (SELECT 1 FROM outcome_measurements s
                              WHERE s.local_authority = m.local_authority AND s.supersedes = m.id)
            ORDER BY m.observed_at DESC, m.id DESC
            LIMIT $6
        ) window_of_latest
    ) m
), items AS (
    SELECT reasonable_grounds_due_on AS due_on, 'REASONABLE_GROUNDS_OVERDUE' AS kind, child_id,
           id AS referral_id, NULL::uuid AS assignment_id, NULL::uuid AS transfer_id,
           reasonable_grounds_due_on + 1 AS listed_from
    FROM r WHERE status = 'SUBMITTED'
    UNION ALL
    SELECT uk_date(reconsideration_requested_at) + $9, 'RECONSIDERATION_WAITING', child_id, id, NULL, NULL,
           uk_date(reconsideration_requested_at) + $9
    FROM r WHERE reconsideration_requested_at IS NOT NULL
    UNION ALL
    SELECT e.ends_on, 'RECOVERY_PERIOD_ENDING', child_id, id, NULL, NULL, e.ends_on - $8
    FROM r CROSS JOIN LATERAL (
        SELECT uk_date(rg_decided_at)
               + CASE WHEN uk_date(rg_decided_at) >= DATE '2023-01-30' THEN 30 ELSE 45 END AS ends_on
    ) e
    WHERE status = 'RG_POSITIVE' AND rg_outcome = 'POSITIVE'
    UNION ALL
    SELECT eighteenth_birthday(c.date_of_birth), 'TURNING_18', u.child_id, u.id, NULL, NULL,
           eighteenth_birthday(c.date_of_birth) - $7
    FROM (SELECT DISTINCT ON (child_id) child_id, id FROM r WHERE undecided
          ORDER BY child_id, referred_at, id) u
    JOIN children c ON c.local_authority = current_local_authority() AND c.id = u.child_id
    UNION ALL
    SELECT uk_date(e.referred_at) + $3, 'GUARDIAN_NOT_REQUESTED', e.child_id, e.id, NULL, NULL,
           uk_date(e.referred_at) + $3
    FROM (SELECT DISTINCT ON (child_id) child_id, id, referred_at FROM r WHERE status <> 'WITHDRAWN'
          ORDER BY child_id, referred_at, id) e
    WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.child_id = e.child_id AND a.service = $2)
    UNION ALL
    SELECT uk_date(requested_at) + $4, 'GUARDIAN_NOT_ASSIGNED', child_id, NULL, id, NULL,
           uk_date(requested_at) + $4
    FROM a WHERE status = 'REQUESTED'
    UNION ALL
    SELECT uk_date(coalesce(last_observed, since)) + $5, 'MEASUREMENT_DUE', child_id, NULL, NULL, NULL,
           uk_date(coalesce(last_observed, since)) + $5
    FROM latest
    UNION ALL
    SELECT uk_date(last_observed), 'YOUNG_PERSON_VIEW_MISSING', child_id, NULL, NULL, NULL,
           uk_date(last_observed)
    FROM latest WHERE measured >= $6 AND NOT any_with_young_person
    UNION ALL
    -- Offers to this authority (row-level security also shows the sender its own offers).
    SELECT responsibility_from, 'TRANSFER_OFFER_WAITING', child_id, NULL, NULL, id, uk_date(offered_at)
    FROM transfers
    WHERE to_local_authority = current_local_authority() AND status = 'OFFERED'
)
SELECT due_on, kind, child_id, referral_id, assignment_id, transfer_id FROM items
WHERE listed_from <= $1
  AND ($10::text[] IS NULL OR kind = ANY ($10))
  AND ($11::date IS NULL OR due_on < $11)
  AND ($12::date IS NULL
       OR (due_on, kind, child_id, coalesce(referral_id, assignment_id, transfer_id, '00000000-0000-0000-0000-000000000000'::uuid))
          > ($12, $13::text, $14::uuid, $15::uuid))
ORDER BY due_on, kind, child_id,
         coalesce(referral_id, assignment_id, transfer_id, '00000000-0000-0000-0000-000000000000'::uuid)
LIMIT $16";

fn setting(days: u32) -> i32 {
    i32::try_from(days).unwrap_or(i32::MAX)
}

/// The authority's worklist on `query.today`: at most `first` items after the key `after`.
pub async fn worklist(
    db: &TenantDb,
    query: &WorklistQuery,
    first: usize,
    after: Option<WorklistKey>,
) -> Result<Page<WorklistRow>> {
    let limit = lookahead_limit(first);
    let s = query.settings;
    let kinds: Option<Vec<String>> = query
        .kinds
        .as_ref()
        .map(|kinds| kinds.iter().map(|kind| kind.as_str().to_owned()).collect());
    let (after_due, after_kind, after_child, after_subject) = match after {
        Some((due, kind, child, subject)) => (Some(due), Some(kind), Some(child), Some(subject)),
        None => (None, None, None, None),
    };
    let (today, service, due_before) = (query.today, query.service.as_str(), query.due_before);
    let rows: Vec<Row> = db
        .transaction(async move |conn| {
            Ok(crate::prepared::prepared_sql(WORKLIST)
                .bind::<Date, _>(today)
                .bind::<Text, _>(service)
                .bind::<Integer, _>(setting(s.guardian_request_days))
                .bind::<Integer, _>(setting(s.guardian_assignment_days))
                .bind::<Integer, _>(setting(s.measurement_interval_days))
                .bind::<Integer, _>(setting(s.young_person_view_window))
                .bind::<Integer, _>(setting(s.turning_18_days))
                .bind::<Integer, _>(setting(s.recovery_period_ending_days))
                .bind::<Integer, _>(setting(s.reconsideration_waiting_days))
                .bind::<Nullable<Array<Text>>, _>(kinds)
                .bind::<Nullable<Date>, _>(due_before)
                .bind::<Nullable<Date>, _>(after_due)
                .bind::<Nullable<Text>, _>(after_kind)
                .bind::<Nullable<SqlUuid>, _>(after_child)
                .bind::<Nullable<SqlUuid>, _>(after_subject)
                .bind::<BigInt, _>(limit)
                .load(conn)
                .await?)
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(WorklistRow::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_lookahead(rows, first))
}
