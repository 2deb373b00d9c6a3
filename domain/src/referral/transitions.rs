//! How a referral moves: submitted, decided, reconsidered, withdrawn; each step an event.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::calendar::{calendar_days, uk_date, BankHolidays};
use crate::child::Child;
use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::fields::past_instant;
use crate::ids::ReferralId;

use super::record::{Decision, FirstResponder, NrmReferral, ReferralDraft, ReferralEvent};
use super::timeliness::reasonable_grounds_due_on;
use super::vocabulary::{
    CompetentAuthority, DecisionOutcome, ExploitationType, ReferralEventKind, ReferralStatus,
};

/// A child who is 18 or within 100 days of turning 18 on the day of referral is not eligible for
/// devolved decision-making.
pub const DEVOLVED_DECISION_MIN_DAYS_BEFORE_18: i64 = 100;

impl NrmReferral {
    /// Validates a new referral for `child`, returning it with its first timeline event. Its
    /// Reasonable Grounds decision is due by `holidays`, the calendar of the authority's nation.
    pub fn submit(
        id: ReferralId,
        child: &Child,
        draft: ReferralDraft,
        holidays: &BankHolidays,
        now: DateTime<Utc>,
    ) -> Result<(NrmReferral, ReferralEvent), FieldErrors> {
        let mut errors = FieldErrors::new();
        let referred_at = errors.take(past_instant("referredAt", draft.referred_at, now));
        let due_on = referred_at.and_then(|referred_at| {
            errors.take(
                reasonable_grounds_due_on(referred_at, draft.competent_authority, holidays)
                    .map_err(|_| {
                        FieldError::new(
                            "referredAt",
                            ErrorCode::OutOfRange,
                            "the service's bank holiday data does not cover the days after this date, so the decision's due date cannot be set; the calendar must be extended",
                        )
                    }),
            )
        });
        if referred_at.is_some()
            && !child.details.date_of_birth_estimated
            && uk_date(draft.referred_at) < child.details.date_of_birth
        {
            errors.push(FieldError::new(
                "referredAt",
                ErrorCode::BeforePrecedingEvent,
                "a referral cannot be dated before the child's date of birth",
            ));
        }
        let first_responder = errors.take(FirstResponder::parse(
            draft.first_responder_type,
            &draft.first_responder_name,
        ));
        let exploitation_types: BTreeSet<ExploitationType> =
            draft.exploitation_types.iter().copied().collect();
        if exploitation_types.is_empty() {
            errors.push(FieldError::new(
                "exploitationTypes",
                ErrorCode::Required,
                "give at least one exploitation type (UNKNOWN if not yet known)",
            ));
        }
        if draft.county_lines && !exploitation_types.contains(&ExploitationType::Criminal) {
            errors.push(FieldError::new(
                "countyLines",
                ErrorCode::CountyLinesRequiresCriminal,
                "county lines is a form of criminal exploitation: include CRIMINAL in exploitationTypes",
            ));
        }
        if draft.competent_authority == CompetentAuthority::DdmPanel {
            let referral_date = uk_date(draft.referred_at);
            let days_before_18 = calendar_days(referral_date, child.eighteenth_birthday());
            // A disputed age is presumed a child's for protection, but that presumption does not
            // show the young person is more than 100 days from 18: the recorded (estimated or
            // disputed) date of birth decides, and a case it excludes goes to the SCA (decision
            // 0010).
            if days_before_18 <= DEVOLVED_DECISION_MIN_DAYS_BEFORE_18 {
                errors.push(FieldError::new(
                    "competentAuthority",
                    ErrorCode::NotEligibleForDevolvedDecision,
                    "devolved decision-making panels decide only for children more than 100 days from their 18th birthday by the recorded date of birth, estimated or disputed included; refer to the Single Competent Authority instead",
                ));
            }
        }
        match (referred_at, first_responder, due_on) {
            (Some(referred_at), Some(first_responder), Some(due_on)) if errors.is_empty() => {
                let referral = NrmReferral {
                    id,
                    child_id: child.id,
                    referred_at,
                    first_responder,
                    exploitation_types,
                    county_lines: draft.county_lines,
                    exploitation_location: draft.exploitation_location,
                    competent_authority: draft.competent_authority,
                    status: ReferralStatus::Submitted,
                    reasonable_grounds_due_on: due_on,
                    first_reasonable_grounds: None,
                    reasonable_grounds: None,
                    conclusive_grounds: None,
                    reconsideration_requested_at: None,
                    withdrawn_at: None,
                    home_office_reference: None,
                    recorded_by_local_authority: None,
                    version: 1,
                };
                let event = ReferralEvent {
                    kind: ReferralEventKind::Submitted,
                    at: referred_at,
                    outcome: None,
                };
                Ok((referral, event))
            }
            _ => Err(errors),
        }
    }

