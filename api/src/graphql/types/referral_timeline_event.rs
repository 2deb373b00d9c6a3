use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use stable_futures_domain::referral::ReferralEvent;

use crate::graphql::enums::{DecisionOutcome, ReferralEventKind};

/// One step in a referral's history.
#[derive(Debug, Clone, SimpleObject)]
pub struct ReferralTimelineEvent {
    pub kind: ReferralEventKind,
    /// When it happened (not when it was recorded).
    pub at: DateTime<Utc>,
    /// For decisions: their outcome.
    pub outcome: Option<DecisionOutcome>,
}

impl From<&ReferralEvent> for ReferralTimelineEvent {
    fn from(event: &ReferralEvent) -> Self {
        ReferralTimelineEvent {
            kind: event.kind.into(),
            at: event.at,
            outcome: event.outcome.map(Into::into),
        }
    }
}
