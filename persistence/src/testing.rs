//! Databases for tests: one PostgreSQL cluster per test process (a private one started with the
//! embedded launcher, or the server at `DATABASE_URL`), a template migrated once per process, and
//! a fresh database per test copied from it, so tests run in parallel without seeing each other.

use std::sync::OnceLock;

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::distr::{Alphanumeric, SampleString};

use stable_futures_domain::local_authority::{LocalAuthority, LocalAuthorityCode};

use crate::embedded::{sweep_leftovers, EmbeddedOptions, EmbeddedPostgres};
use crate::local_authorities::upsert_local_authority;
use crate::migrations::{provision_server_role, run_migrations};

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

fn start_cluster() -> Result<Cluster, String> {
    let (embedded, admin_base, address, external) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let (admin_base, address) = split_url(&url)
                .ok_or("DATABASE_URL must look like postgres://user:password@host:port/db")?;
            (None, admin_base, address, true)
        }
        _ => {
            let parent = std::env::temp_dir();
            sweep_leftovers(&parent, "sf-test-");
            let root = parent.join(format!(
                "sf-test-{}-{}",
                std::process::id(),
                Alphanumeric
                    .sample_string(&mut rand::rng(), 6)
                    .to_lowercase()
            ));
            let embedded = EmbeddedPostgres::start(EmbeddedOptions {
                root,
                ephemeral: true,
            })
            .map_err(|error| format!("could not start a private PostgreSQL for tests: {error}"))?;
            let (admin_base, address) =
                split_url(&embedded.superuser_url("postgres")).ok_or("unexpected superuser URL")?;
            (Some(embedded), admin_base, address, false)
        }
    };
    let template = format!("sf_template_{}", std::process::id());
    let server_password = Alphanumeric.sample_string(&mut rand::rng(), 24);
    let setup = {
        let admin_base = admin_base.clone();
        let template = template.clone();
        let server_password = server_password.clone();
        // The template is built on a runtime of its own: callers may be inside any runtime, or none.
        std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let mut admin = AsyncPgConnection::establish(&format!("{admin_base}/postgres"))
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
                run_migrations(&format!("{admin_base}/{template}"))
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
    })
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
        let cluster = cluster();
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&format!("{}/postgres", cluster.admin_base))
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
            owner_url: format!("{}/{name}", cluster.admin_base),
            app_url: format!(
                "postgres://{TEST_SERVER_ROLE}:{}@{}/{name}",
                cluster.server_password, cluster.address
            ),
            name,
            external: cluster.external,
            admin_base: cluster.admin_base.clone(),
        }
    }

    /// [`TestDatabase::create`], serving Islington and Camden (reference data that only the
    /// schema owner may write).
    pub async fn serving_two_authorities() -> TestDatabase {
        let database = TestDatabase::create().await;
        let mut owner = AsyncPgConnection::establish(&database.owner_url)
            .await
            .unwrap_or_else(|error| panic!("owner connection failed: {error}"));
        for (code, name) in [(ISLINGTON, "Islington"), (CAMDEN, "Camden")] {
            let authority = LocalAuthority {
                code: LocalAuthorityCode::parse(code).expect("a valid GSS code"),
                name: name.to_owned(),
            };
            upsert_local_authority(&mut owner, &authority)
                .await
                .unwrap_or_else(|error| panic!("could not register {name}: {error}"));
        }
        database
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
        let admin = format!("{}/postgres", self.admin_base);
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
