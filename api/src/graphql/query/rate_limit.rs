use async_graphql::{Context, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::cost::RateLimitStatus;

/// The calling client's bucket of cost points for this local authority, as this request left
/// it (GitHub's `rateLimit`). Each request is charged its requested cost (`extensions.cost`)
/// before it runs; a request that costs more than the bucket holds is refused `RATE_LIMITED`
/// with `Retry-After`.
#[derive(Debug, SimpleObject)]
pub struct RateLimit {
    /// Points this request was charged.
    pub cost: i32,
    /// The most points the bucket holds.
    pub limit: i32,
    /// Points left after this request.
    pub remaining: i32,
    /// Points restored per second.
    pub restore_rate: i32,
    /// When the bucket is full again if nothing more is charged.
    pub reset_at: DateTime<Utc>,
}

impl RateLimit {
    /// The request's charge, if the service keeps a rate limit.
    pub fn of_request(ctx: &Context<'_>) -> Option<RateLimit> {
        ctx.data_opt::<RateLimitStatus>().map(|status| RateLimit {
            cost: saturating(status.cost),
            limit: saturating(status.throttle.maximum),
            remaining: saturating(status.throttle.available),
            restore_rate: saturating(status.throttle.restore_rate),
            reset_at: status.full_at(),
        })
    }
}

/// GraphQL's `Int` is 32-bit; a bucket is never that large, and a cost is bounded by the
/// complexity limit.
fn saturating(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}
