//! The worklist: which child needs what, now; and the thresholds it is computed with.

use std::collections::BTreeSet;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};
use chrono::{Days, NaiveDate};
use stable_futures_domain::calendar::uk_date;
use stable_futures_domain::guardian::GuardianService;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_domain::worklist;
use stable_futures_persistence::paging::Cursor;
use stable_futures_persistence::read_model::{self, WorklistKey, WorklistQuery};
use uuid::Uuid;

use crate::graphql::enums::{TransferStatus, WorkItemKind};
use crate::graphql::errors::ApiError;
use crate::graphql::reads::Gate;
use crate::graphql::scalars::Date;
use crate::graphql::types::transfer::Transfer;
use crate::graphql::types::work_item::WorkItem;
use crate::graphql::types::worklist_settings::WorklistSettings;
use crate::graphql::{ids, list_cursor};
use stable_futures_persistence::TransferDirection;

#[derive(Debug, Default)]
pub struct WorklistQueries;

/// The earliest `dueBefore` accepted; the latest is five years after today.
const EARLIEST_DUE_BEFORE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// A worklist cursor: the row's key and the list it belongs to (authority, kinds, `dueBefore`),
/// so a cursor of another list is refused rather than silently continuing it.
type ApiKey = ((NaiveDate, String), (Uuid, Uuid), i64);

/// The list a cursor belongs to: the kinds and `dueBefore`, of the caller's authority.
fn list_fingerprint(
    principal: &Principal,
    kinds: &[worklist::WorkItemKind],
    due_before: Option<NaiveDate>,
) -> i64 {
    list_cursor::fingerprint(principal, &format!("worklist|{kinds:?}|{due_before:?}"))
}

fn cursor_of(key: WorklistKey, list: i64) -> String {
    let (due_on, kind, child, subject) = key;
    Cursor::encode(&((due_on, kind), (child, subject), list)).into_string()
}

fn decode_after(after: Option<&str>, list: i64) -> Result<Option<WorklistKey>, ApiError> {
    let Some(text) = after else {
        return Ok(None);
    };
    let ((due_on, kind), (child, subject), of_list) = Cursor::decode::<ApiKey>(text)
        .map_err(|_| ApiError::BadUserInput("not a valid worklist cursor".to_owned()))?;
    if of_list != list {
        return Err(ApiError::BadUserInput(
            "this cursor belongs to another list (other kinds, dueBefore or authority): start again without after".to_owned(),
        ));
    }
    Ok(Some((due_on, kind, child, subject)))
}

/// The kinds to list: those asked for, each of which the token must be able to read, or every
/// kind it can read.
fn kinds_to_list(
    principal: &Principal,
    asked: Option<Vec<WorkItemKind>>,
) -> Result<Vec<worklist::WorkItemKind>, ApiError> {
    let readable = |kind: &worklist::WorkItemKind| kind.scopes().iter().all(|s| principal.has(*s));
    match asked {
        None => Ok(worklist::WorkItemKind::ALL
            .iter()
            .copied()
            .filter(readable)
            .collect()),
        Some(asked) if asked.is_empty() => Err(ApiError::BadUserInput(
            "kinds must name at least one kind, or be left out for every kind".to_owned(),
        )),
        Some(asked) => {
            let asked: BTreeSet<worklist::WorkItemKind> = asked
                .into_iter()
                .map(worklist::WorkItemKind::from)
                .collect();
            for kind in &asked {
                if let Some(missing) = kind.scopes().iter().find(|s| !principal.has(**s)) {
                    return Err(ApiError::Forbidden(missing.as_str()));
                }
            }
            Ok(asked.into_iter().collect())
        }
    }
}

#[Object]
impl WorklistQueries {
    /// Transfers offered to this authority, oldest offer first, optionally only those in
    /// `status` (e.g. `[OFFERED]`: the offers awaiting an answer). Until one is accepted only its
    /// `childSummary` says anything of the child. `first` is 1 to 100.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn incoming_transfers(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        status: Option<Vec<TransferStatus>>,
    ) -> async_graphql::Result<Option<Connection<String, Transfer>>> {
        super::transfers::transfers(ctx, TransferDirection::Incoming, status, first, after).await
    }

    /// Transfers this authority offered, oldest first, optionally only those in `status`.
    /// `first` is 1 to 100.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn outgoing_transfers(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        status: Option<Vec<TransferStatus>>,
    ) -> async_graphql::Result<Option<Connection<String, Transfer>>> {
        super::transfers::transfers(ctx, TransferDirection::Outgoing, status, first, after).await
    }

    /// What is due or overdue for the authority's children today (UK date), most overdue first
    /// (then by kind and child: a stable order). `first` is 1 to 100.
    ///
    /// Needs `children:read`. Each kind also needs the scope of the records it is about
    /// (`referrals:read`, `guardians:read`, `outcomes:read`): without `kinds`, the kinds the
    /// token can read are listed; naming a kind it cannot read is `FORBIDDEN`. A token with only
    /// `children:read` is listed nothing. Every child listed is recorded in the audit trail with
    /// the class of data its items show.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn worklist(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        kinds: Option<Vec<WorkItemKind>>,
        #[graphql(desc = "Only items due before this day.")] due_before: Option<Date>,
    ) -> async_graphql::Result<Option<Connection<String, WorkItem>>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let request = gate.request();
        let principal = request.principal();
        let today = uk_date(request.now);
        let first = ids::page_size(first)?;
        let due_before = due_before.map(|date| date.0);
        let kinds = kinds_to_list(principal, kinds)?;
        if let Some(before) = due_before {
            let latest = today.checked_add_days(Days::new(5 * 366)).unwrap_or(today);
            if before < EARLIEST_DUE_BEFORE || before > latest {
                return Err(ApiError::BadUserInput(format!(
                    "dueBefore must be from {EARLIEST_DUE_BEFORE} to {latest}"
                ))
                .into());
            }
        }
        let list = list_fingerprint(principal, &kinds, due_before);
        let after = decode_after(after.as_deref(), list)?;
        let mut connection = Connection::new(after.is_some(), false);
        if kinds.is_empty() {
            return Ok(Some(connection));
        }
        let settings = gate
            .db()
            .worklist_settings()
            .await
            .map_err(ApiError::from)?;
        let query = WorklistQuery {
            today,
            service: GuardianService::of_nation(principal.local_authority.nation()),
            settings: settings.settings,
            kinds: Some(kinds),
            due_before,
        };
        let page = read_model::worklist(gate.db(), &query, first, after)
            .await
            .map_err(ApiError::from)?;
        crate::graphql::prefetch::worklist_page(ctx, &gate, &page.items).await?;
        connection.has_next_page = page.has_next_page;
        for row in page.items {
            let cursor = cursor_of(row.key(), list);
            let proof = gate.noted(row.child_id, row.kind.classes());
            connection
                .edges
                .push(Edge::new(cursor, WorkItem::listed(row, today, proof)));
        }
        Ok(Some(connection))
    }

    /// The thresholds the worklist is computed with. Needs `children:read` (the worklist's
    /// scope); holds no child's data and is not audited as a read.
    async fn worklist_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<WorklistSettings>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let settings = gate
            .db()
            .worklist_settings()
            .await
            .map_err(ApiError::from)?;
        Ok(Some(settings.into()))
    }
}
