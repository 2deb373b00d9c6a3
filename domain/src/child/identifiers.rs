//! How a child is identified and described: the case system's id, NHS number, UPN, and the
//! recorded categories (gender, immigration and care status, nationality, language).

use std::fmt;

use crate::error::{ErrorCode, FieldError};

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
