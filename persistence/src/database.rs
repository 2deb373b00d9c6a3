use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::{Bool, Text};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager,
};
use stable_futures_domain::principal::Principal;
use tracing::Instrument as _;

use crate::error::{PersistenceError, Result};
use crate::frameworks::FrameworkCache;

/// The connection pool. Knows nothing of tenants: every query goes through a [`TenantDb`], which
/// cannot be built without a [`Principal`].
#[derive(Clone)]
pub struct Database {
    pool: Pool<AsyncPgConnection>,
    /// The database's name, for the `db.namespace` of statement spans.
    namespace: Arc<str>,
    pub(crate) frameworks: FrameworkCache,
    /// For connections of their own (listening for changes); a secret: never printed.
    pub(crate) url: Arc<str>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("Database")
            .field("size", &status.size)
            .field("available", &status.available)
            .finish()
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// How long a request may wait for a free connection.
    pub wait_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
        }
    }
}

/// How long PostgreSQL lets one of our connections sit in an open transaction before it ends the
/// session: a backstop for a transaction its request abandoned (writes run to their end anyway,
/// see [`TenantDb::write_transaction`]). Every transaction of ours is a handful of statements.
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "30s";

/// A new pooled connection, with the idle-in-transaction backstop set for its session.
async fn establish(url: String) -> diesel::ConnectionResult<AsyncPgConnection> {
    use diesel_async::AsyncConnection as _;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    diesel::sql_query(format!(
        "SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
    ))
    .execute(&mut conn)
    .await
    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

impl Database {
    /// Builds the pool and proves the database answers (the pool itself connects lazily, and a
    /// wrong URL should stop the server at start, not at the first request).
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Self> {
        // No `SELECT 1` each time a connection is taken from the pool: a statement per request
        // for nothing (docs/performance.md). A connection the server has closed (a restart, a
        // failover, an idle timeout) is still refused, since its client knows it is closed;
        // one whose network has silently died fails its request, and is then discarded.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        config.custom_setup = Box::new(|url| Box::pin(establish(url.to_owned())));
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
        let pool = Pool::builder(manager)
            .max_size(settings.max_size)
            .wait_timeout(Some(settings.wait_timeout))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|error| PersistenceError::Pool(error.to_string()))?;
        let database = Self {
            pool,
            namespace: database_name(url).into(),
            frameworks: FrameworkCache::default(),
            url: url.into(),
        };
        database.ping().await?;
        Ok(database)
    }

    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.reference_connection().await?;
        diesel::sql_query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }

    /// A handle that runs every query as `principal`'s local authority.
    pub fn for_principal(&self, principal: Arc<Principal>) -> TenantDb {
        TenantDb {
            database: self.clone(),
            principal,
            statements: Arc::new(StatementCounter::default()),
            shared: None,
        }
    }

    /// A connection for reference data (local authorities, the outcome framework), which is the
    /// same for every tenant and protected by grants rather than row-level security.
    pub(crate) async fn reference_connection(&self) -> Result<Connection> {
        self.connection(None).await
    }

    /// A pooled connection whose statements are traced (as children of the current span) and,
    /// with `statements`, counted.
    async fn connection(&self, statements: Option<Arc<StatementCounter>>) -> Result<Connection> {
        let mut conn = Connection(self.pool.get().await?);
        conn.retrace(statements, self.namespace.clone());
        Ok(conn)
    }

    pub fn pool_status(&self) -> deadpool::Status {
        self.pool.status()
    }

    /// Stops handing out connections and closes the idle ones (at shutdown).
    pub fn close(&self) {
        self.pool.close();
    }
}

