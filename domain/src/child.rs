use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::ids::ChildId;
use crate::local_authority::LocalAuthorityCode;

/// The case system's own id for a child: up to 20 letters and digits, stable, never reused,
/// unique within one local authority.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalChildId(String);

impl LocalChildId {
    pub const MAX_LEN: usize = 20;

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new(
                "localChildId",
                ErrorCode::Required,
                "a local child id is required",
            ));
        }
        if text.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                "localChildId",
                ErrorCode::TooLong,
                "a local child id has at most 20 letters and digits",
            ));
        }
        if !text.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                "localChildId",
                ErrorCode::InvalidFormat,
                "a local child id has only letters and digits",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocalChildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An NHS number: ten digits, the last a modulus-11 check digit. Spaces and hyphens, as printed on
/// letters (`943 476 5919`), are accepted and dropped.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NhsNumber(String);

impl NhsNumber {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "nhsNumber",
                ErrorCode::InvalidNhsNumber,
                "an NHS number is ten digits whose last digit is the modulus-11 check digit",
            )
        };
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
        let weighted: u32 = values[..9]
            .iter()
            .zip((2..=10).rev())
            .map(|(digit, weight)| digit * weight)
            .sum();
        let check = match 11 - weighted % 11 {
            11 => 0,
            10 => return Err(invalid()),
            check => check,
        };
        if check == values[9] {
            Ok(Self(digits))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// An NHS number identifies a child across services: keep it out of debug output and logs.
impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NhsNumber(…)")
    }
}

string_enum! {
    /// Why a unique pupil number is not known (Children in Need census codes).
    pub enum UpnUnknownReason {
        /// Child not yet of school age or not in education.
        Un1 => "UN1",
        /// Child educated outside England.
        Un2 => "UN2",
        /// Child newly arrived; UPN not yet allocated.
        Un3 => "UN3",
        /// UPN not known; enquiries under way.
        Un4 => "UN4",
        /// Child's sources disagree; awaiting confirmation.
        Un5 => "UN5",
    }
}

/// A unique pupil number (13 characters: a check letter, the DfE LA number, the year, a serial
/// and a final digit or, for a temporary UPN, a letter), or the census code saying why it is not
/// known.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Upn {
    Known(String),
    Unknown(UpnUnknownReason),
}

impl Upn {
    const CHECK_LETTERS: &'static [u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "upn",
                ErrorCode::InvalidUpn,
                "a UPN is 13 characters with a valid check letter, or one of UN1–UN5",
            )
        };
        let text = text.trim().to_ascii_uppercase();
        if let Some(reason) = UpnUnknownReason::parse(&text) {
            return Ok(Self::Unknown(reason));
        }
        let bytes = text.as_bytes();
        if bytes.len() != 13 || !bytes[1..12].iter().all(u8::is_ascii_digit) {
            return Err(invalid());
        }
        let last = match bytes[12] {
            digit @ b'0'..=b'9' => u32::from(digit - b'0'),
            letter => match Self::CHECK_LETTERS.iter().position(|&l| l == letter) {
                Some(index) => index as u32,
                None => return Err(invalid()),
            },
        };
        let weighted: u32 = bytes[1..12]
            .iter()
            .map(|b| u32::from(b - b'0'))
            .chain(std::iter::once(last))
            .zip(2..=13)
            .map(|(value, weight)| value * weight)
            .sum();
        let expected = Self::CHECK_LETTERS[(weighted % 23) as usize];
        if bytes[0] == expected {
            Ok(Self::Known(text))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Upn::Known(text) => text,
            Upn::Unknown(reason) => reason.as_str(),
        }
    }
}

impl fmt::Debug for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upn::Known(_) => f.write_str("Upn(…)"),
            Upn::Unknown(reason) => write!(f, "Upn({reason})"),
        }
    }
}

string_enum! {
    /// Gender as recorded by the case system (Children in Need census categories).
    pub enum Gender {
        Female => "FEMALE",
        Male => "MALE",
        Other => "OTHER",
        NotKnown => "NOT_KNOWN",
        NotStated => "NOT_STATED",
    }
}

string_enum! {
    /// Immigration status, where relevant to the child's support.
    pub enum ImmigrationStatus {
        BritishOrIrishCitizen => "BRITISH_OR_IRISH_CITIZEN",
        UnaccompaniedAsylumSeekingChild => "UNACCOMPANIED_ASYLUM_SEEKING_CHILD",
        AsylumClaimPending => "ASYLUM_CLAIM_PENDING",
        RefugeeStatus => "REFUGEE_STATUS",
        HumanitarianProtection => "HUMANITARIAN_PROTECTION",
        DiscretionaryLeave => "DISCRETIONARY_LEAVE",
        LimitedLeave => "LIMITED_LEAVE",
        IndefiniteLeave => "INDEFINITE_LEAVE",
        EuSettlementScheme => "EU_SETTLEMENT_SCHEME",
        NoLeave => "NO_LEAVE",
        Unknown => "UNKNOWN",
    }
}

string_enum! {
    /// The child's relationship with children's services.
    pub enum CareStatus {
        LookedAfter => "LOOKED_AFTER",
        ChildProtectionPlan => "CHILD_PROTECTION_PLAN",
        ChildInNeed => "CHILD_IN_NEED",
        CareLeaver => "CARE_LEAVER",
        NoneRecorded => "NONE_RECORDED",
    }
}

/// A nationality as an ISO 3166-1 alpha-3 code (`GBR`, `VNM`, `ALB`; `XXA` stateless).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nationality(String);

