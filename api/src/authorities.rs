use std::collections::HashMap;
use std::time::{Duration, Instant};

use stable_futures_domain::local_authority::LocalAuthority;
use stable_futures_persistence::{Database, PersistenceError};
use tokio::sync::RwLock;

/// How often an unknown code may trigger a reload: a flood of tokens naming unknown authorities
/// must not become a flood of queries.
const RELOAD_INTERVAL: Duration = Duration::from_secs(10);

/// The local authorities the service serves. Reference data, the same for every caller, so a
/// process-wide copy is safe (it holds no child-level data).
#[derive(Debug)]
pub struct KnownAuthorities {
    database: Database,
    cache: RwLock<(Option<Instant>, HashMap<String, LocalAuthority>)>,
}

impl KnownAuthorities {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            cache: RwLock::new((None, HashMap::new())),
        }
    }

    pub async fn get(&self, code: &str) -> Result<Option<LocalAuthority>, PersistenceError> {
        {
            let cache = self.cache.read().await;
            if let Some(found) = cache.1.get(code) {
                return Ok(Some(found.clone()));
            }
            if cache.0.is_some_and(|at| at.elapsed() < RELOAD_INTERVAL) {
                return Ok(None);
            }
        }
        let mut cache = self.cache.write().await;
        if cache.0.is_none_or(|at| at.elapsed() >= RELOAD_INTERVAL) {
            let all = self.database.local_authorities().await?;
            cache.1 = all
                .into_iter()
                .map(|la| (la.code.as_str().to_owned(), la))
                .collect();
            cache.0 = Some(Instant::now());
        }
        Ok(cache.1.get(code).cloned())
    }
}