/// A pooled connection that forgets its tracing parent when it goes back to the pool: the
/// pool's health check when it is next taken belongs to no request.
pub(crate) struct Connection(Object<AsyncPgConnection>);

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
    fn retrace(&mut self, statements: Option<Arc<StatementCounter>>, namespace: Arc<str>) {
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

/// The database name of a `postgres://…/name?…` URL (empty if it names none).
fn database_name(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .split_once('/')
        .map(|(_, path)| path.split(['?', '#']).next().unwrap_or_default())
        .unwrap_or_default()
        .to_owned()
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

/// What a connection does once it is back in the pool: nothing.
struct Detached;

impl Instrumentation for Detached {
    fn on_connection_event(&mut self, _event: InstrumentationEvent<'_>) {}
}

/// The database as one principal sees it. Every method runs in a transaction that sets
/// `app.local_authority`, so row-level security confines it a second time even if a query forgot
/// its tenant filter.
#[derive(Debug, Clone)]
pub struct TenantDb {
    pub(crate) database: Database,
    pub(crate) principal: Arc<Principal>,
    statements: Arc<StatementCounter>,
    /// With [`TenantDb::sharing_one_transaction`]: the one transaction every call of this
    /// request runs in, opened by the first.
    shared: Option<Arc<tokio::sync::Mutex<Option<Connection>>>>,
}

impl TenantDb {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Statements run through this handle so far.
    pub fn statements(&self) -> &Arc<StatementCounter> {
        &self.statements
    }

    /// The same handle, but every call runs in one transaction, opened by the first call and
    /// ended by [`TenantDb::commit_shared`]: for a query, whose many reads would otherwise each
    /// pay for `BEGIN`, the tenant setting and `COMMIT`. Only for operations that do not write
    /// through another handle meanwhile (queries; a mutation's writes would need a second
    /// connection while this one is held).
    ///
    /// A request that ends without committing returns a connection with an open transaction,
    /// which the pool discards rather than reuses.
    pub fn sharing_one_transaction(mut self) -> Self {
        self.shared = Some(Arc::new(tokio::sync::Mutex::new(None)));
        self
    }

    /// Commits the shared transaction, if one is open (see
    /// [`TenantDb::sharing_one_transaction`]).
    pub async fn commit_shared(&self) -> Result<()> {
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        let Some(mut conn) = shared.lock().await.take() else {
            return Ok(());
        };
        conn.retrace(
            Some(self.statements.clone()),
            self.database.namespace.clone(),
        );
        AnsiTransactionManager::commit_transaction(&mut *conn).await?;
        Ok(())
    }

    /// Runs `callback` on reference data (the same for every tenant): in the shared transaction
    /// if there is one, else on a connection of its own without a transaction.
    pub(crate) async fn reference<R, F>(&self, callback: F) -> Result<R>
    where
        for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        R: Send,
    {
        if let Some(shared) = &self.shared {
            return self.in_shared(shared, callback).await;
        }
        let mut conn = self.database.reference_connection().await?;
        callback(&mut conn).await
    }

    /// [`TenantDb::transaction`] for a write, which records a change in the feed: once it has
    /// committed, listening server replicas are told (see [`TenantDb::announce_change`]).
    ///
    /// The write runs in a task of its own, to its commit or rollback, even if the request that
    /// asked for it is cancelled (its client went away, it timed out): dropped halfway, it would
    /// leave its pooled connection idle in an open transaction, holding its row locks and its
    /// authority's feed lock until that connection was next taken from the pool, and every
    /// other write of the authority would wait for it.
    pub(crate) async fn write_transaction<R, F>(&self, callback: F) -> Result<R>
    where
        for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        F: 'static,
        R: Send + 'static,
    {
        let db = self.clone();
        let write = tokio::spawn(
            async move {
                let written = db.transaction(callback).await?;
                db.announce_change().await;
                Ok(written)
            }
            .in_current_span(),
        );
        match write.await {
            Ok(written) => written,
            Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
            Err(cancelled) => Err(PersistenceError::Pool(cancelled.to_string())),
        }
    }

    /// `NOTIFY`, after the commit and outside any transaction: a transaction that notifies holds
    /// a database-wide lock through its commit, so notifying inside the writes would make every
    /// local authority's writes wait for each other's WAL flush. If it fails (or the process
    /// dies first), the change is committed all the same and subscribers find it when they next
    /// read the feed (at the latest after `FALLBACK_POLL`, in the API's notifications module).
    async fn announce_change(&self) {
        let announced = async {
            let mut conn = self
                .database
                .connection(Some(self.statements.clone()))
                .await?;
            crate::prepared::prepared_sql("SELECT pg_notify($1, $2)")
                .bind::<Text, _>(crate::changes::CHANNEL)
                .bind::<Text, _>(self.principal.local_authority.as_str())
                .execute(&mut *conn)
                .await?;
            Ok::<_, PersistenceError>(())
        };
        if let Err(error) = announced.await {
            tracing::warn!(error = %error, "announcing a committed change failed; subscribers will find it when they next read the feed");
        }
    }

    /// Runs `callback` in a transaction scoped to the principal's local authority: its own, or
    /// the request's shared one.
    pub(crate) async fn transaction<R, F>(&self, callback: F) -> Result<R>
    where
        for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        R: Send,
    {
        if let Some(shared) = &self.shared {
            return self.in_shared(shared, callback).await;
        }
        let mut conn = self
            .database
            .connection(Some(self.statements.clone()))
            .await?;
        let principal = self.principal.clone();
        conn.transaction(async move |conn| {
            set_tenant(conn, &principal).await?;
            callback(conn).await
        })
        .await
    }
}

/// Confines the rest of the transaction to `principal`'s local authority (row-level security
/// reads the setting; `true`: it ends with the transaction).
async fn set_tenant(conn: &mut AsyncPgConnection, principal: &Principal) -> Result<()> {
    // Written with diesel's DSL rather than as raw SQL so that it is a prepared statement the
    // connection keeps: every request runs it, and raw SQL is parsed and planned each time.
    diesel::select(set_config(
        "app.local_authority",
        principal.local_authority.as_str(),
        true,
    ))
    .execute(conn)
    .await?;
    Ok(())
}

diesel::define_sql_function! {
    /// PostgreSQL's `set_config(setting, value, is_local)`.
    fn set_config(setting: Text, value: Text, is_local: Bool) -> Text;
}

impl TenantDb {
    async fn in_shared<R, F>(
        &self,
        shared: &tokio::sync::Mutex<Option<Connection>>,
        callback: F,
    ) -> Result<R>
    where
        for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        R: Send,
    {
        let mut guard = shared.lock().await;
        let mut conn = match guard.take() {
            Some(mut conn) => {
                conn.retrace(
                    Some(self.statements.clone()),
                    self.database.namespace.clone(),
                );
                conn
            }
            None => {
                let mut conn = self
                    .database
                    .connection(Some(self.statements.clone()))
                    .await?;
                AnsiTransactionManager::begin_transaction(&mut *conn).await?;
                set_tenant(&mut conn, &self.principal).await?;
                conn
            }
        };
        match callback(&mut conn).await {
            Ok(value) => {
                *guard = Some(conn);
                Ok(value)
            }
            // A failed statement aborts the transaction: end it; the next call opens another.
            Err(error) => {
                let _ = AnsiTransactionManager::rollback_transaction(&mut *conn).await;
                Err(error)
            }
        }
    }
}

/// Work done inside a tenant transaction: an async closure over the connection whose future is
/// `Send`, so that resolvers running it can move between threads.
pub(crate) trait Work<'r, R>:
    FnOnce(&'r mut AsyncPgConnection) -> <Self as Work<'r, R>>::Fut
{
    type Fut: std::future::Future<Output = Result<R>> + Send;
}

impl<'r, R, F, Fut> Work<'r, R> for F
where
    F: FnOnce(&'r mut AsyncPgConnection) -> Fut,
    Fut: std::future::Future<Output = Result<R>> + Send,
{
    type Fut = Fut;
}
