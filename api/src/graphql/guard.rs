use async_graphql::{Context, Guard};
use stable_futures_domain::principal::Scope;

use super::context::RequestContext;
use super::errors::ApiError;

/// Refuses a field unless the caller's token carries `scope`; checked before the resolver runs,
/// so before any IO.
#[derive(Debug, Clone, Copy)]
pub struct RequireScope(pub Scope);

impl Guard for RequireScope {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let request = ctx
            .data::<RequestContext>()
            .map_err(|_| ApiError::Unauthenticated)?;
        if request.principal().has(self.0) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.0.as_str()).into())
        }
    }
}
