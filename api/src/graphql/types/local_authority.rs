use async_graphql::Object;
use stable_futures_domain::local_authority;

/// A local authority (council) responsible for children's services.
#[derive(Debug, Clone)]
pub struct LocalAuthority(pub local_authority::LocalAuthority);

#[Object]
impl LocalAuthority {
    /// ONS GSS code, e.g. `E09000019`.
    async fn code(&self) -> &str {
        self.0.code.as_str()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }
}
