//! NRM referrals and their decisions, as a state machine whose every transition is an event.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::calendar::{calendar_days, uk_date, BankHolidays, CalendarError};
use crate::child::{past_instant, plain_text, Child};
use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::ids::{ChildId, ReferralId};

string_enum! {
    /// Exploitation types as the Home Office statistics use them; several may apply.
    pub enum ExploitationType {
        Sexual => "SEXUAL",
        Labour => "LABOUR",
        Criminal => "CRIMINAL",
        DomesticServitude => "DOMESTIC_SERVITUDE",
        OrganHarvesting => "ORGAN_HARVESTING",
        Unknown => "UNKNOWN",
    }
}

string_enum! {
    /// Where the exploitation took place.
    pub enum ExploitationLocation {
        Uk => "UK",
        Overseas => "OVERSEAS",
        UkAndOverseas => "UK_AND_OVERSEAS",
    }
}

string_enum! {
    /// Who makes the decisions on a referral.
    pub enum CompetentAuthority {
        /// Single Competent Authority (Home Office).
        Sca => "SCA",
        /// Immigration Enforcement Competent Authority.
        Ieca => "IECA",
        /// A local multi-agency panel in the Devolved Decision-Making pilot.
        DdmPanel => "DDM_PANEL",
    }
}

string_enum! {
    /// The kind of first responder organisation that made the referral. Individual organisations
    /// are named in `organisation_name`: the list of designated organisations changes, so it is
    /// data, not a type.
    pub enum FirstResponderType {
        Police => "POLICE",
        LocalAuthority => "LOCAL_AUTHORITY",
        HealthAndSocialCareTrust => "HEALTH_AND_SOCIAL_CARE_TRUST",
        UkVisasAndImmigration => "UK_VISAS_AND_IMMIGRATION",
        BorderForce => "BORDER_FORCE",
        ImmigrationEnforcement => "IMMIGRATION_ENFORCEMENT",
        NationalCrimeAgency => "NATIONAL_CRIME_AGENCY",
        GangmastersAndLabourAbuseAuthority => "GANGMASTERS_AND_LABOUR_ABUSE_AUTHORITY",
        DesignatedNonGovernmentalOrganisation => "DESIGNATED_NGO",
    }
}

string_enum! {
    pub enum DecisionOutcome {
        Positive => "POSITIVE",
        Negative => "NEGATIVE",
    }
}

string_enum! {
    /// Where a referral stands.
    pub enum ReferralStatus {
        Submitted => "SUBMITTED",
        RgPositive => "RG_POSITIVE",
        RgNegative => "RG_NEGATIVE",
        CgPositive => "CG_POSITIVE",
        CgNegative => "CG_NEGATIVE",
        Withdrawn => "WITHDRAWN",
    }
}

string_enum! {
    /// What happened to a referral, in its timeline.
    pub enum ReferralEventKind {
        Submitted => "SUBMITTED",
        ReasonableGroundsDecision => "REASONABLE_GROUNDS_DECISION",
        ConclusiveGroundsDecision => "CONCLUSIVE_GROUNDS_DECISION",
        ReconsiderationRequested => "RECONSIDERATION_REQUESTED",
        Withdrawn => "WITHDRAWN",
    }
}

/// Working days within which a Reasonable Grounds decision should be made.
pub const REASONABLE_GROUNDS_TARGET_WORKING_DAYS: u32 = 5;

/// Calendar days within which a devolved decision-making panel should decide reasonable grounds.
pub const DEVOLVED_DECISION_TARGET_DAYS: u64 = 45;

/// The day a Reasonable Grounds decision on a referral made at `referred_at` is due: 5 working
/// days after the referral's UK date in the authority's calendar, or 45 calendar days for a
/// devolved decision-making panel.
pub fn reasonable_grounds_due_on(
    referred_at: DateTime<Utc>,
    competent_authority: CompetentAuthority,
    holidays: &BankHolidays,
) -> Result<NaiveDate, CalendarError> {
    let referred_on = uk_date(referred_at);
    if competent_authority == CompetentAuthority::DdmPanel {
        referred_on
            .checked_add_days(Days::new(DEVOLVED_DECISION_TARGET_DAYS))
            .ok_or(CalendarError::NotCovered(referred_on))
    } else {
        holidays.add_working_days(referred_on, REASONABLE_GROUNDS_TARGET_WORKING_DAYS)
    }
}

/// Minimum recovery period after a positive Reasonable Grounds decision, by the date the decision
/// was made: 45 calendar days until the Nationality and Borders Act 2022 provisions commenced on
/// 30 January 2023, 30 since. Newest first.
pub const RECOVERY_PERIOD_POLICY: &[(NaiveDate, u64)] =
    &[(ymd(2023, 1, 30), 30), (NaiveDate::MIN, 45)];

const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

/// A child who is 18 or within 100 days of turning 18 on the day of referral is not eligible for
/// devolved decision-making.
pub const DEVOLVED_DECISION_MIN_DAYS_BEFORE_18: i64 = 100;

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
    pub version: i32,
}

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

    /// Calendar days from referral to the first Reasonable Grounds decision (UK dates): a
    /// negative decision reversed on reconsideration still took as long as it took (decision 0005).
    pub fn days_to_reasonable_grounds(&self) -> Option<i64> {
        self.first_reasonable_grounds
            .map(|rg| calendar_days(uk_date(self.referred_at), uk_date(rg.decided_at)))
    }

    /// Whether the first Reasonable Grounds decision came by its due date (5 working days of the
    /// authority's nation; 45 calendar days for a devolved panel).
    pub fn reasonable_grounds_within_target(&self) -> Option<bool> {
        self.first_reasonable_grounds
            .map(|rg| uk_date(rg.decided_at) <= self.reasonable_grounds_due_on)
    }

    /// Calendar days from the Reasonable Grounds to the Conclusive Grounds decision.
    pub fn days_reasonable_to_conclusive_grounds(&self) -> Option<i64> {
        match (self.reasonable_grounds, self.conclusive_grounds) {
            (Some(rg), Some(cg)) => Some(calendar_days(
                uk_date(rg.decided_at),
                uk_date(cg.decided_at),
            )),
            _ => None,
        }
    }

    /// The last day of the minimum recovery period that follows a positive Reasonable Grounds
    /// decision.
    /// None once the referral is withdrawn: support under the NRM ends with it.
    pub fn recovery_period_ends_on(&self) -> Option<NaiveDate> {
        if self.status == ReferralStatus::Withdrawn {
            return None;
        }
        let rg = self.reasonable_grounds?;
        if rg.outcome != DecisionOutcome::Positive {
            return None;
        }
        let decided_on = uk_date(rg.decided_at);
        let days = RECOVERY_PERIOD_POLICY
            .iter()
            .find(|(from, _)| decided_on >= *from)
            .map_or(30, |(_, days)| *days);
        decided_on.checked_add_days(Days::new(days))
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
