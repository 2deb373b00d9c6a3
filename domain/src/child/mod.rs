//! A child: the validated details a case system records, and the child as stored.

mod identifiers;
#[cfg(test)]
mod patch_tests;
pub mod ssd;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};

pub use identifiers::{
    CareStatus, Gender, ImmigrationStatus, Language, LocalChildId, Nationality, NhsNumber, Upn,
};

use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::fields::past_date;
use crate::ids::ChildId;
use crate::local_authority::LocalAuthorityCode;

/// The facts about a child that callers provide, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildDetails {
    pub local_child_id: LocalChildId,
    pub upn: Option<Upn>,
    pub nhs_number: Option<NhsNumber>,
    pub date_of_birth: NaiveDate,
    /// The date of birth is an estimate (common for young people who arrived without documents).
    pub date_of_birth_estimated: bool,
    /// Age is disputed: the young person is treated as a child until decided otherwise.
    pub age_disputed: bool,
    pub gender: Option<Gender>,
    pub nationalities: Vec<Nationality>,
    pub languages: Vec<Language>,
    pub interpreter_required: bool,
    pub immigration_status: Option<ImmigrationStatus>,
    pub care_status: Option<CareStatus>,
}

/// Unvalidated input for a child, as it arrives from a caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildDraft {
    pub local_child_id: String,
    pub upn: Option<String>,
    pub nhs_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_birth_estimated: bool,
    pub age_disputed: bool,
    pub gender: Option<Gender>,
    pub nationalities: Vec<String>,
    pub languages: Vec<String>,
    pub interpreter_required: bool,
    pub immigration_status: Option<ImmigrationStatus>,
    pub care_status: Option<CareStatus>,
}

impl ChildDraft {
    /// Validates every field as of the instant `now`: "not in the future" is judged by the UK
    /// date, as every other date of the domain is (at 00:30 BST the UTC date is still yesterday).
    pub fn validate_at(self, now: DateTime<Utc>) -> Result<ChildDetails, FieldErrors> {
        self.validate(crate::calendar::uk_date(now))
    }

