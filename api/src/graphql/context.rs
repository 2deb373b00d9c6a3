use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, Utc};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::local_authority::LocalAuthority;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::{Database, TenantDb};

use super::errors::ApiError;
use super::loaders::Loaders;

/// Everything one request knows: who calls, their tenant's database handle and the request's
/// own DataLoaders. Built per request and dropped with it, so nothing cached here can reach
/// another caller.
#[derive(Debug)]
pub struct RequestContext {
    pub db: TenantDb,
    pub database: Database,
    pub local_authority: LocalAuthority,
    pub loaders: Loaders,
    pub holidays: Arc<BankHolidays>,
    /// One clock reading per request, so every rule in it sees the same "now".
    pub now: DateTime<Utc>,
}

impl RequestContext {
    pub fn new(
        database: Database,
        principal: Principal,
        local_authority: LocalAuthority,
        holidays: Arc<BankHolidays>,
    ) -> Self {
        let db = database.for_principal(Arc::new(principal));
        Self {
            loaders: Loaders::new(&db, &database),
            db,
            database,
            local_authority,
            holidays,
            now: Utc::now(),
        }
    }

    pub fn principal(&self) -> &Principal {
        self.db.principal()
    }

    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.principal().has(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(scope.as_str()))
        }
    }
}

/// The request context of a resolver.
pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, ApiError> {
    ctx.data::<RequestContext>()
        .map_err(|_| ApiError::Unauthenticated)
}
