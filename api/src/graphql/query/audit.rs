use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, ID};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Scope;

use crate::graphql::audit::FieldsClass;
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::reads::Gate;
use crate::graphql::types::audit_event::AuditEvent;

#[derive(Debug, Default)]
pub struct AuditQueries;

#[Object]
impl AuditQueries {
    /// The local authority's audit trail, newest first: who read or changed which child's data,
    /// when and why. `childId` narrows it to one child. Needs the `audit:read` scope. Reading the
    /// trail is itself recorded (as a read of no particular child).
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        child_id: Option<ID>,
    ) -> async_graphql::Result<Option<Connection<String, AuditEvent, EmptyFields, EmptyFields>>>
    {
        let Some(gate) = Gate::open(ctx, Scope::AuditRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        let before = ids::decode_sequence_cursor(after.as_deref())?;
        gate.note(None, FieldsClass::Audit);
        let child = match &child_id {
            Some(id) => match ids::decode(id, NodeKind::Child)? {
                Some(uuid) => Some(ChildId(uuid)),
                // An id of another type names no child, so no entries.
                None => return Ok(Some(Connection::new(false, false))),
            },
            None => None,
        };
        let page = gate
            .db()
            .audit_events(first, before, child)
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::new(before.is_some(), page.has_next_page);
        for event in page.items {
            connection
                .edges
                .push(Edge::new(ids::sequence_cursor(event.id), AuditEvent(event)));
        }
        Ok(Some(connection))
    }
}
