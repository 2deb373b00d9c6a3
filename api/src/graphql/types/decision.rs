use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use stable_futures_domain::referral;

use crate::graphql::enums::DecisionOutcome;

/// A Reasonable or Conclusive Grounds decision.
#[derive(Debug, Clone, SimpleObject)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub decided_at: DateTime<Utc>,
}

impl From<referral::Decision> for Decision {
    fn from(decision: referral::Decision) -> Self {
        Decision {
            outcome: decision.outcome.into(),
            decided_at: decision.decided_at,
        }
    }
}
