//! Inputs of the referral mutations.

use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::referral::ReferralDraft;

use crate::graphql::enums::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType, FirstResponderType,
};

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

/// The first responder organisation making the referral.
#[derive(Debug, InputObject)]
pub struct FirstResponderInput {
    pub organisation_type: FirstResponderType,
    /// E.g. "Metropolitan Police Service", "Barnardo's". At most 200 characters.
    pub organisation_name: String,
}

/// A Reasonable Grounds decision on a referral (the first, or the reconsidered one).
#[derive(Debug, InputObject)]
pub struct RecordReasonableGroundsDecisionInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub outcome: DecisionOutcome,
    pub decided_at: DateTime<Utc>,
}

/// A Conclusive Grounds decision (needs a positive Reasonable Grounds decision).
#[derive(Debug, InputObject)]
pub struct RecordConclusiveGroundsDecisionInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub outcome: DecisionOutcome,
    pub decided_at: DateTime<Utc>,
}

/// A request to reconsider the latest negative decision, with new evidence (not an appeal).
#[derive(Debug, InputObject)]
pub struct RequestReconsiderationInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub requested_at: DateTime<Utc>,
}

/// Withdraws a referral that has no Conclusive Grounds decision.
#[derive(Debug, InputObject)]
pub struct WithdrawReferralInput {
    pub referral_id: ID,
    pub expected_version: i32,
    pub withdrawn_at: DateTime<Utc>,
}

/// The NRM's reference for a referral, from the email that acknowledges the form.
#[derive(Debug, InputObject)]
pub struct RecordHomeOfficeReferenceInput {
    pub referral_id: ID,
    pub expected_version: i32,
    /// 1 to 30 letters, digits, `/` or `-`. Replaces a reference recorded before.
    pub home_office_reference: String,
}
