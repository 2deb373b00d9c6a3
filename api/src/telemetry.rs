//! Logging. JSON lines in production, readable text in development. Nothing that identifies a
//! child is ever logged: no variables, no documents, no input values.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::Mode;

pub fn init(mode: Mode) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match mode {
        Mode::Production => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true),
            )
            .try_init(),
        Mode::Development => registry
            .with(tracing_subscriber::fmt::layer().compact())
            .try_init(),
    };
    // A second initialisation (tests) keeps the first subscriber, and its panic hook.
    if result.is_ok() {
        // The default hook prints the panic's message, which can quote a value (an `unwrap` on
        // an error prints the error): log where it happened, not what it said.
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!(%location, "panic");
        }));
    }
}
