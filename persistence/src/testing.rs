//! Databases for tests: one PostgreSQL cluster per test process (a private one started with the
//! embedded launcher, or the server at `DATABASE_URL`), a template migrated once per process, and
//! a fresh database per test copied from it, so tests run in parallel without seeing each other.
//!
//! Only with the `testing` feature, which the test crates' dev-dependencies turn on: none of this
//! is part of the server.
//!
//! On a shared server (`DATABASE_URL`), many test processes at once (nextest runs one a test) use
//! the same login role for the server's side. Its password is derived from the server's admin URL
//! rather than drawn at random, so that every process sets the same one: a process that set its
//! own would lock out the processes already connecting with theirs.

use std::sync::OnceLock;

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use stable_futures_domain::local_authority::{LocalAuthority, LocalAuthorityCode};

use crate::embedded::{sweep_leftovers, EmbeddedOptions, EmbeddedPostgres};
use crate::local_authorities::upsert_local_authority;
use crate::migrations::{provision_server_role, run_migrations, APP_ROLE};

/// The two local authorities a test database serves when made with
/// [`TestDatabase::serving_two_authorities`]: two, so every test can check that one never sees
/// the other's data.
pub const ISLINGTON: &str = "E09000019";
pub const CAMDEN: &str = "E09000007";

/// Login role the server uses in tests.
const TEST_SERVER_ROLE: &str = "sf_test_server";

struct Cluster {
    // Kept for the life of the process; the launcher stops PostgreSQL when the process ends.
    _embedded: Option<EmbeddedPostgres>,
    /// `postgres://user:password@host:port` of a role that may create databases and roles.
    admin_base: String,
    /// `host:port`
    address: String,
    template: String,
    server_password: String,
    external: bool,
    /// Appended to every URL after the database name: `?target_session_attrs=read-write` for
    /// a cluster of several hosts, empty otherwise.
    query: String,
}

/// A database of its own for one test.
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
    /// As the schema owner (superuser in the private cluster): for setting up fixtures that the
    /// server's role may not write, such as local authorities.
    pub owner_url: String,
    /// As the server's own role: no ownership, no way around row-level security.
    pub app_url: String,
    external: bool,
    admin_base: String,
    query: String,
}

fn split_url(url: &str) -> Option<(String, String)> {
    // postgres://user:password@host:port/database?options
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let (authority, _) = rest.split_once('/').unwrap_or((rest, ""));
    let (_, address) = authority.rsplit_once('@')?;
    Some((format!("postgres://{authority}"), address.to_owned()))
}

/// A new folder name under the temporary directory for one cluster of this process:
/// `<prefix>-<pid>-<random>` (the pid lets a later run sweep what a killed one left).
fn scratch_root(prefix: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        Alphanumeric
            .sample_string(&mut rand::rng(), 6)
            .to_lowercase()
    ))
}

/// The test server role's password on the server reached with `admin_base`: the same in every
/// process that knows that URL (which holds a superuser's password, so nobody else can derive
/// it), and alphanumeric as `provision_server_role` requires.
fn server_password(admin_base: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"stable-futures test server role\0")
        .chain_update(TEST_SERVER_ROLE.as_bytes())
        .chain_update(b"\0")
        .chain_update(admin_base.as_bytes())
        .finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn start_cluster() -> Result<Cluster, String> {
    let template = format!("sf_template_{}", std::process::id());
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Cluster::on_server(&url, template),
        _ => Cluster::private(template),
    }
}

impl Cluster {
    /// A cluster at `url`, a server shared with other test processes.
    fn on_server(url: &str, template: String) -> Result<Cluster, String> {
        let (admin_base, address) = split_url(url)
            .ok_or("DATABASE_URL must look like postgres://user:password@host:port/db")?;
        Self::prepare(None, admin_base, address, template, true, String::new())
    }

    /// A private cluster of this process's own, removed with it.
    fn private(template: String) -> Result<Cluster, String> {
        let parent = std::env::temp_dir();
        sweep_leftovers(&parent, "sf-test-");
        let root = scratch_root("sf-test");
        let embedded = EmbeddedPostgres::start(EmbeddedOptions {
            root,
            ephemeral: true,
            port: None,
        })
        .map_err(|error| format!("could not start a private PostgreSQL for tests: {error}"))?;
        let (admin_base, address) =
            split_url(&embedded.superuser_url("postgres")).ok_or("unexpected superuser URL")?;
        Self::prepare(
            Some(embedded),
            admin_base,
            address,
            template,
            false,
            String::new(),
        )
    }

