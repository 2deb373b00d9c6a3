//! The one way to write: a mutation gets the tenant handle only together with the audit context
//! its write must carry, which persistence writes as the audit row in the write's own
//! transaction (decision 0006).

use std::sync::Arc;

use async_graphql::Context;
use stable_futures_domain::audit::AuditContext;
use stable_futures_persistence::TenantDb;

use super::audit;
use super::errors::ApiError;

/// The request's tenant handle for writes, reachable only through [`begin`].
pub struct WriteState {
    db: TenantDb,
}

impl std::fmt::Debug for WriteState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteState")
    }
}

impl WriteState {
    pub(super) fn new(db: &TenantDb) -> Arc<Self> {
        Arc::new(Self { db: db.clone() })
    }
}

/// The tenant handle and the audit context of the mutation being resolved.
pub fn begin<'a>(ctx: &Context<'a>) -> Result<(&'a TenantDb, AuditContext), ApiError> {
    let state = ctx
        .data::<Arc<WriteState>>()
        .map_err(|_| ApiError::Unauthenticated)?;
    Ok((&state.db, audit::for_write(ctx)?))
}
