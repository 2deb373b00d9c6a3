//! A pooled connection whose statements are traced, one span each, and counted per request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};

use crate::error::Result;

/// A pooled connection that forgets its tracing parent when it goes back to the pool: the
/// pool's health check when it is next taken belongs to no request.
pub(crate) struct Connection(pub(super) Object<AsyncPgConnection>);

impl std::ops::Deref for Connection {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.0
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connection")
    }
}

impl Connection {
    /// Traces the next statements as children of the current span (a shared connection serves
    /// several resolvers and batches in turn).
    pub(super) fn retrace(
        &mut self,
        statements: Option<Arc<StatementCounter>>,
        namespace: Arc<str>,
    ) {
        self.0.set_instrumentation(TraceStatements {
            statements,
            parent: tracing::Span::current(),
            namespace,
            current: None,
        });
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.set_instrumentation(Detached);
    }
}

/// Counts the SQL statements one request runs, so tests and metrics can prove that a nested page
/// costs a constant number of statements.
#[derive(Debug, Default)]
pub struct StatementCounter(AtomicUsize);

impl StatementCounter {
    pub fn get(&self) -> usize {
        AtomicUsize::load(&self.0, Ordering::Relaxed)
    }
}

/// One `tracing` span per SQL statement, a child of the span that took the connection, following
/// the OpenTelemetry database conventions.
///
/// The statement's text is read only when it finishes: at the start diesel describes a query with
/// its bound values appended (`… -- binds: [...]`), and bound values are children's data. At the
/// finish it gives the SQL alone, with `$1` placeholders. A failed statement is marked by the
/// kind of error only: PostgreSQL's messages can quote values (`Key (x)=(…) already exists`).
struct TraceStatements {
    statements: Option<Arc<StatementCounter>>,
    parent: tracing::Span,
    namespace: Arc<str>,
    current: Option<tracing::Span>,
}

impl Instrumentation for TraceStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                if let Some(statements) = &self.statements {
                    statements.0.fetch_add(1, Ordering::Relaxed);
                }
                self.current = Some(tracing::info_span!(
                    target: "stable_futures_persistence::sql",
                    parent: &self.parent,
                    "db.statement",
                    otel.name = tracing::field::Empty,
                    otel.kind = "client",
                    otel.status_code = tracing::field::Empty,
                    db.system.name = "postgresql",
                    db.namespace = &*self.namespace,
                    db.operation.name = tracing::field::Empty,
                    db.query.text = tracing::field::Empty,
                    error.type = tracing::field::Empty,
                ));
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let Some(span) = self.current.take() else {
                    return;
                };
                if span.is_disabled() {
                    return;
                }
                let text = query.to_string();
                let operation = text
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                span.record("otel.name", operation.as_str());
                span.record("db.operation.name", operation.as_str());
                span.record("db.query.text", text.as_str());
                if let Some(error) = error {
                    span.record("otel.status_code", "ERROR");
                    span.record("error.type", error_kind(error));
                }
            }
            _ => {}
        }
    }
}

/// A failed statement's kind, never its message.
fn error_kind(error: &diesel::result::Error) -> &'static str {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(kind, _) => match kind {
            DatabaseErrorKind::UniqueViolation => "unique_violation",
            DatabaseErrorKind::ForeignKeyViolation => "foreign_key_violation",
            DatabaseErrorKind::CheckViolation => "check_violation",
            DatabaseErrorKind::NotNullViolation => "not_null_violation",
            DatabaseErrorKind::SerializationFailure => "serialization_failure",
            DatabaseErrorKind::ClosedConnection => "closed_connection",
            _ => "database_error",
        },
        Error::NotFound => "not_found",
        _ => "diesel_error",
    }
}

/// Traces a connection of the server's own (not pooled), its statements children of `parent`
/// and counted by no request.
pub(crate) fn trace_own(conn: &mut AsyncPgConnection, parent: tracing::Span, namespace: Arc<str>) {
    conn.set_instrumentation(TraceStatements {
        statements: None,
        parent,
        namespace,
        current: None,
    });
}

/// Stops tracing a connection of the server's own, so that it holds no span between uses (a
/// span is exported only once nothing holds it).
pub(crate) fn untrace_own(conn: &mut AsyncPgConnection) {
    conn.set_instrumentation(Detached);
}

/// What a connection does once it is back in the pool: nothing.
struct Detached;

impl Instrumentation for Detached {
    fn on_connection_event(&mut self, _event: InstrumentationEvent<'_>) {}
}

/// How long PostgreSQL lets one of our connections sit in an open transaction before it ends the
/// session: a backstop for a transaction its request abandoned (writes run to their end anyway,
/// see [`super::TenantDb::write_transaction`]). Every transaction of ours is a handful of statements.
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "30s";

/// A connection of the server's own, outside the pool, set up as pooled ones are.
pub(crate) async fn establish_own(url: &str) -> Result<AsyncPgConnection> {
    Ok(establish(url.to_owned()).await?)
}

/// A new pooled connection, with the idle-in-transaction backstop set for its session.
pub(super) async fn establish(url: String) -> diesel::ConnectionResult<AsyncPgConnection> {
    let mut conn = AsyncPgConnection::establish(&url).await?;
    diesel::sql_query(format!(
        "SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
    ))
    .execute(&mut conn)
    .await
    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// The database name of a `postgres://…/name?…` URL (empty if it names none).
pub(super) fn database_name(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .split_once('/')
        .map(|(_, path)| path.split(['?', '#']).next().unwrap_or_default())
        .unwrap_or_default()
        .to_owned()
}
