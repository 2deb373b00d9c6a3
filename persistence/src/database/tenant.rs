//! The database as one principal sees it: tenant-scoped transactions, the request's shared
//! transaction, and the announcement of a committed write.

use std::sync::Arc;

use diesel::sql_types::{Bool, Text};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager,
};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Principal;
use tracing::Instrument as _;

use super::connection::{Connection, StatementCounter};
use super::pool::Database;
use super::wal::WalPosition;
use crate::error::{PersistenceError, Result};

/// The channel writers notify after a commit, with the local authority as the payload; the
/// change feed's listeners listen on it.
pub(crate) const CHANNEL: &str = "stable_futures_changes";

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
    /// With [`TenantDb::reading_from_standby`]: the shared transaction runs on a standby that
    /// has replayed this position (if any is named).
    standby: Option<Option<WalPosition>>,
    /// Where in the primary's log this handle's last write ended (its consistency token).
    committed: Arc<std::sync::Mutex<Option<WalPosition>>>,
    /// Whether a write through this handle committed (its position may be unknown: the primary
    /// went away right after the commit).
    wrote: Arc<std::sync::atomic::AtomicBool>,
}

impl Database {
    /// A handle that runs every query as `principal`'s local authority.
    pub fn for_principal(&self, principal: Arc<Principal>) -> TenantDb {
        TenantDb {
            database: self.clone(),
            principal,
            statements: Arc::new(StatementCounter::default()),
            shared: None,
            standby: None,
            committed: Arc::default(),
            wrote: Arc::default(),
        }
    }
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

    /// The same handle, its shared transaction (see [`TenantDb::sharing_one_transaction`]) on a
    /// standby when the database has standbys: one that has replayed `at_least` (a write the
    /// caller made, by its consistency token), else the primary. Only for queries: a standby
    /// takes no writes.
    pub fn reading_from_standby(mut self, at_least: Option<WalPosition>) -> Self {
        if self.database.has_standbys() {
            self.standby = Some(at_least);
        }
        self
    }

    /// Where in the primary's log this handle's last write ended: a standby that has replayed
    /// it shows the write. `None` before any write.
    pub fn committed_position(&self) -> Option<WalPosition> {
        *self
            .committed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a write through this handle committed.
    pub fn wrote(&self) -> bool {
        std::sync::atomic::AtomicBool::load(&self.wrote, std::sync::atomic::Ordering::SeqCst)
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
        self.write_transaction_for_two(callback, |_| None).await
    }

    /// [`TenantDb::write_transaction`] for a write that may also change another authority's
    /// feed (a step of a transfer): `other` names it from what was written, and both
    /// authorities' listeners are told.
    pub(crate) async fn write_transaction_for_two<R, F, O>(
        &self,
        callback: F,
        other: O,
    ) -> Result<R>
    where
        for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<R> + Work<'r, R> + Send,
        F: 'static,
        R: Send + 'static,
        O: FnOnce(&R) -> Option<LocalAuthorityCode> + Send + 'static,
    {
        let db = self.clone();
        let write = tokio::spawn(
            async move {
                let written = db.transaction(callback).await?;
                db.wrote.store(true, std::sync::atomic::Ordering::SeqCst);
                let position = db.announce_change(&db.principal.local_authority).await;
                if let Some(other) = other(&written) {
                    db.announce_change(&other).await;
                }
                if let Some(position) = position {
                    let mut committed = db
                        .committed
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    *committed = (*committed).max(Some(position));
                }
                Ok(written)
            }
            .in_current_span(),
        );
        match write.await {
            Ok(written) => written.map_err(child_gone),
            Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
            Err(cancelled) => Err(PersistenceError::Pool(cancelled.to_string())),
        }
    }

    /// `NOTIFY`, after the commit and outside any transaction: a transaction that notifies holds
    /// a database-wide lock through its commit, so notifying inside the writes would make every
    /// local authority's writes wait for each other's WAL flush. If it fails (or the process
    /// dies first), the change is committed all the same and subscribers find it when they next
    /// read the feed (at the latest after `FALLBACK_POLL`, in the API's notifications module).
    /// Also answers where the primary's log has been written to now, which is past the commit
    /// just made: its consistency token (`None` if announcing failed).
    async fn announce_change(&self, local_authority: &LocalAuthorityCode) -> Option<WalPosition> {
        #[derive(diesel::QueryableByName)]
        struct Written {
            #[diesel(sql_type = Text)]
            position: String,
        }
        let announced = async {
            let mut conn = self
                .database
                .connection(Some(self.statements.clone()))
                .await?;
            let written: Written = crate::prepared::prepared_sql(
                "SELECT pg_current_wal_lsn()::text AS position FROM (SELECT pg_notify($1, $2)) n",
            )
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(local_authority.as_str())
            .get_result(&mut *conn)
            .await?;
            Ok::<_, PersistenceError>(WalPosition::parse(&written.position))
        };
        match announced.await {
            Ok(position) => position,
            Err(error) => {
                tracing::warn!(error = %error, "announcing a committed change failed; subscribers will find it when they next read the feed");
                None
            }
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

/// A record written for a child that the caller's authority stopped holding while the write was
/// in flight (moved away by a transfer, or erased) fails its reference to the child: for the
/// caller that child does not exist, as if it never had.
fn child_gone(error: PersistenceError) -> PersistenceError {
    match &error {
        PersistenceError::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            info,
        )) if info
            .constraint_name()
            .is_some_and(|name| name.ends_with("_child_fk")) =>
        {
            PersistenceError::NotFound
        }
        _ => error,
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
                let standby = match self.standby {
                    Some(at_least) => {
                        self.database
                            .standby_connection(Some(self.statements.clone()), at_least)
                            .await
                    }
                    None => None,
                };
                let mut conn = match standby {
                    Some(conn) => conn,
                    None => {
                        self.database
                            .connection(Some(self.statements.clone()))
                            .await?
                    }
                };
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
