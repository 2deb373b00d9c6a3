use async_graphql::{Context, Object, ID};

use crate::graphql::reads;
use crate::graphql::types::nrm_referral::NrmReferral;

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
}
