use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::Text;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::principal::Principal;

use crate::error::{PersistenceError, Result};

/// The connection pool. Knows nothing of tenants: every query goes through a [`TenantDb`], which
/// cannot be built without a [`Principal`].
#[derive(Clone)]
pub struct Database {
    pool: Pool<AsyncPgConnection>,
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

impl Database {
    /// Builds the pool and proves the database answers (the pool itself connects lazily, and a
    /// wrong URL should stop the server at start, not at the first request).
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Self> {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
        let pool = Pool::builder(manager)
            .max_size(settings.max_size)
            .wait_timeout(Some(settings.wait_timeout))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|error| PersistenceError::Pool(error.to_string()))?;
        let database = Self { pool };
        database.ping().await?;
        Ok(database)
    }

    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.get().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }

    /// A handle that runs every query as `principal`'s local authority.
    pub fn for_principal(&self, principal: Arc<Principal>) -> TenantDb {
        TenantDb {
            database: self.clone(),
            principal,
            statements: Arc::new(StatementCounter::default()),
        }
    }

    /// A connection for reference data (local authorities, the outcome framework), which is the
    /// same for every tenant and protected by grants rather than row-level security.
    pub(crate) async fn reference_connection(&self) -> Result<Object<AsyncPgConnection>> {
        Ok(self.pool.get().await?)
    }

    pub fn pool_status(&self) -> deadpool::Status {
        self.pool.status()
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

struct CountStatements(Arc<StatementCounter>);

/// What a connection counts once it is back in the pool: nothing. (The pool's health check when
/// the connection is next taken belongs to no request.)
struct Detached;

impl Instrumentation for Detached {
    fn on_connection_event(&mut self, _event: InstrumentationEvent<'_>) {}
}

impl Instrumentation for CountStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0 .0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The database as one principal sees it. Every method runs in a transaction that sets
/// `app.local_authority`, so row-level security confines it a second time even if a query forgot
/// its tenant filter.
#[derive(Debug, Clone)]
pub struct TenantDb {
    pub(crate) database: Database,
    pub(crate) principal: Arc<Principal>,
    statements: Arc<StatementCounter>,
}

impl TenantDb {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Statements run through this handle so far.
    pub fn statements(&self) -> &Arc<StatementCounter> {
        &self.statements
    }

    /// Runs `callback` in a transaction scoped to the principal's local authority.
    pub(crate) async fn transaction<R, F>(&self, callback: F) -> Result<R>
    where
        for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        R: Send,
    {
        let mut conn = self.database.pool.get().await?;
        conn.set_instrumentation(CountStatements(self.statements.clone()));
        let local_authority = self.principal.local_authority.as_str().to_owned();
        let result = conn
            .transaction(async move |conn| {
                diesel::sql_query("SELECT set_config('app.local_authority', $1, true)")
                    .bind::<Text, _>(local_authority)
                    .execute(conn)
                    .await?;
                callback(conn).await
            })
            .await;
        conn.set_instrumentation(Detached);
        result
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
