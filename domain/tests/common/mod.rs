//! Builders shared by the domain's integration tests. Every instant is fixed: nothing here reads the
//! real clock.

// Each test binary compiles its own copy of this module and uses a different subset of it.
#![allow(dead_code)]

pub mod solver;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::child::{Child, ChildDraft};
use stable_futures_domain::error::{ErrorCode, FieldErrors};
use stable_futures_domain::ids::{ChildId, MeasurementId, ReferralId};
use stable_futures_domain::local_authority::{LocalAuthorityCode, Nation};
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::referral::{
    CompetentAuthority, ExploitationLocation, ExploitationType, FirstResponderType, NrmReferral,
    ReferralDraft,
};

/// A UTC instant to the minute.
pub fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("valid instant")
}

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

pub fn seconds(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

pub fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

pub fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// The clock the tests pretend it is, unless a test says otherwise.
pub fn now() -> DateTime<Utc> {
    at(2026, 6, 1, 12, 0)
}

/// A child with this date of birth.
pub fn child_born(date_of_birth: NaiveDate, age_disputed: bool) -> Child {
    let details = ChildDraft {
        local_child_id: "LL0012345".to_owned(),
        date_of_birth: Some(date_of_birth),
        age_disputed,
        ..ChildDraft::default()
    }
    .validate(date_of_birth)
    .expect("valid child");
    Child {
        recorded_by_local_authority: None,
        id: ChildId::generate(),
        local_authority: LocalAuthorityCode::parse("E09000019").expect("valid GSS code"),
        details,
        version: 1,
        created_at: at(2025, 1, 6, 9, 0),
        updated_at: at(2025, 1, 6, 9, 0),
    }
}

/// A 14-year-old on the dates the tests use: eligible for everything.
pub fn child() -> Child {
    child_born(date(2011, 5, 17), false)
}

/// A referral draft that passes validation: a police referral for criminal exploitation (county
/// lines) in the UK, decided by the Single Competent Authority.
pub fn referral_draft(referred_at: DateTime<Utc>) -> ReferralDraft {
    ReferralDraft {
        referred_at,
        first_responder_type: FirstResponderType::Police,
        first_responder_name: "Metropolitan Police Service".to_owned(),
        exploitation_types: vec![ExploitationType::Criminal],
        county_lines: true,
        exploitation_location: ExploitationLocation::Uk,
        competent_authority: CompetentAuthority::Sca,
    }
}

/// The calendar the tests' authority (Islington) counts working days in.
pub fn england_and_wales() -> &'static BankHolidays {
    BankHolidays::of(Nation::EnglandAndWales).expect("shipped data parses")
}

/// A freshly submitted referral.
pub fn submitted_at(referred_at: DateTime<Utc>) -> NrmReferral {
    let (referral, _event) = NrmReferral::submit(
        ReferralId::generate(),
        &child(),
        referral_draft(referred_at),
        england_and_wales(),
        now(),
    )
    .expect("valid referral");
    referral
}

/// (field, code) of every error, in the order reported.
pub fn codes(errors: &FieldErrors) -> Vec<(&str, ErrorCode)> {
    errors
        .0
        .iter()
        .map(|error| (error.field.as_str(), error.code))
        .collect()
}

/// A stored measurement of `outcome_key` under framework `version`: the young person took part
/// when they gave a rating.
pub fn measurement_of(
    child_id: ChildId,
    version: &str,
    outcome_key: &str,
    observed_at: DateTime<Utc>,
    young_person_rating: Option<i32>,
    practitioner_rating: Option<i32>,
) -> OutcomeMeasurement {
    OutcomeMeasurement {
        recorded_by_local_authority: None,
        id: MeasurementId::generate(),
        child_id,
        framework_version: version.to_owned(),
        outcome_key: outcome_key.to_owned(),
        observed_at,
        recorded_by: "test".to_owned(),
        recorded_at: observed_at,
        young_person_participated: young_person_rating.is_some(),
        young_person_rating,
        young_person_words: None,
        practitioner_rating,
        practitioner_note: None,
        indicators_met: Vec::new(),
        supersedes: None,
    }
}
