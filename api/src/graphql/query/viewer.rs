use async_graphql::Object;

use crate::graphql::types::viewer::Viewer;

#[derive(Debug, Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who is calling, for which local authority, with which scopes.
    async fn viewer(&self) -> Viewer {
        Viewer
    }
}
