use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use stable_futures_domain::principal::Scope;
use stable_futures_persistence as stored;

use crate::graphql::errors::ApiError;
use crate::graphql::inputs::{GuardianAssignmentFilter, GuardianAssignmentOrder};
use crate::graphql::reads::{self, Gate};
use crate::graphql::types::guardian_assignment::GuardianAssignment;
use crate::graphql::{ids, list_cursor};

#[derive(Debug, Default)]
pub struct GuardianQueries;

#[Object]
impl GuardianQueries {
    /// A guardian assignment by global id; null if not found.
    async fn guardian_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<GuardianAssignment>> {
        reads::by_global_id(ctx, &id).await
    }

    /// The local authority's guardian requests and assignments matching `filter`, oldest
    /// request first unless `orderBy` says otherwise (the id breaks ties). `first` is 1 to 100.
    /// A cursor belongs to its list: sent with another filter or order it is refused
    /// (`BAD_USER_INPUT`).
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn guardian_assignments(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        filter: Option<GuardianAssignmentFilter>,
        order_by: Option<GuardianAssignmentOrder>,
    ) -> async_graphql::Result<Option<Connection<String, GuardianAssignment>>> {
        let Some(gate) = Gate::open(ctx, Scope::GuardiansRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        let filter = match &filter {
            Some(filter) => filter.to_stored()?,
            None => Default::default(),
        };
        let order =
            order_by
                .map(stored::AssignmentOrder::from)
                .unwrap_or(stored::AssignmentOrder {
                    field: stored::AssignmentOrderField::RequestedAt,
                    descending: false,
                });
        let list = list_cursor::fingerprint(
            gate.request().principal(),
            &format!("assignments|{filter:?}|{order:?}"),
        );
        let after = list_cursor::decode(after.as_deref(), order.value_kind(), list)?;
        let page = gate
            .db()
            .assignments_list(&filter, order, first, after.clone())
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        for (assignment, key) in page.items {
            connection.edges.push(Edge::new(
                list_cursor::encode(key, list),
                gate.expose(assignment)?,
            ));
        }
        Ok(Some(connection))
    }
}
