//! A filtered or ordered page of children, with cursors bound to their list.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::paging::Cursor;
use stable_futures_persistence::{ChildListKey, ChildOrder as StoredOrder, ChildOrderValue};
use uuid::Uuid;

use crate::graphql::errors::ApiError;
use crate::graphql::inputs::{ChildFilter, ChildOrder};
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

/// What a cursor of this list says besides the key: the list (authority, filter, order).
fn list_fingerprint(principal: &Principal, list: &str) -> i64 {
    let mut hasher = Sha256::new();
    hasher.update(principal.local_authority.as_str());
    hasher.update(b"|");
    hasher.update(list);
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

fn encode(key: ChildListKey, list: i64) -> String {
    let (value, id) = key;
    match value {
        ChildOrderValue::At(at) => Cursor::encode(&(at, id, list)),
        ChildOrderValue::Date(date) => Cursor::encode(&(date, id, list)),
        ChildOrderValue::Text(text) => Cursor::encode(&(text, id, list)),
    }
    .into_string()
}

fn decode(text: &str, order: StoredOrder, list: i64) -> Result<ChildListKey, ApiError> {
    use stable_futures_persistence::ChildOrderField as Field;
    let refused = || {
        ApiError::BadUserInput(
            "this cursor belongs to another list (another filter, order or authority): start again without after".to_owned(),
        )
    };
    let (value, id, of_list) = match order.field {
        Field::CreatedAt | Field::UpdatedAt => Cursor::decode::<(DateTime<Utc>, Uuid, i64)>(text)
            .map(|(at, id, l)| (ChildOrderValue::At(at), id, l)),
        Field::DateOfBirth => Cursor::decode::<(NaiveDate, Uuid, i64)>(text)
            .map(|(date, id, l)| (ChildOrderValue::Date(date), id, l)),
        Field::LocalChildId => Cursor::decode::<(String, Uuid, i64)>(text)
            .map(|(text, id, l)| (ChildOrderValue::Text(text), id, l)),
    }
    .map_err(|_| refused())?;
    if of_list != list {
        return Err(refused());
    }
    Ok((value, id))
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
    let list = list_fingerprint(principal, &format!("{filter:?}|{order:?}"));
    let after = after
        .as_deref()
        .map(|text| decode(text, order, list))
        .transpose()?;
    let page = gate
        .db()
        .children_list(&filter, order, first, after.clone())
        .await
        .map_err(ApiError::from)?;
    prefetch::children_page(ctx, gate, &page.items).await?;
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
            let cursor = encode(order.key_of(&child), list);
            connection
                .edges
                .push(Edge::new(cursor, gate.expose(child)?));
        }
    }
    Ok(connection)
}
