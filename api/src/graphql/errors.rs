//! The one place where failures become GraphQL errors with a stable `extensions.code`.

use async_graphql::ErrorExtensions;
use stable_futures_persistence::PersistenceError;

/// Failures a GraphQL operation reports as errors (expected input mistakes in mutations are
/// `userErrors` instead, see `types::user_error`).
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a GraphQL error
/// without a code, and every error here must carry one.
#[derive(Debug)]
pub enum ApiError {
    Unauthenticated,
    Forbidden(&'static str),
    NotFound,
    BadUserInput(String),
    /// Ours, not the caller's: logged with the correlation id, shown only as the id.
    Internal {
        correlation_id: String,
    },
    /// The replica is at capacity: retry after the seconds in `Retry-After`.
    Busy,
    /// The database cannot take the request just now (down, restarting, failing over): retry
    /// after the seconds in `Retry-After`; a write with its idempotency key.
    DatabaseUnavailable,
    /// The caller's client holds its share of the replica already: retry after the seconds in
    /// `Retry-After`.
    RateLimited,
    /// The client's bucket of cost points holds less than the operation's cost: retry after the
    /// seconds in `Retry-After`.
    OverBudget,
    /// The request names a document its client has not registered, or (when only registered
    /// documents may run) sends a text that is not one.
    PersistedQueryNotFound,
}

impl ApiError {
    /// What the caller is told.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated => "authentication required".to_owned(),
            ApiError::Forbidden(scope) => format!("this operation needs the {scope} scope"),
            ApiError::NotFound => "not found".to_owned(),
            ApiError::BadUserInput(message) => message.clone(),
            ApiError::Internal { correlation_id } => {
                format!(
                    "internal error; quote correlation id {correlation_id} to the service operator"
                )
            }
            ApiError::Busy => {
                "the service is at capacity; retry after the seconds in Retry-After".to_owned()
            }
            ApiError::DatabaseUnavailable => {
                "the database is unavailable for a moment (a restart or failover); retry after \
                 the seconds in Retry-After (a write with the same idempotency key: it happens \
                 once however often it is sent)"
                    .to_owned()
            }
            ApiError::RateLimited => {
                "this client is running as many operations as it may at once; retry after the \
                 seconds in Retry-After"
                    .to_owned()
            }
            ApiError::OverBudget => {
                "this client has spent its cost points for now (extensions.cost says how many it \
                 holds); retry after the seconds in Retry-After"
                    .to_owned()
            }
            ApiError::PersistedQueryNotFound => {
                "this client has not registered this document: register it (`stable-futures \
                 documents add`) and send it by its id or its exact text"
                    .to_owned()
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound => "NOT_FOUND",
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
            ApiError::Internal { .. } => "INTERNAL",
            ApiError::Busy | ApiError::DatabaseUnavailable => "SERVICE_UNAVAILABLE",
            ApiError::RateLimited => "RATE_LIMITED",
            ApiError::OverBudget => "RATE_LIMITED",
            ApiError::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
        }
    }

    /// A database that cannot take requests just now: logged (see [`warn_unavailable`]), and
    /// answered `SERVICE_UNAVAILABLE`.
    pub fn unavailable(error: &dyn std::fmt::Display) -> Self {
        warn_unavailable(error);
        ApiError::DatabaseUnavailable
    }

    /// Logs an internal failure once, here, and returns what the caller may see.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        let correlation_id = uuid::Uuid::new_v4().to_string();
        tracing::error!(correlation_id = %correlation_id, error = %error, "internal error");
        ApiError::Internal { correlation_id }
    }
}

/// Logs that the database could not take a request: a warning, at most once every few seconds
/// however many requests meet it (it is one event, and it is not a bug), with how many did.
pub fn warn_unavailable(error: &dyn std::fmt::Display) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_LOGGED: AtomicU64 = AtomicU64::new(0);
    static UNLOGGED: AtomicU64 = AtomicU64::new(0);
    const EVERY_SECONDS: u64 = 5;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let last = LAST_LOGGED.load(Ordering::Relaxed);
    let due = now >= last.saturating_add(EVERY_SECONDS)
        && LAST_LOGGED
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
    if due {
        let also = UNLOGGED.swap(0, Ordering::Relaxed);
        tracing::warn!(error = %error, requests_since_last_warning = also, "database unavailable: answered SERVICE_UNAVAILABLE");
    } else {
        UNLOGGED.fetch_add(1, Ordering::Relaxed);
    }
}

