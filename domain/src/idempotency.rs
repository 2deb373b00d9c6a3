//! Idempotency keys: a create retried with the key of an earlier, successful attempt answers with
//! what that attempt created instead of creating it again.

use crate::error::{ErrorCode, FieldError};

/// How long a key is remembered: a retry within this window is answered from the first attempt;
/// after it, the key may be used again for anything.
pub const KEY_LIFETIME_HOURS: i64 = 24;

/// Longest key accepted (a UUID is 36).
pub const MAX_KEY_CHARS: usize = 255;

/// A caller's idempotency key: 1 to 255 printable ASCII characters, chosen by the caller (a UUID
/// is the usual choice). Keys are per client and local authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        if text.is_empty() || text.len() > MAX_KEY_CHARS {
            return Err(FieldError::new(
                "idempotencyKey",
                ErrorCode::OutOfRange,
                format!("an idempotency key has 1 to {MAX_KEY_CHARS} characters"),
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::new(
                "idempotencyKey",
                ErrorCode::InvalidFormat,
                "an idempotency key has printable ASCII characters only, without spaces",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A create made under a key: the key, the operation, and a fingerprint of its input (a hash of
/// a canonical form, so the same input sent with its fields in another order is the same input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentRequest {
    pub key: IdempotencyKey,
    pub operation: &'static str,
    /// 64 lower-case hex digits.
    pub fingerprint: String,
}

/// The answer to a key used again for something else.
pub fn conflict() -> FieldError {
    FieldError::new(
        "idempotencyKey",
        ErrorCode::IdempotencyConflict,
        "this idempotency key was already used for a different input; use a new key for a new request",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_printable_ascii() {
        assert!(IdempotencyKey::parse("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        assert_eq!(
            IdempotencyKey::parse("").map_err(|e| e.code),
            Err(ErrorCode::OutOfRange)
        );
        assert_eq!(
            IdempotencyKey::parse(&"k".repeat(MAX_KEY_CHARS + 1)).map_err(|e| e.code),
            Err(ErrorCode::OutOfRange)
        );
        assert!(IdempotencyKey::parse(&"k".repeat(MAX_KEY_CHARS)).is_ok());
        for bad in ["with space", "tab\there", "é"] {
            assert_eq!(
                IdempotencyKey::parse(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidFormat),
                "{bad}"
            );
        }
    }
}
