use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::referral::ReferralDraft;

use super::first_responder_input::FirstResponderInput;
use crate::graphql::enums::{CompetentAuthority, ExploitationLocation, ExploitationType};

/// An NRM referral for a child.
#[derive(Debug, InputObject)]
pub struct SubmitReferralInput {
    pub child_id: ID,
    pub referred_at: DateTime<Utc>,
    pub first_responder: FirstResponderInput,
    /// At least one; UNKNOWN if not yet known.
    pub exploitation_types: Vec<ExploitationType>,
    /// County lines (needs CRIMINAL among the exploitation types).
    #[graphql(default = false)]
    pub county_lines: bool,
    pub exploitation_location: ExploitationLocation,
    pub competent_authority: CompetentAuthority,
    /// Makes a retry safe: sent again with the same key and the same input within 24 hours, the
    /// request answers with what the first one created instead of creating it again; the same
    /// key with a different input is refused (`IDEMPOTENCY_CONFLICT`). Keys belong to the calling
    /// client; a new UUID per request is a good key.
    pub idempotency_key: Option<String>,
}

impl SubmitReferralInput {
    pub fn draft(self) -> ReferralDraft {
        ReferralDraft {
            referred_at: self.referred_at,
            first_responder_type: self.first_responder.organisation_type.into(),
            first_responder_name: self.first_responder.organisation_name,
            exploitation_types: self
                .exploitation_types
                .into_iter()
                .map(Into::into)
                .collect(),
            county_lines: self.county_lines,
            exploitation_location: self.exploitation_location.into(),
            competent_authority: self.competent_authority.into(),
        }
    }
}