    /// Records a Reasonable Grounds decision: the first one, or the reconsidered one after a
    /// negative decision.
    pub fn record_reasonable_grounds(
        &mut self,
        outcome: DecisionOutcome,
        decided_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ReferralEvent, FieldError> {
        past_instant("decidedAt", decided_at, now)?;
        let follows = match (self.status, self.reconsideration_requested_at) {
            (ReferralStatus::Submitted, _) => self.referred_at,
            (ReferralStatus::RgNegative, Some(requested_at)) => requested_at,
            (ReferralStatus::RgPositive | ReferralStatus::CgPositive | ReferralStatus::CgNegative, _)
            | (ReferralStatus::RgNegative, None) => {
                return Err(FieldError::new(
                    "referralId",
                    ErrorCode::DecisionAlreadyRecorded,
                    "a Reasonable Grounds decision is already recorded; request a reconsideration of a negative decision first",
                ))
            }
            (ReferralStatus::Withdrawn, _) => return Err(withdrawn()),
        };
        not_before("decidedAt", decided_at, follows)?;
        let decision = Decision {
            outcome,
            decided_at,
        };
        self.first_reasonable_grounds.get_or_insert(decision);
        self.reasonable_grounds = Some(decision);
        self.reconsideration_requested_at = None;
        self.status = match outcome {
            DecisionOutcome::Positive => ReferralStatus::RgPositive,
            DecisionOutcome::Negative => ReferralStatus::RgNegative,
        };
        Ok(ReferralEvent {
            kind: ReferralEventKind::ReasonableGroundsDecision,
            at: decided_at,
            outcome: Some(outcome),
        })
    }

    /// Records a Conclusive Grounds decision, which needs a positive Reasonable Grounds decision.
    pub fn record_conclusive_grounds(
        &mut self,
        outcome: DecisionOutcome,
        decided_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ReferralEvent, FieldError> {
        past_instant("decidedAt", decided_at, now)?;
        let follows = match (self.status, self.reasonable_grounds, self.reconsideration_requested_at) {
            (ReferralStatus::RgPositive, Some(rg), _) => rg.decided_at,
            (ReferralStatus::CgNegative, _, Some(requested_at)) => requested_at,
            (ReferralStatus::Submitted | ReferralStatus::RgNegative, _, _) => {
                return Err(FieldError::new(
                    "referralId",
                    ErrorCode::RequiresPositiveReasonableGrounds,
                    "a Conclusive Grounds decision needs a positive Reasonable Grounds decision first",
                ))
            }
            (ReferralStatus::Withdrawn, _, _) => return Err(withdrawn()),
            _ => {
                return Err(FieldError::new(
                    "referralId",
                    ErrorCode::DecisionAlreadyRecorded,
                    "a Conclusive Grounds decision is already recorded; request a reconsideration of a negative decision first",
                ))
            }
        };
        not_before("decidedAt", decided_at, follows)?;
        self.conclusive_grounds = Some(Decision {
            outcome,
            decided_at,
        });
        self.reconsideration_requested_at = None;
        self.status = match outcome {
            DecisionOutcome::Positive => ReferralStatus::CgPositive,
            DecisionOutcome::Negative => ReferralStatus::CgNegative,
        };
        Ok(ReferralEvent {
            kind: ReferralEventKind::ConclusiveGroundsDecision,
            at: decided_at,
            outcome: Some(outcome),
        })
    }

    /// Asks for a negative decision to be reconsidered (not an appeal: the first responder or
    /// support provider brings new evidence). The referral keeps its status until the reconsidered
    /// decision is recorded.
    pub fn request_reconsideration(
        &mut self,
        requested_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ReferralEvent, FieldError> {
        past_instant("requestedAt", requested_at, now)?;
        let decision = match self.status {
            ReferralStatus::RgNegative => self.reasonable_grounds,
            ReferralStatus::CgNegative => self.conclusive_grounds,
            ReferralStatus::Withdrawn => return Err(withdrawn()),
            _ => None,
        };
        let Some(decision) = decision else {
            return Err(FieldError::new(
                "referralId",
                ErrorCode::InvalidTransition,
                "only a negative decision can be reconsidered",
            ));
        };
        if self.reconsideration_requested_at.is_some() {
            return Err(FieldError::new(
                "referralId",
                ErrorCode::InvalidTransition,
                "a reconsideration is already awaited",
            ));
        }
        not_before("requestedAt", requested_at, decision.decided_at)?;
        self.reconsideration_requested_at = Some(requested_at);
        Ok(ReferralEvent {
            kind: ReferralEventKind::ReconsiderationRequested,
            at: requested_at,
            outcome: None,
        })
    }

    /// Withdraws a referral that has no conclusive decision yet.
    pub fn withdraw(
        &mut self,
        withdrawn_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ReferralEvent, FieldError> {
        past_instant("withdrawnAt", withdrawn_at, now)?;
        match self.status {
            ReferralStatus::Submitted | ReferralStatus::RgPositive | ReferralStatus::RgNegative => {
            }
            ReferralStatus::Withdrawn => return Err(withdrawn()),
            ReferralStatus::CgPositive | ReferralStatus::CgNegative => {
                return Err(FieldError::new(
                    "referralId",
                    ErrorCode::InvalidTransition,
                    "a referral with a Conclusive Grounds decision cannot be withdrawn",
                ))
            }
        }
        let latest = [
            Some(self.referred_at),
            self.reasonable_grounds.map(|d| d.decided_at),
            self.reconsideration_requested_at,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(self.referred_at);
        not_before("withdrawnAt", withdrawn_at, latest)?;
        self.status = ReferralStatus::Withdrawn;
        self.withdrawn_at = Some(withdrawn_at);
        self.reconsideration_requested_at = None;
        Ok(ReferralEvent {
            kind: ReferralEventKind::Withdrawn,
            at: withdrawn_at,
            outcome: None,
        })
    }

    /// Whether a reconsideration has been asked for and not yet decided.
    pub fn reconsideration_pending(&self) -> bool {
        self.reconsideration_requested_at.is_some()
    }
}

fn not_before(field: &str, at: DateTime<Utc>, earliest: DateTime<Utc>) -> Result<(), FieldError> {
    if at < earliest {
        Err(FieldError::new(
            field,
            ErrorCode::BeforePrecedingEvent,
            "this cannot be earlier than the referral event it follows",
        ))
    } else {
        Ok(())
    }
}

fn withdrawn() -> FieldError {
    FieldError::new(
        "referralId",
        ErrorCode::InvalidTransition,
        "the referral has been withdrawn",
    )
}