impl Nationality {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim().to_ascii_uppercase();
        if text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(text))
        } else {
            Err(FieldError::new(
                "nationalities",
                ErrorCode::InvalidFormat,
                "a nationality is an ISO 3166-1 alpha-3 code such as GBR or VNM",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A language as an ISO 639 code (`en`, `sq`, `vi`, `ti`; three letters where no two-letter code
/// exists).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

impl Language {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim().to_ascii_lowercase();
        if (2..=3).contains(&text.len()) && text.chars().all(|c| c.is_ascii_lowercase()) {
            Ok(Self(text))
        } else {
            Err(FieldError::new(
                "languages",
                ErrorCode::InvalidFormat,
                "a language is an ISO 639 code such as en, sq or vi",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A date that has happened: birth dates and similar cannot lie in the future.
pub fn past_date(field: &str, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    if date > today {
        Err(FieldError::new(
            field,
            ErrorCode::InFuture,
            "this date cannot be in the future",
        ))
    } else {
        Ok(date)
    }
}

/// How far ahead of the server's clock an instant may be: a case system's clock may run a little
/// fast, and refusing its writes for that would lose data.
pub const CLOCK_SKEW_ALLOWANCE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// An instant that has happened (referrals, decisions, observations).
pub fn past_instant(
    field: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    if at > now + CLOCK_SKEW_ALLOWANCE {
        Err(FieldError::new(
            field,
            ErrorCode::InFuture,
            "this time cannot be in the future",
        ))
    } else {
        Ok(at)
    }
}

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
#[derive(Debug, Clone, Default)]
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
    /// Validates every field, reporting every problem at once.
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

/// A child as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub id: ChildId,
    pub local_authority: LocalAuthorityCode,
    pub details: ChildDetails,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Child {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn nhs_numbers_table() {
        let cases = [
            ("9434765919", true),
            ("943 476 5919", true),
            ("943-476-5919", true),
            ("4010232137", true),
            ("9434765918", false), // wrong check digit
            ("943476591", false),  // too short
            ("94347659190", false),
            ("94347659AB", false),
            ("", false),
            ("1000000010", false), // remainder 1: check digit 10 is never valid
        ];
        for (text, valid) in cases {
            assert_eq!(NhsNumber::parse(text).is_ok(), valid, "{text}");
        }
        assert_eq!(
            NhsNumber::parse("943 476 5919").map(|n| n.0),
            Ok("9434765919".to_owned())
        );
    }

    #[test]
    fn nhs_number_is_not_printed_in_debug() {
        let number = NhsNumber::parse("9434765919").expect("valid");
        assert!(!format!("{number:?}").contains("943"));
    }

    #[test]
    fn upn_check_letter() {
        // Check letters from the DfE algorithm (weighted sum of characters 2–13, modulo 23), computed
        // independently; the third is a temporary UPN ending in a letter.
        let valid = [
            "Q823456789012",
            "H801200001001",
            "M20120131123A",
            "q823456789012",
            "UN3",
        ];
        for text in valid {
            assert!(Upn::parse(text).is_ok(), "{text}");
        }
        let invalid = [
            "A823456789012",
            "M20120131123B",
            "A82345678901",
            "A8234567890I2",
            "UN6",
            "",
            "1823456789012",
        ];
        for text in invalid {
            assert!(Upn::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn local_child_ids() {
        assert!(LocalChildId::parse("LL0012345").is_ok());
        assert!(LocalChildId::parse("12345678901234567890").is_ok());
        let too_long = LocalChildId::parse("123456789012345678901");
        assert_eq!(too_long.map_err(|e| e.code), Err(ErrorCode::TooLong));
        assert_eq!(
            LocalChildId::parse("AB-12").map_err(|e| e.code),
            Err(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            LocalChildId::parse(" ").map_err(|e| e.code),
            Err(ErrorCode::Required)
        );
    }

    #[test]
    fn draft_reports_every_problem() {
        let draft = ChildDraft {
            local_child_id: "bad id!".into(),
            nhs_number: Some("1234567890".into()),
            date_of_birth: Some(d(2030, 1, 1)),
            nationalities: vec!["GB".into()],
            languages: vec!["english".into()],
            ..ChildDraft::default()
        };
        let errors = draft.validate(d(2026, 1, 1)).expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "localChildId",
                "nhsNumber",
                "dateOfBirth",
                "nationalities",
                "languages"
            ]
        );
    }

    #[test]
    fn draft_normalises_lists() {
        let draft = ChildDraft {
            local_child_id: "C1".into(),
            date_of_birth: Some(d(2010, 2, 3)),
            nationalities: vec!["vnm".into(), "GBR".into(), "VNM".into()],
            languages: vec!["VI".into()],
            ..ChildDraft::default()
        };
        let details = draft.validate(d(2026, 1, 1)).expect("valid");
        let nationalities: Vec<&str> = details
            .nationalities
            .iter()
            .map(Nationality::as_str)
            .collect();
        assert_eq!(nationalities, ["GBR", "VNM"]);
        assert_eq!(details.languages[0].as_str(), "vi");
    }

    #[test]
    fn eighteenth_birthday_handles_leap_days() {
        let mut child = Child {
            id: ChildId::generate(),
            local_authority: LocalAuthorityCode::parse("E09000019").expect("valid"),
            details: ChildDraft {
                local_child_id: "C1".into(),
                date_of_birth: Some(d(2008, 2, 29)),
                ..ChildDraft::default()
            }
            .validate(d(2026, 1, 1))
            .expect("valid"),
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert_eq!(child.eighteenth_birthday(), d(2026, 3, 1));
        child.details.date_of_birth = d(2009, 7, 14);
        assert_eq!(child.eighteenth_birthday(), d(2027, 7, 14));
    }
}
