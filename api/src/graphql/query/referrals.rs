use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use stable_futures_domain::principal::Scope;
use stable_futures_persistence as stored;

use crate::graphql::errors::ApiError;
use crate::graphql::inputs::{ReferralFilter, ReferralOrder};
use crate::graphql::reads::{self, Gate};
use crate::graphql::types::nrm_referral::NrmReferral;
use crate::graphql::{ids, list_cursor};

#[derive(Debug, Default)]
pub struct ReferralQueries;

#[Object]
impl ReferralQueries {
    /// A referral by global id; null if not found.
    async fn referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<NrmReferral>> {
        reads::by_global_id(ctx, &id).await
    }

    /// The local authority's referrals matching `filter`, oldest referral first unless `orderBy`
    /// says otherwise (the id breaks ties). `first` is 1 to 100. A cursor belongs to its list:
    /// sent with another filter or order it is refused (`BAD_USER_INPUT`).
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        filter: Option<ReferralFilter>,
        order_by: Option<ReferralOrder>,
    ) -> async_graphql::Result<Option<Connection<String, NrmReferral>>> {
        let Some(gate) = Gate::open(ctx, Scope::ReferralsRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        let filter = match &filter {
            Some(filter) => filter.to_stored()?,
            None => Default::default(),
        };
        let order = order_by
            .map(stored::ReferralOrder::from)
            .unwrap_or(stored::ReferralOrder {
                field: stored::ReferralOrderField::ReferredAt,
                descending: false,
            });
        let list = list_cursor::fingerprint(
            gate.request().principal(),
            &format!("referrals|{filter:?}|{order:?}"),
        );
        let after = list_cursor::decode(after.as_deref(), order.value_kind(), list)?;
        let page = gate
            .db()
            .referrals_list(&filter, order, first, after.clone())
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        for (referral, key) in page.items {
            connection.edges.push(Edge::new(
                list_cursor::encode(key, list),
                gate.expose(referral)?,
            ));
        }
        Ok(Some(connection))
    }
}