    /// Migrates a template database and provisions the server's role.
    fn prepare(
        embedded: Option<EmbeddedPostgres>,
        admin_base: String,
        address: String,
        template: String,
        external: bool,
        query: String,
    ) -> Result<Cluster, String> {
        let server_password = server_password(&admin_base);
        let setup = {
            let admin_base = admin_base.clone();
            let template = template.clone();
            let query = query.clone();
            let server_password = server_password.clone();
            // The template is built on a runtime of its own: callers may be inside any runtime, or none.
            std::thread::spawn(move || -> Result<(), String> {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(async move {
                    let mut admin =
                        AsyncPgConnection::establish(&format!("{admin_base}/postgres{query}"))
                            .await
                            .map_err(|e| e.to_string())?;
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS {template}"))
                        .execute(&mut admin)
                        .await
                        .map_err(|e| e.to_string())?;
                    diesel::sql_query(format!("CREATE DATABASE {template}"))
                        .execute(&mut admin)
                        .await
                        .map_err(|e| e.to_string())?;
                    ensure_app_role(&mut admin)
                        .await
                        .map_err(|e| e.to_string())?;
                    run_migrations(&format!("{admin_base}/{template}{query}"))
                        .await
                        .map_err(|e| e.to_string())?;
                    provision_server_role(&mut admin, TEST_SERVER_ROLE, &server_password)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(())
                })
            })
            .join()
            .map_err(|_| "template setup panicked".to_owned())?
        };
        setup?;
        Ok(Cluster {
            _embedded: embedded,
            admin_base,
            address,
            template,
            server_password,
            external,
            query,
        })
    }
}

impl Cluster {
    async fn create_database(&self) -> TestDatabase {
        let cluster = self;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&format!(
            "{}/postgres{}",
            cluster.admin_base, cluster.query
        ))
        .await
        .unwrap_or_else(|error| panic!("admin connection failed: {error}"));
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {}",
            cluster.template
        ))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| panic!("could not create test database: {error}"));
        TestDatabase {
            owner_url: format!("{}/{name}{}", cluster.admin_base, cluster.query),
            app_url: format!(
                "postgres://{TEST_SERVER_ROLE}:{}@{}/{name}{}",
                cluster.server_password, cluster.address, cluster.query
            ),
            name,
            external: cluster.external,
            admin_base: cluster.admin_base.clone(),
            query: cluster.query.clone(),
        }
    }
}

/// The first migration creates [`APP_ROLE`] when it is missing; two processes migrating their
/// templates at once on a new server would both create it, and one would fail. Roles belong to
/// the server, not to a database: created here first, one process at a time (the same lock as
/// [`provision_server_role`]'s).
async fn ensure_app_role(admin: &mut AsyncPgConnection) -> Result<(), diesel::result::Error> {
    admin
        .transaction(async |conn| {
            diesel::sql_query(
                "SELECT pg_advisory_xact_lock(hashtext('provision_server_role:' || $1))",
            )
            .bind::<Text, _>(APP_ROLE)
            .execute(conn)
            .await?;
            let missing: Vec<RoleCount> = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_roles WHERE rolname = $1 HAVING count(*) = 0",
            )
            .bind::<Text, _>(APP_ROLE)
            .load(conn)
            .await?;
            if !missing.is_empty() {
                diesel::sql_query(format!(
                    "CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                ))
                .execute(conn)
                .await?;
            }
            // The roles for reports across authorities (see the aggregate_reports migration) and
            // for moving a child between them (the transfers migration), and their memberships,
            // for the same reason.
            for role in [
                "stable_futures_aggregate",
                "stable_futures_aggregate_switch",
                "stable_futures_transfer",
            ] {
                let missing: Vec<RoleCount> = diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_roles WHERE rolname = $1 HAVING count(*) = 0",
                )
                .bind::<Text, _>(role)
                .load(conn)
                .await?;
                if !missing.is_empty() {
                    diesel::sql_query(format!(
                        "CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"
                    ))
                    .execute(conn)
                    .await?;
                }
            }
            diesel::sql_query(
                "GRANT stable_futures_aggregate TO stable_futures_aggregate_switch",
            )
            .execute(conn)
            .await?;
            diesel::sql_query(format!("GRANT stable_futures_aggregate_switch TO {APP_ROLE}"))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
}

#[derive(diesel::QueryableByName)]
struct RoleCount {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    #[allow(dead_code)]
    n: i64,
}

fn cluster() -> &'static Cluster {
    // One cluster per test process, shared by every test in it: a process-lifetime resource, not
    // application state.
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start_cluster) {
        Ok(cluster) => cluster,
        Err(error) => panic!("test database cluster unavailable: {error}"),
    }
}

