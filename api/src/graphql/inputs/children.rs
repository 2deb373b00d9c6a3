//! Inputs of the child mutations.

use async_graphql::{InputObject, MaybeUndefined, ID};
use stable_futures_domain::child::{Child, ChildDraft};

use crate::graphql::enums::{CareStatus, ErasureReason, Gender, ImmigrationStatus};
use crate::graphql::scalars::Date;

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

/// Changes to a child. Fields left out stay as they are; optional fields set to null are cleared.
#[derive(Debug, InputObject)]
pub struct UpdateChildInput {
    pub child_id: ID,
    /// The `version` you last read; the update is refused with STALE_VERSION if it changed since.
    pub expected_version: i32,
    pub local_child_id: Option<String>,
    pub upn: MaybeUndefined<String>,
    pub nhs_number: MaybeUndefined<String>,
    pub date_of_birth: Option<Date>,
    pub date_of_birth_estimated: Option<bool>,
    pub age_disputed: Option<bool>,
    pub gender: MaybeUndefined<Gender>,
    pub nationalities: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub interpreter_required: Option<bool>,
    pub immigration_status: MaybeUndefined<ImmigrationStatus>,
    pub care_status: MaybeUndefined<CareStatus>,
}

fn merge<T>(change: MaybeUndefined<T>, current: Option<T>) -> Option<T> {
    match change {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(value) => Some(value),
    }
}

/// The changes of an update, without the ids, so they can be applied inside the transaction.
#[derive(Debug)]
pub struct ChildChanges(UpdateChildInput);

impl From<UpdateChildInput> for ChildChanges {
    fn from(input: UpdateChildInput) -> Self {
        Self(input)
    }
}

impl ChildChanges {
    /// The stored child with the changes applied, as an unvalidated draft.
    pub fn apply(self, child: &Child) -> ChildDraft {
        let input = self.0;
        let current = &child.details;
        ChildDraft {
            local_child_id: input
                .local_child_id
                .unwrap_or_else(|| current.local_child_id.as_str().to_owned()),
            upn: merge(
                input.upn,
                current.upn.as_ref().map(|u| u.as_str().to_owned()),
            ),
            nhs_number: merge(
                input.nhs_number,
                current.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
            ),
            date_of_birth: Some(
                input
                    .date_of_birth
                    .map_or(current.date_of_birth, |date| date.0),
            ),
            date_of_birth_estimated: input
                .date_of_birth_estimated
                .unwrap_or(current.date_of_birth_estimated),
            age_disputed: input.age_disputed.unwrap_or(current.age_disputed),
            gender: merge(input.gender.map_value(Into::into), current.gender),
            nationalities: input.nationalities.unwrap_or_else(|| {
                current
                    .nationalities
                    .iter()
                    .map(|n| n.as_str().to_owned())
                    .collect()
            }),
            languages: input.languages.unwrap_or_else(|| {
                current
                    .languages
                    .iter()
                    .map(|l| l.as_str().to_owned())
                    .collect()
            }),
            interpreter_required: input
                .interpreter_required
                .unwrap_or(current.interpreter_required),
            immigration_status: merge(
                input.immigration_status.map_value(Into::into),
                current.immigration_status,
            ),
            care_status: merge(input.care_status.map_value(Into::into), current.care_status),
        }
    }
}

/// A child to erase, with everything recorded about them.
#[derive(Debug, InputObject)]
pub struct EraseChildInput {
    pub child_id: ID,
    /// The child's `version` you last read; the erasure is refused with STALE_VERSION if it
    /// changed since (so nobody erases a record they have not seen as it is).
    pub expected_version: i32,
    pub reason: ErasureReason,
}
