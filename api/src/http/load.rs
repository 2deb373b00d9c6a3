//! Admission under load: how many operations this replica runs at once, how long one waits for
//! its turn, and how large a share of the turns one client may hold.
//!
//! Without it every request beyond what the database pool can serve queued for a connection
//! until its timeout, and one case system sending more than its share slowed every other
//! authority's. Now a request waits at most `SF_QUEUE_WAIT_MS` for a turn and is otherwise
//! answered at once with 503 and `Retry-After`; a client already holding its share
//! (`SF_CLIENT_SHARE_PERCENT` of the turns) is answered 429 `RATE_LIMITED` without waiting, so
//! the rest stay free for the others.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::keyed_quota::{KeyedQuota, QuotaPermit};

/// Why a request was not given a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overload {
    /// Every turn was taken for the whole wait: the replica is at capacity.
    Busy,
    /// The client holds its share of the turns already.
    ClientShare,
}

/// The turns of this replica.
#[derive(Debug, Clone)]
pub(crate) struct LoadGate {
    turns: Arc<Semaphore>,
    wait: Duration,
    /// Each client's share of the turns.
    shares: KeyedQuota<String>,
}

impl LoadGate {
    /// `turns` operations at once; a request waits at most `wait`; one client holds at most
    /// `client_share_percent` of the turns (at least one).
    pub(crate) fn new(turns: usize, wait: Duration, client_share_percent: usize) -> Self {
        let turns = turns.max(1);
        Self {
            turns: Arc::new(Semaphore::new(turns)),
            wait,
            shares: KeyedQuota::new((turns * client_share_percent / 100).max(1)),
        }
    }

    /// A turn for one operation of `client` (a client id or subject, with its authorities),
    /// held until the returned value is dropped.
    pub(crate) async fn enter(&self, client: &str) -> Result<Turn, Overload> {
        let share = self
            .shares
            .take(client.to_owned())
            .ok_or(Overload::ClientShare)?;
        match tokio::time::timeout(self.wait, Arc::clone(&self.turns).acquire_owned()).await {
            Ok(Ok(turn)) => Ok(Turn {
                _turn: turn,
                _share: share,
            }),
            // Timed out, or closed (never: the semaphore is not closed).
            _ => Err(Overload::Busy),
        }
    }

    /// The seconds a refused client is told to wait before it retries.
    pub(crate) fn retry_after_seconds(&self) -> u64 {
        self.wait.as_secs().max(1)
    }
}

/// One admitted operation: its turn, and its place in its client's share.
#[derive(Debug)]
pub(crate) struct Turn {
    _turn: OwnedSemaphorePermit,
    _share: QuotaPermit<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_client_holds_its_share_and_no_more_and_the_rest_stay_for_others() {
        // 4 turns, 50 %: two for one client.
        let gate = LoadGate::new(4, Duration::from_millis(20), 50);
        let first = gate.enter("a").await.expect("a's first");
        let second = gate.enter("a").await.expect("a's second");
        assert_eq!(gate.enter("a").await.err(), Some(Overload::ClientShare));
        let others = [
            gate.enter("b").await.expect("b"),
            gate.enter("c").await.expect("c"),
        ];
        // Every turn taken: the next waits out its wait, then is refused as busy.
        let started = std::time::Instant::now();
        assert_eq!(gate.enter("d").await.err(), Some(Overload::Busy));
        assert!(started.elapsed() >= Duration::from_millis(20));
        // A refused request holds nothing: d's share was given back.
        assert_eq!(
            gate.shares.keys(),
            3,
            "a, b and c hold turns; d holds nothing"
        );
        drop(first);
        let again = gate.enter("a").await.expect("a's turn given back");
        drop((second, again, others));
        assert_eq!(
            gate.shares.keys(),
            0,
            "no client is remembered once it holds nothing"
        );
    }

    #[tokio::test]
    async fn a_request_waits_for_a_turn_given_back_within_the_wait() {
        let gate = LoadGate::new(1, Duration::from_secs(5), 100);
        let held = gate.enter("a").await.expect("the one turn");
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter("b").await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(held);
        assert_eq!(waiting.await.expect("joined"), Ok(()));
    }

    #[test]
    fn a_share_is_at_least_one_turn_and_retry_after_at_least_a_second() {
        let gate = LoadGate::new(3, Duration::from_millis(500), 10);
        assert_eq!(gate.shares.limit(), 1);
        assert_eq!(gate.retry_after_seconds(), 1);
        assert_eq!(LoadGate::new(0, Duration::ZERO, 75).shares.limit(), 1);
        assert_eq!(
            LoadGate::new(64, Duration::from_secs(2), 75).shares.limit(),
            48
        );
        assert_eq!(
            LoadGate::new(64, Duration::from_secs(2), 75).retry_after_seconds(),
            2
        );
    }
}
