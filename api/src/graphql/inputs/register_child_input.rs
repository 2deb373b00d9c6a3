use crate::graphql::scalars::Date;
use async_graphql::InputObject;
use stable_futures_domain::child::ChildDraft;

use crate::graphql::enums::{CareStatus, Gender, ImmigrationStatus};

/// A child to register with the caller's local authority.
#[derive(Debug, InputObject)]
pub struct RegisterChildInput {
    /// The case system's own id: up to 20 letters and digits, unique in the local authority.
    pub local_child_id: String,
    /// Unique pupil number, or UN1–UN5 when not known.
    pub upn: Option<String>,
    /// Ten digits with a valid check digit; spaces are allowed.
    pub nhs_number: Option<String>,
    /// Date of birth, or the best estimate (then set `dateOfBirthEstimated`).
    pub date_of_birth: Date,
    #[graphql(default = false)]
    pub date_of_birth_estimated: bool,
    /// The young person's age is disputed (they are treated as a child).
    #[graphql(default = false)]
    pub age_disputed: bool,
    pub gender: Option<Gender>,
    /// ISO 3166-1 alpha-3 codes.
    #[graphql(default)]
    pub nationalities: Vec<String>,
    /// ISO 639 codes.
    #[graphql(default)]
    pub languages: Vec<String>,
    #[graphql(default = false)]
    pub interpreter_required: bool,
    pub immigration_status: Option<ImmigrationStatus>,
    pub care_status: Option<CareStatus>,
    /// Makes a retry safe: sent again with the same key and the same input within 24 hours, the
    /// request answers with what the first one created instead of creating it again; the same
    /// key with a different input is refused (`IDEMPOTENCY_CONFLICT`). Keys belong to the calling
    /// client; a new UUID per request is a good key.
    pub idempotency_key: Option<String>,
}

impl From<RegisterChildInput> for ChildDraft {
    fn from(input: RegisterChildInput) -> Self {
        ChildDraft {
            local_child_id: input.local_child_id,
            upn: input.upn,
            nhs_number: input.nhs_number,
            date_of_birth: Some(input.date_of_birth.0),
            date_of_birth_estimated: input.date_of_birth_estimated,
            age_disputed: input.age_disputed,
            gender: input.gender.map(Into::into),
            nationalities: input.nationalities,
            languages: input.languages,
            interpreter_required: input.interpreter_required,
            immigration_status: input.immigration_status.map(Into::into),
            care_status: input.care_status.map(Into::into),
        }
    }
}