impl TestDatabase {
    /// A new database with the current schema, the default outcome framework and no data.
    pub async fn create() -> TestDatabase {
        cluster().create_database().await
    }

    /// [`TestDatabase::create`], serving Islington and Camden (reference data that only the
    /// schema owner may write).
    pub async fn serving_two_authorities() -> TestDatabase {
        TestDatabase::create().await.with_two_authorities().await
    }

    /// A database serving Islington and Camden on a cluster of several hosts that fail over (a
    /// Patroni cluster): `admin_base` is `postgres://superuser:password@host:port,host:port,…`,
    /// `address` the `host:port,…` list, and every URL asks for the writable one
    /// (`target_session_attrs=read-write`), as a server's `DATABASE_URL` for a cluster does.
    pub async fn on_cluster_of_hosts(admin_base: &str, address: &str) -> TestDatabase {
        let (admin_base, address) = (admin_base.to_owned(), address.to_owned());
        let cluster = Cluster::prepare(
            None,
            admin_base,
            address,
            "sf_template_ha".to_owned(),
            true,
            "?target_session_attrs=read-write".to_owned(),
        )
        .unwrap_or_else(|error| panic!("could not prepare the cluster: {error}"));
        cluster.create_database().await.with_two_authorities().await
    }

    /// Makes the database serve one more authority (e.g. a Scottish one, for a move into another
    /// nation).
    pub async fn serve(&self, code: &str, name: &str) {
        let mut owner = AsyncPgConnection::establish(&self.owner_url)
            .await
            .unwrap_or_else(|error| panic!("owner connection failed: {error}"));
        let authority = LocalAuthority {
            code: LocalAuthorityCode::parse(code).expect("a valid GSS code"),
            name: name.to_owned(),
        };
        upsert_local_authority(&mut owner, &authority)
            .await
            .unwrap_or_else(|error| panic!("could not register {name}: {error}"));
    }

    async fn with_two_authorities(self) -> TestDatabase {
        for (code, name) in [(ISLINGTON, "Islington"), (CAMDEN, "Camden")] {
            self.serve(code, name).await;
        }
        self
    }

    /// Runs `sql` (statements separated by `;`) as the server's role, as it is: `None` when it
    /// succeeds, else PostgreSQL's message.
    pub async fn app_query_error(&self, sql: &str) -> Option<String> {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = AsyncPgConnection::establish(&self.app_url)
            .await
            .unwrap_or_else(|error| panic!("server role connection failed: {error}"));
        conn.batch_execute(sql)
            .await
            .err()
            .map(|error| error.to_string())
    }

    /// Opens a transaction as the owner, runs `sql` in it (e.g. a `LOCK TABLE` that makes the
    /// server's reads wait) and holds it open until [`HeldTransaction::end`].
    pub async fn owner_hold(&self, sql: &str) -> HeldTransaction {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = AsyncPgConnection::establish(&self.owner_url)
            .await
            .unwrap_or_else(|error| panic!("owner connection failed: {error}"));
        conn.batch_execute(&format!("BEGIN; {sql}"))
            .await
            .unwrap_or_else(|error| panic!("owner statement failed: {error}"));
        HeldTransaction { conn }
    }

    /// Runs one statement as the owner (e.g. to take a privilege away from the server's role).
    pub async fn owner_execute(&self, sql: &str) {
        let mut conn = AsyncPgConnection::establish(&self.owner_url)
            .await
            .unwrap_or_else(|error| panic!("owner connection failed: {error}"));
        diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|error| panic!("owner statement failed: {error}"));
    }

    /// Runs one single-column query as the owner and returns each row's value as text.
    pub async fn owner_query(&self, sql: &str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Value {
            #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
            value: Option<String>,
        }
        let mut conn = AsyncPgConnection::establish(&self.owner_url)
            .await
            .unwrap_or_else(|error| panic!("owner connection failed: {error}"));
        let rows: Vec<Value> =
            diesel::sql_query(format!("SELECT q.c::text AS value FROM ({sql}) AS q(c)"))
                .load(&mut conn)
                .await
                .unwrap_or_else(|error| panic!("owner query failed: {error}"));
        rows.into_iter()
            .map(|row| row.value.unwrap_or_default())
            .collect()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // A private cluster disappears with the process; on a shared server, clean up after us.
        if !self.external {
            return;
        }
        let admin = format!("{}/postgres{}", self.admin_base, self.query);
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin).await {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
    }
}

/// A durable PostgreSQL cluster of one test's own (`fsync` on, on a port it keeps), for tests
/// that kill PostgreSQL under the server and start it again; removed when dropped. (The shared
/// cluster of [`TestDatabase::create`] skips `fsync`, and other tests use it.)
pub struct RestartableCluster {
    root: std::path::PathBuf,
    port: u16,
    embedded: Option<EmbeddedPostgres>,
}

