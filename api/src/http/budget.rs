//! Each client's bucket of cost points per local authority (or set of authorities): a request
//! is charged its requested cost before it runs, and refused `RATE_LIMITED` with `Retry-After`
//! when its bucket holds fewer points. The buckets are `governor`'s (GCRA: a bucket refilled
//! continuously at the restore rate, up to its maximum).
//!
//! Every replica keeps its own buckets: behind N replicas a client may spend up to N times the
//! configured rate (docs/operations.md says how to size it).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::graphql::cost::Throttle;

type Buckets =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The buckets of this replica, or none when rate limiting is off.
pub(super) struct CostBudget {
    buckets: Option<Buckets>,
    maximum: u32,
    restore_rate: u32,
}

impl std::fmt::Debug for CostBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CostBudget")
            .field("on", &self.buckets.is_some())
            .field("maximum", &self.maximum)
            .field("restore_rate", &self.restore_rate)
            .finish()
    }
}

/// What charging a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charge {
    /// Rate limiting is off.
    Unlimited,
    Charged(Throttle),
    /// The bucket holds too few points; it will hold enough after `retry_after`.
    Refused {
        throttle: Throttle,
        retry_after: Duration,
    },
}

impl CostBudget {
    /// Buckets of `maximum` points restored at `restore_rate` points a second; `maximum` 0: off.
    pub(super) fn new(maximum: u32, restore_rate: u32) -> Self {
        let buckets = NonZeroU32::new(maximum)
            .zip(NonZeroU32::new(restore_rate))
            .map(|(maximum, restore_rate)| {
                RateLimiter::keyed(Quota::per_second(restore_rate).allow_burst(maximum))
                    .with_middleware::<StateInformationMiddleware>()
            });
        Self {
            buckets,
            maximum,
            restore_rate,
        }
    }

    /// Charges `cost` points (at least 1, at most the bucket's size: a request the complexity
    /// limit admits is never refused for ever) to `key`'s bucket.
    pub(super) fn charge(&self, key: &str, cost: usize) -> Charge {
        let Some(buckets) = &self.buckets else {
            return Charge::Unlimited;
        };
        let points = u32::try_from(cost)
            .unwrap_or(u32::MAX)
            .clamp(1, self.maximum);
        let Some(points) = NonZeroU32::new(points) else {
            return Charge::Unlimited;
        };
        let throttle = |available| Throttle {
            maximum: self.maximum,
            available,
            restore_rate: self.restore_rate,
        };
        // Keys are few (a client per authority), but a replica running for months meets
        // clients that stopped calling: forget full buckets now and then.
        if buckets.len() > 10_000 {
            buckets.retain_recent();
        }
        match buckets.check_key_n(&key.to_owned(), points) {
            Ok(Ok(snapshot)) => Charge::Charged(throttle(snapshot.remaining_burst_capacity())),
            Ok(Err(not_until)) => {
                let retry_after = not_until.wait_time_from(buckets.clock().now());
                // What the bucket holds now: the charge less what the wait restores.
                let restored_by_then =
                    (retry_after.as_secs_f64() * f64::from(self.restore_rate)).ceil();
                let available = (f64::from(points.get()) - restored_by_then).max(0.0);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let available = available as u32;
                Charge::Refused {
                    throttle: throttle(available),
                    retry_after,
                }
            }
            // Cannot happen: the charge is clamped to the bucket's size.
            Err(_) => Charge::Refused {
                throttle: throttle(0),
                retry_after: Duration::from_secs(1),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_its_maximum_and_refuses_beyond_it() {
        let budget = CostBudget::new(100, 10);
        let Charge::Charged(first) = budget.charge("a", 60) else {
            panic!("the first charge fits");
        };
        assert_eq!(
            first,
            Throttle {
                maximum: 100,
                available: 40,
                restore_rate: 10
            }
        );
        match budget.charge("a", 60) {
            Charge::Refused {
                throttle,
                retry_after,
            } => {
                assert_eq!(throttle.maximum, 100);
                // It holds the 40 the first charge left (less a moment's restoring, rounded).
                assert!((38..=41).contains(&throttle.available), "{throttle:?}");
                // 20 points missing at 10 a second: about 2 seconds.
                assert!(
                    retry_after > Duration::from_millis(1500)
                        && retry_after <= Duration::from_secs(2),
                    "{retry_after:?}"
                );
            }
            other => panic!("refused, not {other:?}"),
        }
        // Another key has its own bucket.
        assert!(matches!(budget.charge("b", 100), Charge::Charged(_)));
        // A charge over the bucket's size is the bucket's size, never refused for ever.
        assert!(matches!(budget.charge("c", 1_000_000), Charge::Charged(t) if t.available == 0));
        // Nothing is free: a zero cost takes a point.
        assert!(matches!(budget.charge("d", 0), Charge::Charged(t) if t.available == 99));
    }

    #[test]
    fn off_when_the_maximum_or_rate_is_zero() {
        assert_eq!(CostBudget::new(0, 10).charge("a", 5), Charge::Unlimited);
        assert_eq!(CostBudget::new(10, 0).charge("a", 5), Charge::Unlimited);
    }
}
