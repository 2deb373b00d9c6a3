use async_graphql::{Context, Object, ID};
use stable_futures_domain::ids::ReferralId;
use stable_futures_domain::principal::Scope;

use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::reads::Gate;
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
        let Some(gate) = Gate::open(ctx, Scope::ReferralsRead)? else {
            return Ok(None);
        };
        let Some(uuid) = ids::decode(&id, NodeKind::NrmReferral)? else {
            return Ok(None);
        };
        let record = gate
            .loaders()
            .referrals
            .load_one(ReferralId(uuid))
            .await
            .map_err(ApiError::from)?;
        Ok(record.map(|record| gate.expose(record)).transpose()?)
    }
}
