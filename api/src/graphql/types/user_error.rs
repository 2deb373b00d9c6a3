use async_graphql::SimpleObject;
use stable_futures_domain::{FieldError, FieldErrors};

use crate::graphql::enums::UserErrorCode;

/// A problem with the input of a mutation that the caller can correct. Nothing was written.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path to the input field, starting with `input`, e.g. `["input", "nhsNumber"]`.
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(error: FieldError) -> Self {
        let mut field = vec!["input".to_owned()];
        field.extend(error.field.split('.').map(str::to_owned));
        UserError {
            field,
            message: error.message,
            code: error.code.into(),
        }
    }
}

/// Converts every field error of an input.
pub fn user_errors(errors: FieldErrors) -> Vec<UserError> {
    errors.0.into_iter().map(UserError::from).collect()
}
