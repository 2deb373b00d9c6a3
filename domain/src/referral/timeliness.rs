//! When a referral's decisions are due, how long they took, and the recovery period that
//! follows a positive Reasonable Grounds decision.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::record::NrmReferral;
use super::vocabulary::{CompetentAuthority, DecisionOutcome, ReferralStatus};
use crate::calendar::{calendar_days, uk_date, BankHolidays, CalendarError};

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

impl NrmReferral {
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
}
