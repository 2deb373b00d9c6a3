//! How the codes of Data to Insight's Standard Safeguarding Dataset (SSD) map onto a child's
//! details: the extract tables `ssd_person`, `ssd_linked_identifiers`, `ssd_immigration_status`
//! and `ssd_assessment_factors` (data-to-insight/ssd-data-model, `data/objects/*.yml`).
//!
//! Each function answers `None` for a code it does not know; the caller refuses the row, so an
//! unexpected code is fixed at the source rather than guessed at here.

use chrono::NaiveDate;

use super::identifiers::{Gender, ImmigrationStatus};

/// `pers_gender` (PERS003A): `00` not known, `01` male, `02` female, `09` prefer to
/// self-describe, and `10`–`99` local subcodes of `09`.
pub fn gender_from_code(code: &str) -> Option<Gender> {
    let code = code.trim();
    // Two digits at most: `001` is no code of the set, though it would parse as 1.
    if code.len() > 2 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.parse::<u8>().ok()? {
        0 => Some(Gender::NotKnown),
        1 => Some(Gender::Male),
        2 => Some(Gender::Female),
        9..=99 => Some(Gender::Other),
        _ => None,
    }
}

/// `pers_sex` (PERS002A), used when `pers_gender` is empty: `F`, `M`, `U` (unknown).
pub fn gender_from_sex(code: &str) -> Option<Gender> {
    match code.trim().to_ascii_uppercase().as_str() {
        "F" => Some(Gender::Female),
        "M" => Some(Gender::Male),
        "U" => Some(Gender::NotKnown),
        _ => None,
    }
}

/// `immi_immigration_status` (IMMI002A) is free text in the SSD ("e.g. Unaccompanied Asylum
/// Seeking Child"): the usual wordings, in any case and punctuation, and our own spellings
/// (`REFUGEE_STATUS`).
pub fn immigration_status(text: &str) -> Option<ImmigrationStatus> {
    use ImmigrationStatus as S;
    if let Some(status) = ImmigrationStatus::parse(text.trim()) {
        return Some(status);
    }
    let words = normalise(text);
    let status = match words.as_str() {
        "uasc" | "unaccompanied asylum seeking child" | "unaccompanied asylum seeker" => {
            S::UnaccompaniedAsylumSeekingChild
        }
        "asylum claim pending" | "asylum seeker" | "asylum seeking" | "asylum claim" => {
            S::AsylumClaimPending
        }
        "refugee" | "refugee status" => S::RefugeeStatus,
        "humanitarian protection" => S::HumanitarianProtection,
        "discretionary leave" | "discretionary leave to remain" | "dlr" => S::DiscretionaryLeave,
        "limited leave" | "limited leave to remain" | "llr" => S::LimitedLeave,
        "indefinite leave" | "indefinite leave to remain" | "ilr" => S::IndefiniteLeave,
        "eu settlement scheme" | "eu settled status" | "eu pre settled status" | "euss" => {
            S::EuSettlementScheme
        }
        "british citizen" | "irish citizen" | "british or irish citizen" => {
            S::BritishOrIrishCitizen
        }
        "no leave" | "no leave to remain" => S::NoLeave,
        "unknown" | "not known" => S::Unknown,
        _ => return None,
    };
    Some(status)
}

