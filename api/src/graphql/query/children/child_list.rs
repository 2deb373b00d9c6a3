//! A filtered or ordered page of children, with cursors bound to their list.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::Context;
use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::ChildOrder as StoredOrder;

use crate::graphql::errors::ApiError;
use crate::graphql::inputs::{ChildFilter, ChildOrder};
use crate::graphql::list_cursor;
use crate::graphql::prefetch;
use crate::graphql::reads::Gate;
use crate::graphql::types::child::Child;
use crate::graphql::types::children_connection_fields::ChildrenConnectionFields;

/// Whether the selection hands out children (`totalCount` alone does not).
pub fn hands_out_children(ctx: &Context<'_>) -> bool {
    let look = ctx.look_ahead();
    ["nodes", "edges", "pageInfo"]
        .iter()
        .any(|field| look.field(field).exists())
}

pub async fn page(
    ctx: &Context<'_>,
    gate: &Gate<'_>,
    first: usize,
    after: Option<String>,
    filter: Option<ChildFilter>,
    order_by: Option<ChildOrder>,
) -> Result<Connection<String, Child, ChildrenConnectionFields, EmptyFields>, ApiError> {
    let principal = gate.request().principal();
    let filter = match &filter {
        Some(filter) => filter.to_stored()?,
        None => Default::default(),
    };
    if filter.reads_referrals() && !principal.has(Scope::ReferralsRead) {
        return Err(ApiError::Forbidden(Scope::ReferralsRead.as_str()));
    }
    if filter.reads_assignments() && !principal.has(Scope::GuardiansRead) {
        return Err(ApiError::Forbidden(Scope::GuardiansRead.as_str()));
    }
    let order: StoredOrder = order_by.map(StoredOrder::from).unwrap_or(StoredOrder {
        field: stable_futures_persistence::ChildOrderField::CreatedAt,
        descending: false,
    });
    let list = list_cursor::fingerprint(principal, &format!("{filter:?}|{order:?}"));
    let after = list_cursor::decode(after.as_deref(), order.value_kind(), list)?;
    let page = gate
        .db()
        .children_list(&filter, order, first, after.clone())
        .await
        .map_err(ApiError::from)?;
    prefetch::listed_children(ctx, gate, &page.items).await?;
    let mut connection = Connection::with_additional_fields(
        after.is_some(),
        page.has_next_page,
        ChildrenConnectionFields {
            filter: Some(filter.clone()),
        },
    );
    if hands_out_children(ctx) {
        for child in page.items {
            // Being listed says what the filter read of the child.
            if filter.reads_referrals() {
                gate.note(Some(child.id), FieldsClass::Referral);
            }
            if filter.reads_assignments() {
                gate.note(Some(child.id), FieldsClass::Guardian);
            }
            let cursor = list_cursor::encode(order.key_of(&child), list);
            connection
                .edges
                .push(Edge::new(cursor, gate.expose(child)?));
        }
    }
    Ok(connection)
}
