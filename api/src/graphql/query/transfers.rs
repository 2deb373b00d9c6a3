//! Transfers the authority is party to: offered to it, and offered by it. Their fields live on
//! `WorklistQueries` (an incoming offer is work waiting for an answer), which calls these: one
//! more member of the merged query root would deepen the release build's types past its limit.

use async_graphql::connection::{Connection, Edge};
use async_graphql::Context;
use stable_futures_domain::ids::TransferId;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::TransferDirection;

use crate::graphql::enums::TransferStatus;
use crate::graphql::errors::ApiError;
use crate::graphql::ids;
use crate::graphql::reads::Gate;
use crate::graphql::types::transfer::Transfer;

/// The authority's transfers in `direction`, oldest offer first, optionally only in `statuses`.
pub(super) async fn transfers(
    ctx: &Context<'_>,
    direction: TransferDirection,
    statuses: Option<Vec<TransferStatus>>,
    first: i32,
    after: Option<String>,
) -> async_graphql::Result<Option<Connection<String, Transfer>>> {
    let Some(gate) = Gate::open(ctx, Scope::TransfersRead)? else {
        return Ok(None);
    };
    let first = ids::page_size(first)?;
    let after = ids::decode_cursor(after.as_deref())?.map(TransferId);
    let statuses = statuses.map(|statuses| statuses.into_iter().map(Into::into).collect());
    let page = gate
        .db()
        .transfers_page(direction, statuses, first, after)
        .await
        .map_err(ApiError::from)?;
    let mut connection = Connection::new(after.is_some(), page.has_next_page);
    for transfer in page.items {
        let cursor = ids::cursor(transfer.id.0);
        connection
            .edges
            .push(Edge::new(cursor, gate.expose::<Transfer>(transfer)?));
    }
    Ok(Some(connection))
}
