//! `GET /health/live` answers while the process runs; `GET /health/ready` while it can serve.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stable_futures_domain::calendar::{nations_needing_data, uk_date};

use super::state::AppState;

/// Ready when the database answers and has every migration this build expects: a replica
/// whose schema is behind its code (the migration job has not run yet) must not take traffic.
pub(super) async fn ready(State(state): State<AppState>) -> Response {
    match state.0.database.unapplied_migrations().await {
        Ok(0) => (StatusCode::OK, calendar_warning()).into_response(),
        Ok(unapplied) => {
            tracing::warn!(unapplied, "readiness check failed: migrations not applied");
            (StatusCode::SERVICE_UNAVAILABLE, "migrations not applied").into_response()
        }
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// "ready", or a warning a year before the shipped bank holiday data runs out (working days past
/// its end cannot be counted, and referrals made then would be refused): the replica still serves.
/// Logged at most once an hour, not at every probe.
fn calendar_warning() -> String {
    static LAST_WARNED_HOUR: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(-1);
    let now = chrono::Utc::now();
    let nations = nations_needing_data(uk_date(now));
    if nations.is_empty() {
        return "ready".to_owned();
    }
    let names: Vec<&str> = nations.iter().map(|nation| nation.as_str()).collect();
    let hour = now.timestamp() / 3600;
    if LAST_WARNED_HOUR.swap(hour, std::sync::atomic::Ordering::Relaxed) != hour {
        tracing::warn!(
            nations = %names.join(","),
            "bank holiday data ends before the end of next year: extend domain/data (scripts/bank-holidays.py) and add a migration"
        );
    }
    format!(
        "ready; warning: the bank holiday data of {} ends before the end of next year",
        names.join(", ")
    )
}
