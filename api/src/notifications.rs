//! Wakes this replica's subscribers when a change commits through any replica. One connection per
//! process `LISTEN`s (opened at the first subscription); each notification names only a local
//! authority, and each subscriber then reads its own authority's feed after its own cursor. A
//! lost notification costs latency, never a change: subscribers also look at the feed after every
//! reconnection of the listener and at least every [`FALLBACK_POLL`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::StreamExt as _;
use stable_futures_persistence::Database;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// The longest a subscriber waits without looking at the feed.
pub const FALLBACK_POLL: Duration = Duration::from_secs(30);

/// Pause before listening again after the listener's connection failed.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
enum Wake {
    /// This local authority (its code) has new changes.
    Authority(Arc<str>),
    /// Anything may have changed (the listener reconnected).
    Everyone,
}

/// Shared by the replica's subscriptions.
#[derive(Clone)]
pub struct ChangeNotifier {
    database: Database,
    sender: broadcast::Sender<Wake>,
    listening: Arc<OnceLock<()>>,
    shutdown: CancellationToken,
}

impl std::fmt::Debug for ChangeNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeNotifier")
            .field("subscribers", &self.sender.receiver_count())
            .finish()
    }
}

impl ChangeNotifier {
    /// A notifier whose listener (started by the first subscriber) ends when `shutdown` is
    /// cancelled.
    pub fn new(database: Database, shutdown: CancellationToken) -> Self {
        Self {
            database,
            shutdown,
            sender: broadcast::channel(1024).0,
            listening: Arc::new(OnceLock::new()),
        }
    }

    /// A waiter for `local_authority`'s changes (it starts the listener if nobody did).
    pub fn subscribe(&self, local_authority: &str) -> Waiter {
        let receiver = self.sender.subscribe();
        self.listening.get_or_init(|| {
            tokio::spawn(listen(
                self.database.clone(),
                self.sender.clone(),
                self.shutdown.clone(),
            ));
        });
        Waiter {
            receiver,
            local_authority: local_authority.into(),
        }
    }
}

/// Forwards notifications to the subscribers until the process begins to shut down (its
/// subscribers are then told to go elsewhere, and the database may stop before the process ends:
/// a lost connection then is no failure to report).
async fn listen(database: Database, sender: broadcast::Sender<Wake>, shutdown: CancellationToken) {
    tokio::select! {
        () = forward(database, sender) => {}
        () = shutdown.cancelled() => {}
    }
}

/// Forwards notifications to the subscribers, reconnecting whenever the connection is lost.
async fn forward(database: Database, sender: broadcast::Sender<Wake>) {
    loop {
        match database.listen_for_changes().await {
            Ok(mut listener) => {
                // Whatever committed while nobody listened.
                let _ = sender.send(Wake::Everyone);
                let mut authorities = std::pin::pin!(listener.local_authorities());
                while let Some(notification) = authorities.next().await {
                    match notification {
                        Ok(code) => {
                            let _ = sender.send(Wake::Authority(code.into()));
                        }
                        Err(error) => {
                            tracing::warn!(error = %error, "change notifications failed");
                            break;
                        }
                    }
                }
                tracing::warn!("change notifications ended; listening again");
            }
            Err(error) => {
                tracing::warn!(error = %error, "could not listen for change notifications");
            }
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// One subscriber's wake-ups.
#[derive(Debug)]
pub struct Waiter {
    receiver: broadcast::Receiver<Wake>,
    local_authority: Arc<str>,
}

impl Waiter {
    /// Returns when the local authority may have new changes: notified, missed notifications
    /// (lagging behind), the listener reconnected, or [`FALLBACK_POLL`] passed.
    pub async fn wait(&mut self) {
        let woken = async {
            loop {
                match self.receiver.recv().await {
                    Ok(Wake::Authority(code)) if code != self.local_authority => continue,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                }
            }
        };
        let _ = tokio::time::timeout(FALLBACK_POLL, woken).await;
    }
}
