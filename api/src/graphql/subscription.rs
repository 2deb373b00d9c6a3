//! Live notifications over `graphql-transport-ws` (see `crate::websocket`).

use std::collections::VecDeque;

use async_graphql::{Context, Subscription};
use futures::Stream;
use stable_futures_domain::change::Change;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::TenantDb;

use super::errors::ApiError;
use super::guard::RequireScope;
use super::ids;
use super::types::change_notification::ChangeNotification;
use crate::caller::Subscriber;
use crate::notifications::Waiter;

/// Entries read from the feed at a time.
const BATCH: usize = 100;

/// How long a subscription waits before reading the feed again when the database could not take
/// the read (a restart, a failover): it keeps its place and carries on once there is a primary.
const UNAVAILABLE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change to the local authority's records after `after` (from the start without it),
    /// in the feed's order: first those already committed, then each as it commits, through
    /// whichever replica. The entries and cursors are those of `Query.changes`; after a
    /// disconnection, subscribe again with the last cursor received and nothing is missed. Needs
    /// the `children:read` scope.
    #[graphql(guard = "RequireScope(Scope::ChildrenRead)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChangeNotification>>> {
        let subscriber = ctx
            .data::<Subscriber>()
            .map_err(|_| ApiError::Unauthenticated)?
            .clone();
        let after = ids::decode_sequence_cursor(after.as_deref())?;
        let waiter = subscriber
            .notifier
            .subscribe(subscriber.db.principal().local_authority.as_str());
        let follower = Follower {
            db: subscriber.db,
            waiter,
            position: after,
            read: VecDeque::new(),
            caught_up: false,
            failed: false,
        };
        Ok(futures::stream::unfold(follower, Follower::next))
    }
}

/// One subscription's place in the feed.
struct Follower {
    db: TenantDb,
    waiter: Waiter,
    position: Option<i64>,
    /// Read from the feed, not yet sent.
    read: VecDeque<Change>,
    /// The last read reached the end of the feed: wait before reading again.
    caught_up: bool,
    failed: bool,
}

impl Follower {
    async fn next(mut self) -> Option<(async_graphql::Result<ChangeNotification>, Follower)> {
        loop {
            if self.failed {
                return None;
            }
            if let Some(change) = self.read.pop_front() {
                self.position = Some(change.position);
                return Some((Ok(ChangeNotification::from(&change)), self));
            }
            if self.caught_up {
                // The waiter was subscribed before the first read, so a change committing
                // between a read and this wait still wakes it.
                self.waiter.wait().await;
            }
            match self.db.changes(self.position, BATCH).await {
                Ok(page) => {
                    self.caught_up = !page.has_next_page;
                    self.read.extend(page.items);
                }
                // The database is away for a moment: nothing is lost by waiting, since the next
                // read starts after the last entry sent, and the subscriber need not reconnect.
                Err(error) if error.is_unavailable() => {
                    // Logged (at most every few seconds), not sent.
                    super::errors::warn_unavailable(&error);
                    tokio::time::sleep(UNAVAILABLE_RETRY).await;
                    // Read again then, woken or not.
                    self.caught_up = false;
                }
                Err(error) => {
                    self.failed = true;
                    return Some((Err(ApiError::internal(&error).into()), self));
                }
            }
        }
    }
}
