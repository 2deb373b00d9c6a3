//! What an import knows about a child, laid over what is stored.
//!
//! An extract carries some of a child's details and is silent about others (the Standard
//! Safeguarding Dataset has no languages, no interpreter flag, no disputed age). A field the
//! extract is silent about must keep what the API recorded, or importing the same extract after a
//! case worker's `updateChild` would undo their change; and an unchanged extract must come out
//! equal to the stored child, so that importing it again writes nothing.

use chrono::NaiveDate;

use super::{CareStatus, ChildDetails, ChildDraft, Gender, ImmigrationStatus};

/// A child's details as one import carries them: `None` wherever the source is silent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildPatch {
    pub local_child_id: String,
    pub upn: Option<String>,
    pub nhs_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_birth_estimated: Option<bool>,
    pub age_disputed: Option<bool>,
    pub gender: Option<Gender>,
    pub nationalities: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub interpreter_required: Option<bool>,
    pub immigration_status: Option<ImmigrationStatus>,
    pub care_status: Option<CareStatus>,
}

impl ChildPatch {
    /// The draft of a child not yet registered: what the patch is silent about is unknown (no
    /// identifier, no estimate, no dispute, no interpreter).
    pub fn new_child(&self) -> ChildDraft {
        ChildDraft {
            local_child_id: self.local_child_id.clone(),
            upn: self.upn.clone(),
            nhs_number: self.nhs_number.clone(),
            date_of_birth: self.date_of_birth,
            date_of_birth_estimated: self.date_of_birth_estimated.unwrap_or(false),
            age_disputed: self.age_disputed.unwrap_or(false),
            gender: self.gender,
            nationalities: self.nationalities.clone().unwrap_or_default(),
            languages: self.languages.clone().unwrap_or_default(),
            interpreter_required: self.interpreter_required.unwrap_or(false),
            immigration_status: self.immigration_status,
            care_status: self.care_status,
        }
    }

    /// The stored child's details with what the patch carries laid over them; what it is silent
    /// about stays as stored.
    pub fn over(&self, stored: &ChildDetails) -> ChildDraft {
        let current = ChildDraft::from(stored);
        ChildDraft {
            local_child_id: self.local_child_id.clone(),
            upn: self.upn.clone().or(current.upn),
            nhs_number: self.nhs_number.clone().or(current.nhs_number),
            date_of_birth: self.date_of_birth.or(current.date_of_birth),
            date_of_birth_estimated: self
                .date_of_birth_estimated
                .unwrap_or(current.date_of_birth_estimated),
            age_disputed: self.age_disputed.unwrap_or(current.age_disputed),
            gender: self.gender.or(current.gender),
            nationalities: self.nationalities.clone().unwrap_or(current.nationalities),
            languages: self.languages.clone().unwrap_or(current.languages),
            interpreter_required: self
                .interpreter_required
                .unwrap_or(current.interpreter_required),
            immigration_status: self.immigration_status.or(current.immigration_status),
            care_status: self.care_status.or(current.care_status),
        }
    }
}

