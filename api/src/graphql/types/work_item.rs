//! One thing due for one child: a row of the worklist.

use async_graphql::{Context, Object, ID};
use chrono::NaiveDate;
use stable_futures_persistence::paging::Cursor;
use stable_futures_persistence::read_model::WorklistRow;

use crate::graphql::enums::WorkItemKind;
use crate::graphql::reads::{self, Audited};
use crate::graphql::scalars::Date;
use crate::graphql::types::child::Child;
use crate::graphql::types::guardian_assignment::GuardianAssignment;
use crate::graphql::types::nrm_referral::NrmReferral;
use crate::graphql::types::transfer::Transfer;

/// Something due or overdue for a child. It leaves the list when the work is done: the
/// decision, request, assignment or measurement recorded, the transfer offered answered.
#[derive(Debug)]
pub struct WorkItem {
    row: WorklistRow,
    today: NaiveDate,
}

impl WorkItem {
    /// An item whose listing was noted in the audit log (`Gate::noted`).
    pub fn listed(row: WorklistRow, today: NaiveDate, _: Audited) -> Self {
        Self { row, today }
    }
}

#[Object]
impl WorkItem {
    /// Stable while the item is on the list (the same kind, child and record), whatever the day.
    /// Not a node: an item is not fetched by id.
    async fn id(&self) -> ID {
        let identity = (
            self.row.kind.as_str().to_owned(),
            self.row.child_id.0,
            self.row.subject(),
        );
        ID(format!("WorkItem:{}", Cursor::encode(&identity)))
    }

    async fn kind(&self) -> WorkItemKind {
        self.row.kind.into()
    }

    /// The day the work is due (a UK date).
    async fn due_on(&self) -> Date {
        self.row.due_on.into()
    }

    /// Days past `dueOn` today (UK date); 0 until then.
    async fn overdue_by_days(&self) -> i64 {
        (self.today - self.row.due_on).num_days().max(0)
    }

    /// What is due, in words a team's list can show as they are. Holds no detail of the child.
    async fn explanation(&self) -> String {
        self.row.kind.explanation(self.row.due_on, self.today)
    }

    /// The child the work is for: null for a transfer offered to this authority (the child is
    /// still the sending authority's until it accepts).
    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Child>> {
        reads::related(ctx, Some(self.row.child_id.0)).await
    }

    /// The referral the work is about, for the referral kinds; null otherwise.
    async fn referral(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NrmReferral>> {
        reads::related(ctx, self.row.referral_id.map(|id| id.0)).await
    }

    /// The guardian request the work is about (`GUARDIAN_NOT_ASSIGNED`); null otherwise.
    async fn assignment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<GuardianAssignment>> {
        reads::related(ctx, self.row.assignment_id.map(|id| id.0)).await
    }

    /// The transfer offered to this authority (`TRANSFER_OFFER_WAITING`); null otherwise.
    async fn transfer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Transfer>> {
        reads::related(ctx, self.row.transfer_id.map(|id| id.0)).await
    }
}
