use async_graphql::{Context, Object};

use super::local_authority::LocalAuthority;
use crate::caller::request;

/// The caller, as the token presents them.
#[derive(Debug)]
pub struct Viewer;

#[Object]
impl Viewer {
    /// The token's subject: the user or service account in the case system.
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(request(ctx)?.principal().subject.clone())
    }

    /// The case-system client the token was issued to, when the identity provider says.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(request(ctx)?.principal().client.clone())
    }

    /// The local authority the token speaks for. Every read and write is confined to it.
    async fn local_authority(&self, ctx: &Context<'_>) -> async_graphql::Result<LocalAuthority> {
        Ok(LocalAuthority(request(ctx)?.local_authority.clone()))
    }

    /// The scopes granted by the token.
    async fn scopes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(request(ctx)?
            .principal()
            .scopes
            .iter()
            .map(|scope| scope.as_str().to_owned())
            .collect())
    }
}
