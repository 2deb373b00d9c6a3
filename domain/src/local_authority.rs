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
