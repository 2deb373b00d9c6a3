use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object};
use stable_futures_domain::principal::Scope;

use crate::graphql::errors::ApiError;
use crate::graphql::ids;
use crate::graphql::reads::Gate;
use crate::graphql::types::change::Change;

/// The change feed. Its entries hold ids only; `Change.entity` reads the record through the read
/// gate, with the scope of its type.
#[derive(Debug, Default)]
pub struct FeedQueries;

#[Object]
impl FeedQueries {
    /// Every change to the local authority's records, oldest first, in the order the changes
    /// committed: creations, updates, state changes, assignments, measurements and erasures.
    /// Start without `after`, then pass the last `cursor` you processed; following the cursors
    /// gives each change exactly once, never skipping one that commits late. An empty page
    /// means you are up to date: keep your cursor and ask again (or subscribe to `changes`).
    /// Needs the `children:read` scope.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<Option<Connection<String, Change, EmptyFields, EmptyFields>>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        let after = ids::decode_sequence_cursor(after.as_deref())?;
        let page = gate
            .db()
            .changes(after, first)
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        for change in &page.items {
            let change = Change::from(change);
            connection
                .edges
                .push(Edge::new(change.announced.cursor.clone(), change));
        }
        Ok(Some(connection))
    }

    /// The cursor of the newest change in the feed now (null while there is none). Before an
    /// initial load with `children`, note it; after the load, follow `changes(after:)` from it,
    /// and nothing that changed during the load is missed. Needs the `children:read` scope.
    async fn changes_end_cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let position = gate
            .db()
            .latest_change_position()
            .await
            .map_err(ApiError::from)?;
        Ok(position.map(ids::sequence_cursor))
    }
}
