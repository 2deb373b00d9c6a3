//! The connection pool: building it, proving the database answers, taking connections.

use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{Hook, HookError};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::audit_writer::AuditWriter;
use super::connection::{database_name, establish, Connection, StatementCounter};
use super::wal::WalPosition;
use crate::error::{PersistenceError, Result};
use crate::framework_cache::FrameworkCache;

/// The connection pool. Knows nothing of tenants: every query goes through a [`TenantDb`]
/// (`Database::for_principal`), which cannot be built without a [`Principal`].
///
/// [`TenantDb`]: super::TenantDb
/// [`Principal`]: stable_futures_domain::principal::Principal
#[derive(Clone)]
pub struct Database {
    pool: Pool<AsyncPgConnection>,
    /// The database's name, for the `db.namespace` of statement spans.
    pub(super) namespace: Arc<str>,
    pub(crate) frameworks: FrameworkCache,
    /// For connections of their own (listening for changes); a secret: never printed.
    pub(crate) url: Arc<str>,
    /// Writes every request's read audit rows, several requests to a commit.
    pub(crate) audit_writer: AuditWriter,
    /// Standbys that queries read from (`DATABASE_READ_URL`), when there are any.
    standbys: Option<Standbys>,
}

/// Standbys for reads, and how long a read that names a write (its consistency token) waits for
/// one to have replayed it before it reads from the primary instead.
#[derive(Clone)]
struct Standbys {
    pool: Pool<AsyncPgConnection>,
    wait: Duration,
}

#[derive(diesel::QueryableByName)]
struct Replayed {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    position: Option<String>,
}

/// How often a read waiting for a standby asks how far it has replayed.
const REPLAY_POLL: Duration = Duration::from_millis(2);

fn build_pool(url: &str, settings: &PoolSettings) -> Result<Pool<AsyncPgConnection>> {
    // No `SELECT 1` each time a connection is taken from the pool: a statement per request
    // for nothing (docs/performance.md). A connection the server has closed (a restart, a
    // failover, an idle timeout) is still refused, since its client knows it is closed;
    // one whose network has silently died fails its request, and is then discarded.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(|url| Box::pin(establish(url.to_owned())));
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    let max_age = settings.max_connection_age;
    Pool::builder(manager)
        .max_size(settings.max_size)
        // A backend keeps the plans it made for the life of its session, foreign-key checks'
        // among them, planned against the statistics of the day it first ran them (a fresh
        // database's near-empty tables). A connection past its age is closed instead of being
        // handed out again, so no plan outlives the statistics it was made from by much more.
        .pre_recycle(Hook::sync_fn(move |_, metrics| {
            if metrics.age() >= max_age {
                Err(HookError::Message("the connection reached its age".into()))
            } else {
                Ok(())
            }
        }))
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(Duration::from_secs(10)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|error| PersistenceError::Pool(error.to_string()))
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
    /// How long the audit writer waits after a request's read rows arrive for other requests'
    /// rows to share the flush (as PostgreSQL's `commit_delay`): fewer commits under load, at
    /// most this much longer to every audited answer. Zero: flush at once, gathering only the
    /// rows that arrived during the previous flush.
    pub audit_gather: Duration,
    /// A connection this old is closed, and a new one made, the next time it would be handed
    /// out.
    pub max_connection_age: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            audit_gather: Duration::ZERO,
            max_connection_age: Duration::from_secs(30 * 60),
        }
    }
}

impl Database {
    /// Builds the pool and proves the database answers (the pool itself connects lazily, and a
    /// wrong URL should stop the server at start, not at the first request).
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Self> {
        let pool = build_pool(url, settings)?;
        let database = Self {
            pool,
            namespace: database_name(url).into(),
            frameworks: FrameworkCache::default(),
            url: url.into(),
            audit_writer: AuditWriter::start(url.to_owned(), settings.audit_gather),
            standbys: None,
        };
        database.ping().await?;
        Ok(database)
    }

    /// Queries read from the standbys at `url` (one or several hosts, e.g. with
    /// `target_session_attrs=read-only`); writes, the audit trail and notifications stay on the
    /// primary. A read that names a write waits up to `wait` for a standby to have replayed it,
    /// and otherwise reads from the primary; one that cannot get a standby connection (none up)
    /// reads from the primary too.
    pub async fn with_standbys(
        mut self,
        url: &str,
        settings: &PoolSettings,
        wait: Duration,
    ) -> Result<Self> {
        let pool = build_pool(url, settings)?;
        let mut conn = pool.get().await?;
        diesel::sql_query("SELECT 1").execute(&mut *conn).await?;
        drop(conn);
        self.standbys = Some(Standbys { pool, wait });
        Ok(self)
    }

    pub fn has_standbys(&self) -> bool {
        self.standbys.is_some()
    }

    /// A standby connection that has replayed `at_least` (when given), or `None`: read from the
    /// primary. A connection that turns out to be to a primary (a standby promoted meanwhile)
    /// has everything.
    pub(crate) async fn standby_connection(
        &self,
        statements: Option<Arc<StatementCounter>>,
        at_least: Option<WalPosition>,
    ) -> Option<Connection> {
        let standbys = self.standbys.as_ref()?;
        let mut conn = Connection(standbys.pool.get().await.ok()?);
        conn.retrace(statements, self.namespace.clone());
        let Some(at_least) = at_least else {
            return Some(conn);
        };
        let deadline = tokio::time::Instant::now() + standbys.wait;
        loop {
            let replayed: Replayed =
                diesel::sql_query("SELECT pg_last_wal_replay_lsn()::text AS position")
                    .get_result(&mut *conn)
                    .await
                    .ok()?;
            match replayed.position.as_deref().map(WalPosition::parse) {
                None => return Some(conn),
                Some(Some(position)) if position >= at_least => return Some(conn),
                _ if tokio::time::Instant::now() >= deadline => return None,
                _ => tokio::time::sleep(REPLAY_POLL).await,
            }
        }
    }

    /// How far behind the primary the standbys' replay is, as one of them says (for the
    /// metric): `None` without standbys or when none answers.
    pub async fn standby_replay_lag(&self) -> Option<Duration> {
        #[derive(diesel::QueryableByName)]
        struct Lag {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
            seconds: Option<f64>,
        }
        let standbys = self.standbys.as_ref()?;
        let mut conn = standbys.pool.get().await.ok()?;
        // Zero when the standby has replayed everything it received (an idle primary writes
        // nothing, and the last replayed commit's age is then no lag).
        let lag: Lag = diesel::sql_query(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
                    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8 \
                    AS seconds",
        )
        .get_result(&mut *conn)
        .await
        .ok()?;
        lag.seconds
            .map(|seconds| Duration::from_secs_f64(seconds.max(0.0)))
    }

    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.reference_connection().await?;
        diesel::sql_query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }

    /// A connection for reference data (local authorities, the outcome framework), which is the
    /// same for every tenant and protected by grants rather than row-level security.
    pub(crate) async fn reference_connection(&self) -> Result<Connection> {
        self.connection(None).await
    }

    /// A pooled connection whose statements are traced (as children of the current span) and,
    /// with `statements`, counted.
    pub(crate) async fn connection(
        &self,
        statements: Option<Arc<StatementCounter>>,
    ) -> Result<Connection> {
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