    /// Validates every field, reporting every problem at once, as of the UK date `today`.
    pub fn validate(self, today: NaiveDate) -> Result<ChildDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let local_child_id = errors.take(LocalChildId::parse(&self.local_child_id));
        let upn = self
            .upn
            .as_deref()
            .and_then(|text| errors.take(Upn::parse(text)));
        let nhs_number = self
            .nhs_number
            .as_deref()
            .and_then(|text| errors.take(NhsNumber::parse(text)));
        let date_of_birth = match self.date_of_birth {
            Some(date) => errors.take(past_date("dateOfBirth", date, today)),
            None => {
                errors.push(FieldError::new(
                    "dateOfBirth",
                    ErrorCode::Required,
                    "a date of birth, or an estimated one, is required",
                ));
                None
            }
        };
        let nationalities = parse_all(&mut errors, &self.nationalities, Nationality::parse);
        let languages = parse_all(&mut errors, &self.languages, Language::parse);
        match (local_child_id, date_of_birth) {
            (Some(local_child_id), Some(date_of_birth)) if errors.is_empty() => Ok(ChildDetails {
                local_child_id,
                upn,
                nhs_number,
                date_of_birth,
                date_of_birth_estimated: self.date_of_birth_estimated,
                age_disputed: self.age_disputed,
                gender: self.gender,
                nationalities,
                languages,
                interpreter_required: self.interpreter_required,
                immigration_status: self.immigration_status,
                care_status: self.care_status,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_all<T: Ord>(
    errors: &mut FieldErrors,
    texts: &[String],
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Vec<T> {
    let mut values: Vec<T> = texts
        .iter()
        .filter_map(|text| errors.take(parse(text)))
        .collect();
    values.sort();
    values.dedup();
    values
}

// What an import knows about a child, laid over what is stored.
//
// An extract carries some of a child's details and is silent about others (the Standard
// Safeguarding Dataset has no languages, no interpreter flag, no disputed age). A field the
// extract is silent about must keep what the API recorded, or importing the same extract after a
// case worker's `updateChild` would undo their change; and an unchanged extract must come out
// equal to the stored child, so that importing it again writes nothing.

/// A child's details as one import carries them: `None` wherever the source is silent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildPatch {
    pub local_child_id: String,
    pub upn: Option<String>,
    pub nhs_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_birth_estimated: Option<bool>,
    pub age_disputed: Option<bool>,
    pub gender: Option<Gender>,
    pub nationalities: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub interpreter_required: Option<bool>,
    pub immigration_status: Option<ImmigrationStatus>,
    pub care_status: Option<CareStatus>,
}

impl ChildPatch {
    /// The draft of a child not yet registered: what the patch is silent about is unknown (no
    /// identifier, no estimate, no dispute, no interpreter).
    pub fn new_child(&self) -> ChildDraft {
        ChildDraft {
            local_child_id: self.local_child_id.clone(),
            upn: self.upn.clone(),
            nhs_number: self.nhs_number.clone(),
            date_of_birth: self.date_of_birth,
            date_of_birth_estimated: self.date_of_birth_estimated.unwrap_or(false),
            age_disputed: self.age_disputed.unwrap_or(false),
            gender: self.gender,
            nationalities: self.nationalities.clone().unwrap_or_default(),
            languages: self.languages.clone().unwrap_or_default(),
            interpreter_required: self.interpreter_required.unwrap_or(false),
            immigration_status: self.immigration_status,
            care_status: self.care_status,
        }
    }

    /// The stored child's details with what the patch carries laid over them; what it is silent
    /// about stays as stored.
    pub fn over(&self, stored: &ChildDetails) -> ChildDraft {
        let current = ChildDraft::from(stored);
        ChildDraft {
            local_child_id: self.local_child_id.clone(),
            upn: self.upn.clone().or(current.upn),
            nhs_number: self.nhs_number.clone().or(current.nhs_number),
            date_of_birth: self.date_of_birth.or(current.date_of_birth),
            date_of_birth_estimated: self
                .date_of_birth_estimated
                .unwrap_or(current.date_of_birth_estimated),
            age_disputed: self.age_disputed.unwrap_or(current.age_disputed),
            gender: self.gender.or(current.gender),
            nationalities: self.nationalities.clone().unwrap_or(current.nationalities),
            languages: self.languages.clone().unwrap_or(current.languages),
            interpreter_required: self
                .interpreter_required
                .unwrap_or(current.interpreter_required),
            immigration_status: self.immigration_status.or(current.immigration_status),
            care_status: self.care_status.or(current.care_status),
        }
    }
}

impl From<&ChildDetails> for ChildDraft {
    fn from(details: &ChildDetails) -> Self {
        ChildDraft {
            local_child_id: details.local_child_id.as_str().to_owned(),
            upn: details.upn.as_ref().map(|upn| upn.as_str().to_owned()),
            nhs_number: details
                .nhs_number
                .as_ref()
                .map(|number| number.as_str().to_owned()),
            date_of_birth: Some(details.date_of_birth),
            date_of_birth_estimated: details.date_of_birth_estimated,
            age_disputed: details.age_disputed,
            gender: details.gender,
            nationalities: details
                .nationalities
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
            languages: details
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            interpreter_required: details.interpreter_required,
            immigration_status: details.immigration_status,
            care_status: details.care_status,
        }
    }
}

/// A child as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub id: ChildId,
    pub local_authority: LocalAuthorityCode,
    pub details: ChildDetails,
    /// The authority that registered the child, when it is not the one that holds it now (the child
    /// moved here with it: see `transfer`).
    pub recorded_by_local_authority: Option<LocalAuthorityCode>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Child {
    /// Whole years of age on `day`, from the recorded (possibly estimated) date of birth.
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        use chrono::Datelike;
        let born = self.details.date_of_birth;
        let years = day.year() - born.year();
        if (day.month(), day.day()) < (born.month(), born.day()) {
            years - 1
        } else {
            years
        }
    }

    /// The day the child turns 18 (from the recorded, possibly estimated, date of birth). A child
    /// born on 29 February turns 18 on 1 March.
    pub fn eighteenth_birthday(&self) -> NaiveDate {
        let dob = self.details.date_of_birth;
        dob.with_year_checked(18)
    }
}

trait AddYears {
    fn with_year_checked(self, years: i32) -> NaiveDate;
}

impl AddYears for NaiveDate {
    fn with_year_checked(self, years: i32) -> NaiveDate {
        use chrono::Datelike;
        let year = self.year() + years;
        NaiveDate::from_ymd_opt(year, self.month(), self.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
            .unwrap_or(self)
    }
}
