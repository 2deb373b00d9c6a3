use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, ID};
use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::child::{LocalChildId, NhsNumber, Upn};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::principal::Scope;
use stable_futures_domain::referral::HomeOfficeReference;
use stable_futures_persistence::ChildIdentifier;

use crate::graphql::enums::ChildIdentifierType;
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::inputs::{ChildFilter, ChildOrder};
use crate::graphql::prefetch;
use crate::graphql::reads::Gate;
use crate::graphql::types::child::Child;
use crate::graphql::types::children_connection_fields::ChildrenConnectionFields;

mod child_list;

#[derive(Debug, Default)]
pub struct ChildQueries;

#[Object]
impl ChildQueries {
    /// A child by global id; null if not found.
    async fn child(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Child>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let Some(uuid) = ids::decode(&id, NodeKind::Child)? else {
            return Ok(None);
        };
        let child = prefetch::child(ctx, &gate, ChildId(uuid)).await?;
        Ok(child.map(|child| gate.expose(child)).transpose()?)
    }

    /// A child by the case system's own id; null if not found.
    async fn child_by_local_id(
        &self,
        ctx: &Context<'_>,
        local_child_id: String,
    ) -> async_graphql::Result<Option<Child>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let local_child_id = LocalChildId::parse(&local_child_id)
            .map_err(|error| ApiError::BadUserInput(error.message))?;
        let child = gate
            .db()
            .child_by_local_id(&local_child_id)
            .await
            .map_err(ApiError::from)?;
        Ok(child.map(|child| gate.expose(child)).transpose()?)
    }

    /// The child a case system knows by `value`, an identifier of `type`; null if none. If two
    /// records share it (a duplicate not yet merged), the earliest registered. A value that
    /// cannot be an identifier of that type is `BAD_USER_INPUT`. `HOME_OFFICE_REFERENCE` also
    /// needs `referrals:read` (the answer says the child has that referral).
    async fn child_by_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] kind: ChildIdentifierType,
        value: String,
    ) -> async_graphql::Result<Option<Child>> {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let bad = |error: stable_futures_domain::FieldError| ApiError::BadUserInput(error.message);
        let identifier = match kind {
            ChildIdentifierType::NhsNumber => {
                ChildIdentifier::NhsNumber(NhsNumber::parse(&value).map_err(bad)?)
            }
            ChildIdentifierType::Upn => ChildIdentifier::Upn(Upn::parse(&value).map_err(bad)?),
            ChildIdentifierType::LocalChildId => {
                ChildIdentifier::LocalChildId(LocalChildId::parse(&value).map_err(bad)?)
            }
            ChildIdentifierType::HomeOfficeReference => {
                if !gate.request().principal().has(Scope::ReferralsRead) {
                    return Err(ApiError::Forbidden(Scope::ReferralsRead.as_str()).into());
                }
                ChildIdentifier::HomeOfficeReference(
                    HomeOfficeReference::parse(&value).map_err(bad)?,
                )
            }
        };
        let child = gate
            .db()
            .child_by_identifier(&identifier)
            .await
            .map_err(ApiError::from)?;
        let Some(child) = child else {
            return Ok(None);
        };
        if kind == ChildIdentifierType::HomeOfficeReference {
            gate.note(Some(child.id), FieldsClass::Referral);
        }
        Ok(Some(gate.expose(child)?))
    }

    /// The local authority's children, oldest record first, or as `filter` and `orderBy` say
    /// (the child's id breaks ties, so cursors stay stable). `first` is 1 to 100. A cursor
    /// belongs to its list: sent with another filter or order it is refused (`BAD_USER_INPUT`).
    /// Filtering on referrals needs `referrals:read`, on guardians `guardians:read`; the
    /// children listed are audited with what the filter read of them.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        filter: Option<ChildFilter>,
        order_by: Option<ChildOrder>,
    ) -> async_graphql::Result<
        Option<Connection<String, Child, ChildrenConnectionFields, EmptyFields>>,
    > {
        let Some(gate) = Gate::open(ctx, Scope::ChildrenRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        if filter.is_some() || order_by.is_some() {
            return Ok(Some(
                child_list::page(ctx, &gate, first, after, filter, order_by).await?,
            ));
        }
        let after = ids::decode_cursor(after.as_deref())?.map(ChildId);
        let page = prefetch::children_page(ctx, &gate, first, after).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            ChildrenConnectionFields::default(),
        );
        // Only the children handed out are read: a page asked for its `totalCount` alone reads
        // none. (Its `pageInfo` cursors name the children, so they count as read.)
        if child_list::hands_out_children(ctx) {
            for child in page.items {
                let cursor = ids::cursor(child.id.0);
                connection
                    .edges
                    .push(Edge::new(cursor, gate.expose(child)?));
            }
        }
        Ok(Some(connection))
    }
}
