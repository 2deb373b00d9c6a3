use crate::graphql::scalars::Date;
use async_graphql::{InputObject, MaybeUndefined, ID};
use stable_futures_domain::child::{Child, ChildDraft};

use crate::graphql::enums::{CareStatus, Gender, ImmigrationStatus};

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
