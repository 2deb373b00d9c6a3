//! The process's one shutdown signal. The HTTP and metrics listeners stop accepting on it;
//! upgraded WebSocket connections (no longer the HTTP server's, so outside its graceful
//! shutdown) close with 1001 on it; the notification listener ends on it. Process-wide, because
//! those are built apart from each other: the router knows nothing of `serve`.

use std::sync::OnceLock;

use tokio::sync::watch;

static SHUTDOWN: OnceLock<watch::Sender<bool>> = OnceLock::new();

fn sender() -> &'static watch::Sender<bool> {
    SHUTDOWN.get_or_init(|| watch::channel(false).0)
}

/// Starts the shutdown: everything waiting in [`requested`] goes on.
pub fn begin() {
    sender().send_replace(true);
}

/// Resolves once [`begin`] has been called (at once if it already has).
pub async fn requested() {
    let mut begun = sender().subscribe();
    let _ = begun.wait_for(|begun| *begun).await;
}
