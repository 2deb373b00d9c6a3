use async_graphql::Object;

use crate::graphql::types::reports::Reports;

#[derive(Debug, Default)]
pub struct ReportQueries;

#[Object]
impl ReportQueries {
    /// Aggregate reports of the local authority, under disclosure control (`reports:read`).
    async fn reports(&self) -> Reports {
        Reports
    }
}