/// Lower case, every run of other characters than letters and digits one space: "Unaccompanied
/// Asylum-Seeking Child" and "unaccompanied asylum seeking child" read alike.
fn normalise(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `link_identifier_type` (LINK003A) of `ssd_linked_identifiers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedIdentifierType {
    CaseNumber,
    UniquePupilNumber,
    NhsNumber,
    HomeOfficeRegistration,
    NationalInsuranceNumber,
    YotNumber,
    CourtCaseNumber,
    RaaId,
    IncidentId,
}

impl LinkedIdentifierType {
    pub fn parse(text: &str) -> Option<Self> {
        use LinkedIdentifierType as T;
        let kind = match normalise(text).as_str() {
            "case number" => T::CaseNumber,
            "unique pupil number" | "upn" => T::UniquePupilNumber,
            "nhs number" => T::NhsNumber,
            "home office registration" => T::HomeOfficeRegistration,
            "national insurance number" | "ni number" => T::NationalInsuranceNumber,
            "yot number" => T::YotNumber,
            "court case number" => T::CourtCaseNumber,
            "raa id" => T::RaaId,
            "incident id" => T::IncidentId,
            _ => return None,
        };
        Some(kind)
    }

    /// Which of a child's identifiers this is, if the API keeps it. The others (case, National
    /// Insurance, YOT and court numbers, the Home Office's immigration registration) are not
    /// held: they identify the child to other services and this API does not need them.
    pub fn kept_as(self) -> Option<KeptIdentifier> {
        match self {
            Self::UniquePupilNumber => Some(KeptIdentifier::Upn),
            Self::NhsNumber => Some(KeptIdentifier::NhsNumber),
            _ => None,
        }
    }
}

/// An identifier of the child's record that the API holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeptIdentifier {
    Upn,
    NhsNumber,
}

/// The Children in Need assessment factors that bring a child into this API's care: the
/// group the research is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeFactor {
    /// 9A: unaccompanied asylum-seeking child.
    UnaccompaniedAsylumSeekingChild,
    /// 12A: trafficking.
    Trafficking,
    /// 24A: child criminal exploitation.
    ChildCriminalExploitation,
}

impl ScopeFactor {
    /// The factor an assessment-factor code (`12A`, `24a`, ` 9A `) names, if it is one of ours.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "9A" => Some(Self::UnaccompaniedAsylumSeekingChild),
            "12A" => Some(Self::Trafficking),
            "24A" => Some(Self::ChildCriminalExploitation),
            _ => None,
        }
    }

    /// An immigration status that says as much as a factor does: a UASC status is factor 9A.
    pub fn from_immigration_status(status: ImmigrationStatus) -> Option<Self> {
        match status {
            ImmigrationStatus::UnaccompaniedAsylumSeekingChild => {
                Some(Self::UnaccompaniedAsylumSeekingChild)
            }
            _ => None,
        }
    }
}

/// An SSD date: the `datetime` columns arrive as `2010-05-01`, `2010-05-01 00:00:00(.000)` or
/// `2010-05-01T00:00:00` from SQL exports and as `01/05/2010` (day first) from spreadsheets.
/// The time of day, always midnight in practice, is dropped.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    let rest = &text[date_part.len()..];
    if !rest.is_empty()
        && !rest[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    {
        return None;
    }
    NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(date_part, "%d/%m/%Y"))
        .ok()
}

/// Where a child's recorded date of birth comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDateSource {
    /// `pers_dob`: the date of birth (for a UASC whose day is not known, the SSD's convention
    /// is the 15th of the month; the extract does not say which dates follow it).
    DateOfBirth,
    /// `pers_expected_dob` with no `pers_dob`: the expected date, recorded as an estimate.
    ExpectedDateOfBirth,
}

/// The date of birth to record and whether it is an estimate. The SSD records either a date of
/// birth or an expected one, "but not both"; if both arrive the actual date wins. An expected
/// date that has passed is the best estimate there is; one still to come is refused by the
/// child's own rule (a date of birth is not in the future), as this API is for children already
/// born.
pub fn date_of_birth(
    dob: Option<NaiveDate>,
    expected: Option<NaiveDate>,
) -> Option<(NaiveDate, BirthDateSource)> {
    match (dob, expected) {
        (Some(dob), _) => Some((dob, BirthDateSource::DateOfBirth)),
        (None, Some(expected)) => Some((expected, BirthDateSource::ExpectedDateOfBirth)),
        (None, None) => None,
    }
}

impl BirthDateSource {
    /// Whether the date recorded from this source is an estimate.
    pub fn estimated(self) -> bool {
        matches!(self, Self::ExpectedDateOfBirth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn gender_codes_follow_the_ssd_code_set() {
        assert_eq!(gender_from_code("00"), Some(Gender::NotKnown));
        assert_eq!(gender_from_code("0"), Some(Gender::NotKnown));
        assert_eq!(gender_from_code("01"), Some(Gender::Male));
        assert_eq!(gender_from_code(" 1 "), Some(Gender::Male));
        assert_eq!(gender_from_code("02"), Some(Gender::Female));
        assert_eq!(gender_from_code("09"), Some(Gender::Other));
        assert_eq!(gender_from_code("10"), Some(Gender::Other));
        assert_eq!(gender_from_code("99"), Some(Gender::Other));
        for unknown in ["03", "08", "100", "001", "", "M", "-1", "+1", "1.0"] {
            assert_eq!(gender_from_code(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn sex_codes_follow_the_ssd_code_set() {
        assert_eq!(gender_from_sex("F"), Some(Gender::Female));
        assert_eq!(gender_from_sex("m"), Some(Gender::Male));
        assert_eq!(gender_from_sex(" U"), Some(Gender::NotKnown));
        assert_eq!(gender_from_sex("I"), None);
        assert_eq!(gender_from_sex(""), None);
    }

    #[test]
    fn immigration_statuses_are_read_from_their_usual_wordings() {
        use ImmigrationStatus as S;
        let cases = [
            (
                "Unaccompanied Asylum Seeking Child",
                S::UnaccompaniedAsylumSeekingChild,
            ),
            (
                "unaccompanied asylum-seeking child",
                S::UnaccompaniedAsylumSeekingChild,
            ),
            ("UASC", S::UnaccompaniedAsylumSeekingChild),
            (
                "Unaccompanied asylum seeker",
                S::UnaccompaniedAsylumSeekingChild,
            ),
            ("Asylum seeker", S::AsylumClaimPending),
            ("Asylum seeking", S::AsylumClaimPending),
            ("Asylum claim", S::AsylumClaimPending),
            ("Asylum claim pending", S::AsylumClaimPending),
            ("Refugee", S::RefugeeStatus),
            ("Refugee Status", S::RefugeeStatus),
            ("Humanitarian Protection", S::HumanitarianProtection),
            ("Discretionary Leave", S::DiscretionaryLeave),
            ("Discretionary leave to remain", S::DiscretionaryLeave),
            ("DLR", S::DiscretionaryLeave),
            ("Limited leave", S::LimitedLeave),
            ("Limited Leave to Remain", S::LimitedLeave),
            ("LLR", S::LimitedLeave),
            ("Indefinite leave", S::IndefiniteLeave),
            ("Indefinite Leave to Remain", S::IndefiniteLeave),
            ("ILR", S::IndefiniteLeave),
            ("EU Settlement Scheme", S::EuSettlementScheme),
            ("EU settled status", S::EuSettlementScheme),
            ("EU pre-settled status", S::EuSettlementScheme),
            ("EUSS", S::EuSettlementScheme),
            ("British citizen", S::BritishOrIrishCitizen),
            ("Irish citizen", S::BritishOrIrishCitizen),
            ("British or Irish citizen", S::BritishOrIrishCitizen),
            ("No leave", S::NoLeave),
            ("No leave to remain", S::NoLeave),
            ("Unknown", S::Unknown),
            ("Not known", S::Unknown),
            ("REFUGEE_STATUS", S::RefugeeStatus),
            (" NO_LEAVE ", S::NoLeave),
        ];
        for (text, status) in cases {
            assert_eq!(immigration_status(text), Some(status), "{text}");
        }
        assert_eq!(immigration_status("Visitor"), None);
        assert_eq!(immigration_status(""), None);
    }

    #[test]
    fn linked_identifier_types_are_read_from_the_ssd_labels() {
        use LinkedIdentifierType as T;
        let cases = [
            ("Case Number", T::CaseNumber),
            ("Unique Pupil Number", T::UniquePupilNumber),
            ("UPN", T::UniquePupilNumber),
            ("NHS Number", T::NhsNumber),
            ("nhs number", T::NhsNumber),
            ("Home Office Registration", T::HomeOfficeRegistration),
            ("National Insurance Number", T::NationalInsuranceNumber),
            ("NI Number", T::NationalInsuranceNumber),
            ("YOT Number", T::YotNumber),
            ("Court Case Number", T::CourtCaseNumber),
            ("RAA ID", T::RaaId),
            ("Incident ID", T::IncidentId),
        ];
        for (text, kind) in cases {
            assert_eq!(LinkedIdentifierType::parse(text), Some(kind), "{text}");
        }
        assert_eq!(LinkedIdentifierType::parse("Passport"), None);
    }

    #[test]
    fn only_the_upn_and_the_nhs_number_are_kept() {
        use LinkedIdentifierType as T;
        assert_eq!(T::UniquePupilNumber.kept_as(), Some(KeptIdentifier::Upn));
        assert_eq!(T::NhsNumber.kept_as(), Some(KeptIdentifier::NhsNumber));
        for kind in [
            T::CaseNumber,
            T::HomeOfficeRegistration,
            T::NationalInsuranceNumber,
            T::YotNumber,
            T::CourtCaseNumber,
            T::RaaId,
            T::IncidentId,
        ] {
            assert_eq!(kind.kept_as(), None, "{kind:?}");
        }
    }

    #[test]
    fn the_three_factors_of_this_group_bring_a_child_in() {
        assert_eq!(
            ScopeFactor::from_code("9A"),
            Some(ScopeFactor::UnaccompaniedAsylumSeekingChild)
        );
        assert_eq!(
            ScopeFactor::from_code(" 12a"),
            Some(ScopeFactor::Trafficking)
        );
        assert_eq!(
            ScopeFactor::from_code("24A"),
            Some(ScopeFactor::ChildCriminalExploitation)
        );
        for other in ["11A", "10A", "13A", "9", "12", "1A", "", "124A"] {
            assert_eq!(ScopeFactor::from_code(other), None, "{other}");
        }
    }

    #[test]
    fn a_uasc_status_is_factor_9a_and_no_other_status_is() {
        for status in ImmigrationStatus::ALL {
            let expected = (*status == ImmigrationStatus::UnaccompaniedAsylumSeekingChild)
                .then_some(ScopeFactor::UnaccompaniedAsylumSeekingChild);
            assert_eq!(ScopeFactor::from_immigration_status(*status), expected);
        }
    }

    #[test]
    fn dates_arrive_in_the_forms_of_sql_exports_and_spreadsheets() {
        let may_day = day("2010-05-01");
        for text in [
            "2010-05-01",
            " 2010-05-01 ",
            "2010-05-01 00:00:00",
            "2010-05-01 00:00:00.000",
            "2010-05-01T00:00:00",
            "01/05/2010",
        ] {
            assert_eq!(parse_date(text), Some(may_day), "{text}");
        }
        for text in [
            "",
            "2010-13-01",
            "2010-05-01 noon",
            "2010-05-01Tx",
            "05/31/2010",
            "1 May 2010",
            "2010/05/01",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn the_actual_date_of_birth_wins_and_an_expected_one_is_an_estimate() {
        let dob = day("2010-05-15");
        let expected = day("2010-06-01");
        assert_eq!(
            date_of_birth(Some(dob), Some(expected)),
            Some((dob, BirthDateSource::DateOfBirth))
        );
        assert_eq!(
            date_of_birth(Some(dob), None),
            Some((dob, BirthDateSource::DateOfBirth))
        );
        assert_eq!(
            date_of_birth(None, Some(expected)),
            Some((expected, BirthDateSource::ExpectedDateOfBirth))
        );
        assert_eq!(date_of_birth(None, None), None);
        assert!(!BirthDateSource::DateOfBirth.estimated());
        assert!(BirthDateSource::ExpectedDateOfBirth.estimated());
    }
}
