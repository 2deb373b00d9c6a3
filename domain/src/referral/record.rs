//! A referral as recorded: who referred, what about, and the decisions made.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{ErrorCode, FieldError};
use crate::fields::plain_text;
use crate::ids::{ChildId, ReferralId};

use super::vocabulary::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, ReferralEventKind, ReferralStatus,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstResponder {
    pub organisation_type: FirstResponderType,
    pub organisation_name: String,
}

impl FirstResponder {
    pub const MAX_NAME_LEN: usize = 200;

    pub fn parse(organisation_type: FirstResponderType, name: &str) -> Result<Self, FieldError> {
        let name = name.trim();
        plain_text("firstResponder.organisationName", name)?;
        if name.is_empty() {
            Err(FieldError::new(
                "firstResponder.organisationName",
                ErrorCode::Required,
                "name the first responder organisation",
            ))
        } else if name.chars().count() > Self::MAX_NAME_LEN {
            Err(FieldError::new(
                "firstResponder.organisationName",
                ErrorCode::TooLong,
                "an organisation name has at most 200 characters",
            ))
        } else {
            Ok(Self {
                organisation_type,
                organisation_name: name.to_owned(),
            })
        }
    }
}

/// A decision and when it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub decided_at: DateTime<Utc>,
}

/// One entry in a referral's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralEvent {
    pub kind: ReferralEventKind,
    pub at: DateTime<Utc>,
    pub outcome: Option<DecisionOutcome>,
}

/// Unvalidated input for a new referral.
#[derive(Debug, Clone)]
pub struct ReferralDraft {
    pub referred_at: DateTime<Utc>,
    pub first_responder_type: FirstResponderType,
    pub first_responder_name: String,
    pub exploitation_types: Vec<ExploitationType>,
    pub county_lines: bool,
    pub exploitation_location: ExploitationLocation,
    pub competent_authority: CompetentAuthority,
}

/// An NRM referral and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NrmReferral {
    pub id: ReferralId,
    pub child_id: ChildId,
    pub referred_at: DateTime<Utc>,
    pub first_responder: FirstResponder,
    pub exploitation_types: BTreeSet<ExploitationType>,
    /// County lines: criminal exploitation moving drugs across areas.
    pub county_lines: bool,
    pub exploitation_location: ExploitationLocation,
    pub competent_authority: CompetentAuthority,
    pub status: ReferralStatus,
    /// The day the Reasonable Grounds decision is due, set when the referral is submitted.
    pub reasonable_grounds_due_on: NaiveDate,
    /// The first Reasonable Grounds decision: timeliness is measured to it.
    pub first_reasonable_grounds: Option<Decision>,
    /// The current Reasonable Grounds decision (the reconsidered one, after a reconsideration).
    pub reasonable_grounds: Option<Decision>,
    pub conclusive_grounds: Option<Decision>,
    /// Set while a reconsideration of the latest negative decision is awaited.
    pub reconsideration_requested_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The NRM's own reference, once its email has given it.
    pub home_office_reference: Option<HomeOfficeReference>,
    /// The authority that recorded it, when it is not the one that holds it now (the child
    /// moved here with it: see `transfer`).
    pub recorded_by_local_authority: Option<crate::local_authority::LocalAuthorityCode>,
    pub version: i32,
}

/// The reference the NRM gives a referral (in the email that acknowledges the form): letters,
/// digits, `/` and `-`, at most 30.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HomeOfficeReference(String);

impl HomeOfficeReference {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '/' || c == '-';
        if text.is_empty() || text.chars().count() > 30 || !text.chars().all(allowed) {
            Err(FieldError::new(
                "homeOfficeReference",
                ErrorCode::InvalidFormat,
                "a Home Office reference is 1 to 30 letters, digits, / or -",
            ))
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