impl From<&ChildDetails> for ChildDraft {
    fn from(details: &ChildDetails) -> Self {
        ChildDraft {
            local_child_id: details.local_child_id.as_str().to_owned(),
            upn: details.upn.as_ref().map(|upn| upn.as_str().to_owned()),
            nhs_number: details
                .nhs_number
                .as_ref()
                .map(|number| number.as_str().to_owned()),
            date_of_birth: Some(details.date_of_birth),
            date_of_birth_estimated: details.date_of_birth_estimated,
            age_disputed: details.age_disputed,
            gender: details.gender,
            nationalities: details
                .nationalities
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
            languages: details
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            interpreter_required: details.interpreter_required,
            immigration_status: details.immigration_status,
            care_status: details.care_status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn today() -> NaiveDate {
        day("2026-12-05")
    }

    fn stored() -> ChildDetails {
        ChildDraft {
            local_child_id: "LL0012345".to_owned(),
            upn: Some("UN3".to_owned()),
            nhs_number: Some("9434765919".to_owned()),
            date_of_birth: Some(day("2010-05-01")),
            date_of_birth_estimated: true,
            age_disputed: true,
            gender: Some(Gender::Female),
            nationalities: vec!["VNM".to_owned()],
            languages: vec!["vi".to_owned()],
            interpreter_required: true,
            immigration_status: Some(ImmigrationStatus::AsylumClaimPending),
            care_status: Some(CareStatus::LookedAfter),
        }
        .validate(today())
        .expect("valid")
    }

    #[test]
    fn a_silent_patch_leaves_the_stored_child_as_it_is() {
        let patch = ChildPatch {
            local_child_id: "LL0012345".to_owned(),
            ..ChildPatch::default()
        };
        let merged = patch.over(&stored()).validate(today()).expect("valid");
        assert_eq!(merged, stored());
    }

    #[test]
    fn a_draft_of_stored_details_validates_to_the_same_details() {
        let draft = ChildDraft::from(&stored());
        assert_eq!(draft.validate(today()).expect("valid"), stored());
    }

    #[test]
    fn what_the_patch_carries_replaces_the_stored_value() {
        let patch = ChildPatch {
            local_child_id: "LL0012345".to_owned(),
            upn: Some("A123456789012".to_owned()),
            nhs_number: Some("401 023 2137".to_owned()),
            date_of_birth: Some(day("2010-06-15")),
            date_of_birth_estimated: Some(false),
            age_disputed: Some(false),
            gender: Some(Gender::Male),
            nationalities: Some(vec!["ALB".to_owned(), "GBR".to_owned()]),
            languages: Some(vec![]),
            interpreter_required: Some(false),
            immigration_status: Some(ImmigrationStatus::RefugeeStatus),
            care_status: Some(CareStatus::CareLeaver),
        };
        let merged = patch.over(&stored());
        assert_eq!(merged.upn.as_deref(), Some("A123456789012"));
        assert_eq!(merged.nhs_number.as_deref(), Some("401 023 2137"));
        assert_eq!(merged.date_of_birth, Some(day("2010-06-15")));
        assert!(!merged.date_of_birth_estimated);
        assert!(!merged.age_disputed);
        assert_eq!(merged.gender, Some(Gender::Male));
        assert_eq!(merged.nationalities, vec!["ALB", "GBR"]);
        assert!(merged.languages.is_empty());
        assert!(!merged.interpreter_required);
        assert_eq!(
            merged.immigration_status,
            Some(ImmigrationStatus::RefugeeStatus)
        );
        assert_eq!(merged.care_status, Some(CareStatus::CareLeaver));
        assert_eq!(patch.new_child(), merged);
    }

    #[test]
    fn a_new_child_is_unknown_where_the_patch_is_silent() {
        let patch = ChildPatch {
            local_child_id: "LL1".to_owned(),
            date_of_birth: Some(day("2011-02-15")),
            ..ChildPatch::default()
        };
        let draft = patch.new_child();
        assert_eq!(draft.local_child_id, "LL1");
        assert_eq!(draft.upn, None);
        assert_eq!(draft.nhs_number, None);
        assert_eq!(draft.date_of_birth, Some(day("2011-02-15")));
        assert!(!draft.date_of_birth_estimated);
        assert!(!draft.age_disputed);
        assert!(!draft.interpreter_required);
        assert!(draft.nationalities.is_empty());
        assert!(draft.languages.is_empty());
        assert_eq!(draft.gender, None);
        assert_eq!(draft.immigration_status, None);
        assert_eq!(draft.care_status, None);
    }

    #[test]
    fn a_new_child_keeps_the_flags_the_patch_sets() {
        let patch = ChildPatch {
            local_child_id: "LL1".to_owned(),
            date_of_birth_estimated: Some(true),
            age_disputed: Some(true),
            interpreter_required: Some(true),
            ..ChildPatch::default()
        };
        let draft = patch.new_child();
        assert!(draft.date_of_birth_estimated);
        assert!(draft.age_disputed);
        assert!(draft.interpreter_required);
    }
}