impl From<PersistenceError> for ApiError {
    fn from(error: PersistenceError) -> Self {
        match error {
            PersistenceError::NotFound => ApiError::NotFound,
            PersistenceError::Invalid(errors) => ApiError::BadUserInput(
                errors
                    .0
                    .first()
                    .map_or_else(|| "invalid input".to_owned(), |e| e.message.clone()),
            ),
            other if other.is_unavailable() => ApiError::unavailable(&other),
            other => ApiError::internal(&other),
        }
    }
}

impl From<std::sync::Arc<PersistenceError>> for ApiError {
    fn from(error: std::sync::Arc<PersistenceError>) -> Self {
        match &*error {
            PersistenceError::NotFound => ApiError::NotFound,
            other if other.is_unavailable() => ApiError::unavailable(other),
            other => ApiError::internal(other),
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let ApiError::Internal { correlation_id } = self {
                extensions.set("correlationId", correlation_id.as_str());
            }
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.extend()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stable_futures_domain::{ErrorCode, FieldError};

    fn code_of(error: ApiError) -> String {
        let graphql = error.extend();
        let value = graphql
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|v| v.to_string())
            .unwrap_or_default();
        value.trim_matches('"').to_owned()
    }

    #[test]
    fn each_error_has_its_stable_code() {
        assert_eq!(code_of(ApiError::Unauthenticated), "UNAUTHENTICATED");
        assert_eq!(code_of(ApiError::Forbidden("children:read")), "FORBIDDEN");
        assert_eq!(code_of(ApiError::NotFound), "NOT_FOUND");
        assert_eq!(
            code_of(ApiError::BadUserInput("x".into())),
            "BAD_USER_INPUT"
        );
        assert_eq!(code_of(ApiError::internal(&"boom")), "INTERNAL");
        assert_eq!(code_of(ApiError::Busy), "SERVICE_UNAVAILABLE");
        assert_eq!(code_of(ApiError::RateLimited), "RATE_LIMITED");
        assert_eq!(code_of(ApiError::OverBudget), "RATE_LIMITED");
        assert_eq!(
            code_of(ApiError::PersistedQueryNotFound),
            "PERSISTED_QUERY_NOT_FOUND"
        );
    }

    #[test]
    fn persistence_errors_map_without_leaking_internals() {
        assert!(matches!(
            ApiError::from(PersistenceError::NotFound),
            ApiError::NotFound
        ));
        let invalid = PersistenceError::Invalid(
            FieldError::new("x", ErrorCode::InvalidFormat, "bad x").into(),
        );
        assert!(matches!(ApiError::from(invalid), ApiError::BadUserInput(m) if m == "bad x"));
        let internal = ApiError::from(PersistenceError::Corrupt {
            table: "children",
            column: "gender",
        });
        assert!(!internal.message().contains("children"));
        assert_eq!(code_of(internal), "INTERNAL");
        // A database that cannot be reached is retryable, and says so without its details.
        for unavailable in [
            ApiError::from(PersistenceError::Pool("password=secret host=db".into())),
            ApiError::from(std::sync::Arc::new(PersistenceError::Pool(
                "password=secret host=db".into(),
            ))),
        ] {
            assert!(!unavailable.message().contains("secret"));
            assert!(unavailable.message().contains("Retry-After"));
            assert!(matches!(unavailable, ApiError::DatabaseUnavailable));
            assert_eq!(code_of(unavailable), "SERVICE_UNAVAILABLE");
        }
        assert!(matches!(
            ApiError::from(std::sync::Arc::new(PersistenceError::NotFound)),
            ApiError::NotFound
        ));
    }
}
