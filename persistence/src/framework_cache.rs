//! The parsed outcome frameworks, cached for the life of the pool: below the database handles
//! that hold it and the framework queries that use it.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::outcomes::OutcomeFramework;

use crate::error::{PersistenceError, Result};
use crate::schema::outcome_frameworks;

pub(crate) fn from_json(value: serde_json::Value) -> Result<OutcomeFramework> {
    serde_json::from_value::<OutcomeFramework>(value)
        .map_err(|error| PersistenceError::Framework(error.to_string()))?
        .validate()
        .map_err(|error| PersistenceError::Framework(error.to_string()))
}

/// Parsed frameworks by version, shared by every request and tenant (frameworks are reference
/// data). A stored version never changes ([`load_framework`] refuses new content under an old
/// version), so an entry is never stale, and there are only ever a handful of versions. Without
/// it every request that shows an outcome read and parsed the framework's JSON.
#[derive(Debug, Clone, Default)]
pub(crate) struct FrameworkCache(Arc<RwLock<HashMap<String, Arc<OutcomeFramework>>>>);

impl FrameworkCache {
    pub(crate) fn get(&self, version: &str) -> Option<Arc<OutcomeFramework>> {
        // Nothing panics while holding the lock; a poisoned map is still a correct map.
        let versions = self.0.read().unwrap_or_else(PoisonError::into_inner);
        versions.get(version).cloned()
    }

    fn insert(&self, framework: OutcomeFramework) -> Arc<OutcomeFramework> {
        let framework = Arc::new(framework);
        let mut versions = self.0.write().unwrap_or_else(PoisonError::into_inner);
        versions.insert(framework.version.clone(), framework.clone());
        framework
    }

    /// The framework stored as `version`, read only if not seen before.
    pub(crate) async fn by_version(
        &self,
        conn: &mut AsyncPgConnection,
        version: String,
    ) -> Result<Option<Arc<OutcomeFramework>>> {
        if let Some(framework) = self.get(&version) {
            return Ok(Some(framework));
        }
        let definition: Option<serde_json::Value> = outcome_frameworks::table
            .filter(outcome_frameworks::version.eq(version))
            .select(outcome_frameworks::definition)
            .first(conn)
            .await
            .optional()?;
        Ok(definition
            .map(from_json)
            .transpose()?
            .map(|framework| self.insert(framework)))
    }

    /// The current framework: which version that is is read every time (an administrator may
    /// make another current at any moment), its content only when not seen before.
    pub(crate) async fn current(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> Result<Arc<OutcomeFramework>> {
        let version: String = outcome_frameworks::table
            .filter(outcome_frameworks::is_current.eq(true))
            .select(outcome_frameworks::version)
            .first(conn)
            .await
            .optional()?
            .ok_or(PersistenceError::NotFound)?;
        self.by_version(conn, version)
            .await?
            .ok_or(PersistenceError::NotFound)
    }
}
