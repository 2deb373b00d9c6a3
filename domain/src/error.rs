use std::fmt;

string_enum! {
    /// Stable codes for expected, correctable failures. Case systems branch on these, so a code is
    /// never renamed once shipped.
    pub enum ErrorCode {
        Required => "REQUIRED",
        InvalidFormat => "INVALID_FORMAT",
        TooLong => "TOO_LONG",
        InvalidNhsNumber => "INVALID_NHS_NUMBER",
        InvalidUpn => "INVALID_UPN",
        InFuture => "IN_FUTURE",
        OutOfRange => "OUT_OF_RANGE",
        DuplicateLocalChildId => "DUPLICATE_LOCAL_CHILD_ID",
        StaleVersion => "STALE_VERSION",
        InvalidTransition => "INVALID_TRANSITION",
        BeforePrecedingEvent => "BEFORE_PRECEDING_EVENT",
        RequiresPositiveReasonableGrounds => "REQUIRES_POSITIVE_REASONABLE_GROUNDS",
        DecisionAlreadyRecorded => "DECISION_ALREADY_RECORDED",
        CountyLinesRequiresCriminal => "COUNTY_LINES_REQUIRES_CRIMINAL",
        NotEligibleForDevolvedDecision => "NOT_ELIGIBLE_FOR_DEVOLVED_DECISION",
        OpenAssignmentExists => "OPEN_ASSIGNMENT_EXISTS",
        RoleNotOfferedByService => "ROLE_NOT_OFFERED_BY_SERVICE",
        NotAssigned => "NOT_ASSIGNED",
        AlreadyAssigned => "ALREADY_ASSIGNED",
        AlreadyEnded => "ALREADY_ENDED",
        UnknownOutcome => "UNKNOWN_OUTCOME",
        UnknownIndicator => "UNKNOWN_INDICATOR",
        RatingOutOfScale => "RATING_OUT_OF_SCALE",
        ParticipationRequired => "PARTICIPATION_REQUIRED",
        NothingRecorded => "NOTHING_RECORDED",
        SupersededMismatch => "SUPERSEDED_MISMATCH",
        AlreadySuperseded => "ALREADY_SUPERSEDED",
        NotFound => "NOT_FOUND",
        /// An idempotency key already used, within its lifetime, for a different input.
        IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
        /// Another referral of the authority already has this Home Office reference.
        DuplicateHomeOfficeReference => "DUPLICATE_HOME_OFFICE_REFERENCE",
        /// The receiving authority already holds a child with the same NHS number or Home Office
        /// reference: accept with `allowDuplicate` to keep both records.
        PossibleDuplicate => "POSSIBLE_DUPLICATE",
    }
}

/// One problem with one input field, phrased for the integrator who sent it. Never carries the
/// rejected value itself: it may be personal data and messages end up in case-system logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the input field, in the API's camelCase (`input.nhsNumber` is `nhsNumber`).
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error reported against `prefix.field`, for values nested in an input object.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

impl std::error::Error for FieldError {}

/// Every problem found in one input, so an integrator can fix them all in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Keeps the value if it parsed, records the error otherwise.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&texts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_field_message_and_code_joined_in_order() {
        let first =
            FieldError::new("upn", ErrorCode::InvalidUpn, "a UPN is 13 characters").within("input");
        assert_eq!(
            first.to_string(),
            "input.upn: a UPN is 13 characters (INVALID_UPN)"
        );
        let mut errors = FieldErrors::from(first.clone());
        assert_eq!(errors.0, vec![first]);
        errors.push(FieldError::new(
            "dateOfBirth",
            ErrorCode::InFuture,
            "is in the future",
        ));
        assert_eq!(
            errors.to_string(),
            "input.upn: a UPN is 13 characters (INVALID_UPN); dateOfBirth: is in the future (IN_FUTURE)"
        );
    }
}
