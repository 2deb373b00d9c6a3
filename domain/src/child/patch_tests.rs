//! How an import's patch lies over a stored child.

use chrono::NaiveDate;

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
