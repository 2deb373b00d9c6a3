use std::fmt;

use crate::error::{ErrorCode, FieldError};

/// A local authority, identified by its ONS GSS code (`E09000019` is Islington): a nation letter
/// (E, W, S, N) followed by eight digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalAuthorityCode(String);

impl LocalAuthorityCode {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let mut chars = text.chars();
        let nation_ok = matches!(chars.next(), Some('E' | 'W' | 'S' | 'N'));
        let digits_ok = text.len() == 9 && chars.all(|c| c.is_ascii_digit());
        if nation_ok && digits_ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::new(
                "localAuthority",
                ErrorCode::InvalidFormat,
                "a local authority is identified by its GSS code: E, W, S or N then eight digits",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nation the authority is in, from its code's first letter. England and Wales share a
    /// calendar of bank holidays and a guardianship service.
    pub fn nation(&self) -> Nation {
        match self.0.as_bytes().first() {
            Some(b'S') => Nation::Scotland,
            Some(b'N') => Nation::NorthernIreland,
            // `parse` admits only E, W, S and N.
            _ => Nation::EnglandAndWales,
        }
    }
}

string_enum! {
    /// The UK's jurisdictions as the work with these children divides them: their own bank
    /// holidays and their own guardianship services.
    pub enum Nation {
        EnglandAndWales => "ENGLAND_AND_WALES",
        Scotland => "SCOTLAND",
        NorthernIreland => "NORTHERN_IRELAND",
    }
}

impl fmt::Display for LocalAuthorityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A local authority as the service knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAuthority {
    pub code: LocalAuthorityCode,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_names_its_nation_and_service() {
        use crate::guardian::GuardianService;
        let cases = [
            ("E09000019", Nation::EnglandAndWales, GuardianService::Ictg),
            ("W06000015", Nation::EnglandAndWales, GuardianService::Ictg),
            (
                "S12000036",
                Nation::Scotland,
                GuardianService::GuardianshipScotland,
            ),
            (
                "N09000003",
                Nation::NorthernIreland,
                GuardianService::NiIndependentGuardian,
            ),
        ];
        for (code, nation, service) in cases {
            let parsed = LocalAuthorityCode::parse(code).expect("valid");
            assert_eq!(parsed.nation(), nation, "{code}");
            assert_eq!(
                GuardianService::of_nation(parsed.nation()),
                service,
                "{code}"
            );
        }
    }

    #[test]
    fn accepts_gss_codes_of_each_nation() {
        for code in [
            "E09000019",
            "E09000007",
            "W06000015",
            "S12000036",
            "N09000003",
        ] {
            assert_eq!(
                LocalAuthorityCode::parse(code).map(|c| c.0),
                Ok(code.to_owned())
            );
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for code in [
            "",
            "E0900001",
            "E090000190",
            "X09000019",
            "e09000019",
            "E0900001A",
            "E09 00019",
        ] {
            assert!(LocalAuthorityCode::parse(code).is_err(), "{code} accepted");
        }
    }
}
