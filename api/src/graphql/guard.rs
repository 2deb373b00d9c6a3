use async_graphql::{Context, Guard};
use stable_futures_domain::principal::Scope;

use super::errors::ApiError;
use crate::caller::principal;

/// Refuses a field unless the caller's token carries `scope`; checked before the resolver runs,
/// so before any IO.
#[derive(Debug, Clone, Copy)]
pub struct RequireScope(pub Scope);

impl Guard for RequireScope {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if principal(ctx)?.has(self.0) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.0.as_str()).into())
        }
    }
}

/// Checks `scope` for a nullable field, inside its resolver. A refused field answers `null`, with
/// a `FORBIDDEN` error at its path, and its siblings are answered as usual. (An attribute guard
/// on a nullable field makes async-graphql 7.2 drop the field from `data` instead, against the
/// GraphQL specification: async-graphql issue #1532.)
pub fn permit(ctx: &Context<'_>, scope: Scope) -> async_graphql::Result<bool> {
    if principal(ctx)?.has(scope) {
        return Ok(true);
    }
    let error = async_graphql::ErrorExtensions::extend(&ApiError::Forbidden(scope.as_str()))
        .into_server_error(ctx.item.pos);
    ctx.add_error(ctx.set_error_path(error));
    Ok(false)
}