impl std::fmt::Debug for RestartableCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestartableCluster")
            .field("port", &self.port)
            .field("running", &self.embedded.is_some())
            .finish()
    }
}

impl RestartableCluster {
    /// Starts one, with a database serving Islington and Camden.
    pub async fn start() -> (RestartableCluster, TestDatabase) {
        let root = scratch_root("sf-restartable");
        let embedded = EmbeddedPostgres::start(EmbeddedOptions {
            root: root.clone(),
            ephemeral: false,
            port: None,
        })
        .unwrap_or_else(|error| panic!("could not start a PostgreSQL of the test's own: {error}"));
        let port = embedded.port();
        let (admin_base, address) =
            split_url(&embedded.superuser_url("postgres")).expect("a superuser URL");
        let restartable = RestartableCluster {
            root,
            port,
            embedded: Some(embedded),
        };
        let cluster = Cluster::prepare(
            None,
            admin_base,
            address,
            "sf_template_restartable".to_owned(),
            false,
            String::new(),
        )
        .unwrap_or_else(|error| panic!("could not prepare the cluster: {error}"));
        let database = cluster.create_database().await.with_two_authorities().await;
        (restartable, database)
    }

    /// SIGKILL to the postmaster (see [`EmbeddedPostgres::kill`]).
    pub fn kill(&mut self) {
        if let Some(embedded) = self.embedded.take() {
            embedded.kill();
        }
    }

    /// A fast shutdown, as `pg_ctl restart` begins.
    pub fn stop(&mut self) {
        if let Some(embedded) = self.embedded.take() {
            embedded.stop();
        }
    }

    /// Starts it again on its data and port. After a kill, the old backends may hold its shared
    /// memory for a moment longer (until they notice the postmaster is gone): tried again for
    /// up to 30 seconds.
    pub fn restart(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match EmbeddedPostgres::start(EmbeddedOptions {
                root: self.root.clone(),
                ephemeral: false,
                port: Some(self.port),
            }) {
                Ok(embedded) => {
                    self.embedded = Some(embedded);
                    return;
                }
                Err(error) if std::time::Instant::now() > deadline => {
                    panic!("PostgreSQL did not start again: {error}")
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            }
        }
    }
}

impl Drop for RestartableCluster {
    fn drop(&mut self) {
        self.stop();
        crate::embedded::remove_dir_all_retrying(&self.root);
    }
}

/// An owner's transaction held open by a test (see [`TestDatabase::owner_hold`]).
pub struct HeldTransaction {
    conn: AsyncPgConnection,
}

impl std::fmt::Debug for HeldTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeldTransaction")
    }
}

impl HeldTransaction {
    /// Rolls it back, releasing what it held.
    pub async fn end(mut self) {
        use diesel_async::SimpleAsyncConnection;
        self.conn
            .batch_execute("ROLLBACK")
            .await
            .unwrap_or_else(|error| panic!("rollback failed: {error}"));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

    use super::Cluster;
    use crate::embedded::{EmbeddedOptions, EmbeddedPostgres};

    /// Two test processes that share a server (nextest runs one per test) set up at the same
    /// moment, and each then connects as the server's role. Before the role's password was
    /// derived from the server's URL, the second to provision locked the first out.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_processes_sharing_a_server_can_both_connect_as_the_server_role() {
        let root = std::env::temp_dir().join(format!(
            "sf-test-shared-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let server = EmbeddedPostgres::start(EmbeddedOptions {
            root,
            ephemeral: true,
            port: None,
        })
        .expect("a server to share");
        let url = server.superuser_url("postgres");
        let barrier = Arc::new(Barrier::new(2));
        let setups: Vec<_> = ["sf_template_first", "sf_template_second"]
            .into_iter()
            .map(|template| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Cluster::on_server(&url, template.to_owned())
                })
            })
            .collect();
        let clusters: Vec<Cluster> = setups
            .into_iter()
            .map(|setup| {
                setup
                    .join()
                    .expect("setup thread")
                    .unwrap_or_else(|error| panic!("setting up on a shared server: {error}"))
            })
            .collect();
        for cluster in &clusters {
            let database = cluster.create_database().await;
            let mut conn = AsyncPgConnection::establish(&database.app_url)
                .await
                .unwrap_or_else(|error| {
                    panic!(
                        "{} locked out of the server role: {error}",
                        cluster.template
                    )
                });
            diesel::sql_query("SELECT 1")
                .execute(&mut conn)
                .await
                .expect("a statement as the server role");
        }
    }
}
