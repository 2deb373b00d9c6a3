//! Schema migrations (embedded in the binary) and the roles the server connects as.

use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{PersistenceError, Result};
use crate::frameworks::ensure_current_framework;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The role that holds the server's privileges; login roles are made members of it.
pub const APP_ROLE: &str = "stable_futures_app";

/// Brings the database at `owner_url` to the latest schema and makes sure an outcome framework is
/// current. Runs as the schema owner, never as the server's role.
pub async fn run_migrations(owner_url: &str) -> Result<Vec<String>> {
    let conn = AsyncPgConnection::establish(owner_url).await?;
    let mut wrapper: AsyncConnectionWrapper<AsyncPgConnection> = AsyncConnectionWrapper::from(conn);
    let applied = tokio::task::spawn_blocking(move || {
        let applied = wrapper
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|error| PersistenceError::Migration(error.to_string()));
        (wrapper, applied)
    })
    .await
    .map_err(|error| PersistenceError::Migration(error.to_string()))?;
    let (wrapper, applied) = applied;
    let applied = applied?;
    let mut conn = wrapper.into_inner();
    ensure_current_framework(&mut conn).await?;
    Ok(applied)
}

impl crate::database::Database {
    /// How many embedded migrations the database has not applied (for readiness: a server whose
    /// schema is behind its code must not take traffic). Reads the migrations table, which the
    /// server's role may read but not change.
    pub async fn unapplied_migrations(&self) -> Result<usize> {
        #[derive(diesel::QueryableByName)]
        struct Applied {
            #[diesel(sql_type = Text)]
            version: String,
        }
        let mut conn = self.reference_connection().await?;
        let applied: Vec<Applied> =
            diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
                .load(&mut *conn)
                .await?;
        let applied: std::collections::HashSet<String> =
            applied.into_iter().map(|row| row.version).collect();
        let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
            .map_err(|error| PersistenceError::Migration(error.to_string()))?;
        Ok(embedded
            .iter()
            .filter(|migration| !applied.contains(&migration.name().version().to_string()))
            .count())
    }
}

/// Creates (or resets the password of) a login role for the server that inherits only
/// [`APP_ROLE`]'s privileges: it owns nothing and cannot bypass row-level security.
///
/// One provisioning at a time per server: roles are shared by every database of a server, and
/// two processes provisioning the same role at once would both try to create it, or update its
/// catalog row together (`tuple concurrently updated`).
pub async fn provision_server_role(
    superuser: &mut AsyncPgConnection,
    role: &str,
    password: &str,
) -> Result<()> {
    let safe = |text: &str| {
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !safe(role) || !safe(password) {
        return Err(PersistenceError::Migration(
            "role names and generated passwords must be alphanumeric".to_owned(),
        ));
    }
    let (role, password) = (role.to_owned(), password.to_owned());
    superuser
        .transaction(async move |conn| {
            // Released at the commit; the key is the role's name, so other roles wait for nothing.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('provision_server_role:' || $1))")
                .bind::<Text, _>(&role)
                .execute(conn)
                .await?;
            let exists: Vec<RoleName> =
                diesel::sql_query("SELECT rolname FROM pg_roles WHERE rolname = $1")
                    .bind::<Text, _>(&role)
                    .load(conn)
                    .await?;
            let verb = if exists.is_empty() { "CREATE" } else { "ALTER" };
            diesel::sql_query(format!(
                "{verb} ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
            ))
            .execute(conn)
            .await?;
            diesel::sql_query(format!("GRANT {APP_ROLE} TO {role}"))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
}

/// Creates database `name` unless it exists (`name` must be a plain identifier).
pub async fn create_database_if_missing(
    superuser: &mut AsyncPgConnection,
    name: &str,
) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(PersistenceError::Migration(
            "database names must be lower-case identifiers".to_owned(),
        ));
    }
    let exists: Vec<DatabaseName> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(name)
            .load(superuser)
            .await?;
    if exists.is_empty() {
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(superuser)
            .await?;
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    datname: String,
}

#[derive(diesel::QueryableByName)]
struct RoleName {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    rolname: String,
}
