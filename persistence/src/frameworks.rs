use std::sync::Arc;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::outcomes::OutcomeFramework;

use crate::database::{Database, TenantDb};
use crate::error::{PersistenceError, Result};
use crate::schema::outcome_frameworks;

impl Database {
    /// The framework new measurements are recorded against.
    pub async fn current_framework(&self) -> Result<Arc<OutcomeFramework>> {
        let mut conn = self.reference_connection().await?;
        self.frameworks.current(&mut conn).await
    }

    /// A framework by version, outside any tenant's transaction (reference data).
    pub async fn framework(&self, version: &str) -> Result<Option<Arc<OutcomeFramework>>> {
        if let Some(framework) = self.frameworks.get(version) {
            return Ok(Some(framework));
        }
        let mut conn = self.reference_connection().await?;
        self.frameworks
            .by_version(&mut conn, version.to_owned())
            .await
    }
}

impl TenantDb {
    /// [`Database::current_framework`], in the request's shared transaction if it has one (a
    /// query holding its connection must not wait for a second).
    pub async fn current_framework(&self) -> Result<Arc<OutcomeFramework>> {
        let frameworks = self.database.frameworks.clone();
        self.reference(async move |conn| frameworks.current(conn).await)
            .await
    }

    /// A framework by version (measurements keep the version they were recorded against), in
    /// the request's shared transaction if it has one.
    pub async fn framework(&self, version: &str) -> Result<Option<Arc<OutcomeFramework>>> {
        let frameworks = self.database.frameworks.clone();
        if let Some(framework) = frameworks.get(version) {
            return Ok(Some(framework));
        }
        let version = version.to_owned();
        self.reference(async move |conn| frameworks.by_version(conn, version).await)
            .await
    }
}

/// Stores a framework version and, if asked, makes it current. Needs the owner's connection: the
/// server's role may only read reference data. A stored version is never changed, because
/// measurements point at it.
pub async fn load_framework(
    conn: &mut AsyncPgConnection,
    framework: &OutcomeFramework,
    make_current: bool,
) -> Result<()> {
    let definition = serde_json::to_value(framework)
        .map_err(|error| PersistenceError::Framework(error.to_string()))?;
    let version = framework.version.clone();
    conn.transaction(async move |conn| {
            let existing: Option<serde_json::Value> = outcome_frameworks::table
                .filter(outcome_frameworks::version.eq(&version))
                .select(outcome_frameworks::definition)
                .first(conn)
                .await
                .optional()?;
            match existing {
                Some(stored) if stored != definition => {
                    return Err(PersistenceError::Framework(format!(
                        "version {version} is already stored with different content; give the new content a new version"
                    )))
                }
                Some(_) => {}
                None => {
                    diesel::insert_into(outcome_frameworks::table)
                        .values((
                            outcome_frameworks::version.eq(&version),
                            outcome_frameworks::definition.eq(&definition),
                            outcome_frameworks::loaded_at.eq(Utc::now()),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
            if make_current {
                diesel::update(outcome_frameworks::table.filter(outcome_frameworks::is_current.eq(true)))
                    .set(outcome_frameworks::is_current.eq(false))
                    .execute(conn)
                    .await?;
                diesel::update(outcome_frameworks::table.filter(outcome_frameworks::version.eq(&version)))
                    .set(outcome_frameworks::is_current.eq(true))
                    .execute(conn)
                    .await?;
            }
            Ok(())
    })
    .await
}

/// Makes sure some framework is current: the shipped default catalogue on a new database.
pub async fn ensure_current_framework(conn: &mut AsyncPgConnection) -> Result<()> {
    let any_current: i64 = outcome_frameworks::table
        .filter(outcome_frameworks::is_current.eq(true))
        .count()
        .get_result(conn)
        .await?;
    if any_current == 0 {
        load_framework(conn, &OutcomeFramework::default_catalogue(), true).await?;
    }
    Ok(())
}
