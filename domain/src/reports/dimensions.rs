//! What a report's rows can be grouped by, and each record's value in each.

use chrono::{Datelike, NaiveDate};

use crate::child::Child;
use crate::referral::NrmReferral;

/// At most this many dimensions in one `groupBy`: beyond two, most cells are small enough to be
/// suppressed, and the table says nothing.
pub const MAX_DIMENSIONS: usize = 2;

string_enum! {
    /// A grouping of a report's rows.
    pub enum Dimension {
        /// Each kind of exploitation on the referral (a referral of two kinds is in both rows).
        ExploitationType => "EXPLOITATION_TYPE",
        CountyLines => "COUNTY_LINES",
        /// The child's age band on the day of referral.
        AgeBand => "AGE_BAND",
        CompetentAuthority => "COMPETENT_AUTHORITY",
        FirstResponderType => "FIRST_RESPONDER_TYPE",
        /// The child's first recorded nationality (`UNKNOWN` without one).
        Nationality => "NATIONALITY",
        /// The child's recorded gender (`NOT_RECORDED` without one).
        Gender => "GENDER",
    }
}

string_enum! {
    /// An age band on a day, as the Home Office and DfE publish them; a disputed age is its own
    /// band (the recorded date of birth is not the age then).
    pub enum AgeBand {
        Under10 => "UNDER_10",
        From10To13 => "10_TO_13",
        From14To15 => "14_TO_15",
        From16To17 => "16_TO_17",
        Adult => "18_AND_OVER",
        Disputed => "DISPUTED",
    }
}

/// The child's age band on `day`, from the recorded (possibly estimated) date of birth.
pub fn age_band(child: &Child, day: NaiveDate) -> AgeBand {
    if child.details.age_disputed {
        return AgeBand::Disputed;
    }
    let born = child.details.date_of_birth;
    let mut age = day.year() - born.year();
    if (day.month(), day.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    match age {
        i32::MIN..=9 => AgeBand::Under10,
        10..=13 => AgeBand::From10To13,
        14..=15 => AgeBand::From14To15,
        16..=17 => AgeBand::From16To17,
        _ => AgeBand::Adult,
    }
}

/// A row's values in the report's dimensions, in the order of its `groupBy`.
pub type GroupKey = Vec<String>;

impl Dimension {
    /// The values of `referral` of `child` in this dimension: several for a referral of several
    /// kinds of exploitation, one otherwise.
    pub fn values(
        self,
        referral: &NrmReferral,
        child: &Child,
        referred_on: NaiveDate,
    ) -> Vec<String> {
        match self {
            Dimension::ExploitationType => referral
                .exploitation_types
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
            Dimension::CountyLines => {
                vec![if referral.county_lines { "YES" } else { "NO" }.to_owned()]
            }
            Dimension::AgeBand => vec![age_band(child, referred_on).as_str().to_owned()],
            Dimension::CompetentAuthority => vec![referral.competent_authority.as_str().to_owned()],
            Dimension::FirstResponderType => {
                vec![referral
                    .first_responder
                    .organisation_type
                    .as_str()
                    .to_owned()]
            }
            Dimension::Nationality => vec![child
                .details
                .nationalities
                .first()
                .map_or("UNKNOWN", |nationality| nationality.as_str())
                .to_owned()],
            Dimension::Gender => vec![child
                .details
                .gender
                .map_or("NOT_RECORDED", |gender| gender.as_str())
                .to_owned()],
        }
    }
}
