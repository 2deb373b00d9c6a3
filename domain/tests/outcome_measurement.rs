//! Outcome measurements: one dated observation of one outcome for one child, validated against the
//! framework, with the young person's own view kept apart from the practitioner's.

mod common;

use chrono::{DateTime, Utc};
use common::{at, minutes, now, seconds};
use stable_futures_domain::error::ErrorCode;
use stable_futures_domain::ids::{ChildId, MeasurementId};
use stable_futures_domain::outcomes::{
    Indicator, MeasurementDraft, OutcomeFramework, OutcomeMeasurement, RatingLevel,
    SupersededMeasurement, MAX_TEXT_CHARS,
};
use uuid::Uuid;

use ErrorCode as E;

const OUTCOME: &str = "being_safe_and_feeling_safe";
const OTHER_OUTCOME: &str = "stability_and_peace";
const RECORDED_BY: &str = "practitioner-42@case-system";

fn child_id() -> ChildId {
    ChildId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001))
}
fn other_child_id() -> ChildId {
    ChildId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0002))
}
fn measurement_id() -> MeasurementId {
    MeasurementId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0010))
}
fn earlier_measurement_id() -> MeasurementId {
    MeasurementId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0009))
}
fn observed() -> DateTime<Utc> {
    at(2025, 11, 20, 15, 30)
}

fn indicator(key: &str, title: &str) -> Indicator {
    Indicator {
        key: key.to_owned(),
        title: title.to_owned(),
    }
}

/// The shipped catalogue with a few indicators added, so indicator rules can be exercised.
fn framework() -> OutcomeFramework {
    let mut framework = OutcomeFramework::default_catalogue();
    for principle in &mut framework.principles {
        for outcome in &mut principle.outcomes {
            match outcome.key.as_str() {
                OUTCOME => {
                    outcome.indicators = vec![
                        indicator("has_a_safe_place_to_live", "Has a safe place to live"),
                        indicator("knows_who_to_call", "Knows who to call when unsafe"),
                    ];
                }
                OTHER_OUTCOME => {
                    outcome.indicators =
                        vec![indicator("settled_placement", "Has a settled placement")];
                }
                _ => {}
            }
        }
    }
    framework.validate().expect("valid framework")
}

/// Something from everyone: the young person took part and rated, in their own words; the
/// practitioner rated and wrote a note.
fn draft() -> MeasurementDraft {
    MeasurementDraft {
        outcome_key: OUTCOME.to_owned(),
        observed_at: observed(),
        young_person_participated: true,
        young_person_rating: Some(4),
        young_person_words: Some("I feel safe where I live now".to_owned()),
        practitioner_rating: Some(3),
        practitioner_note: Some("Settled in foster placement; still anxious outside".to_owned()),
        indicators_met: vec![],
        supersedes: None,
    }
}

/// A draft recording only a practitioner's rating, so other fields can be tried one at a time.
fn practitioner_only() -> MeasurementDraft {
    MeasurementDraft {
        young_person_participated: false,
        young_person_rating: None,
        young_person_words: None,
        practitioner_rating: Some(2),
        practitioner_note: None,
        ..draft()
    }
}

/// A draft recording nothing at all.
fn empty() -> MeasurementDraft {
    MeasurementDraft {
        practitioner_rating: None,
        ..practitioner_only()
    }
}

type Validation = Result<OutcomeMeasurement, Vec<(String, ErrorCode)>>;

fn validate_with(
    draft: MeasurementDraft,
    framework: &OutcomeFramework,
    superseded: Option<&SupersededMeasurement>,
) -> Validation {
    draft
        .validate(
            measurement_id(),
            child_id(),
            framework,
            superseded,
            RECORDED_BY,
            now(),
        )
        .map_err(|errors| {
            errors
                .0
                .into_iter()
                .map(|error| (error.field, error.code))
                .collect()
        })
}

fn validate(draft: MeasurementDraft) -> Validation {
    validate_with(draft, &framework(), None)
}

fn errors(outcome: Validation) -> Vec<(String, ErrorCode)> {
    outcome.err().unwrap_or_default()
}

fn expected(errors: &[(&str, ErrorCode)]) -> Vec<(String, ErrorCode)> {
    errors
        .iter()
        .map(|(field, code)| ((*field).to_owned(), *code))
        .collect()
}

#[test]
fn a_valid_measurement_copies_its_fields_trimmed_and_stamps_who_and_when() {
    let mut draft = draft();
    draft.young_person_words = Some("  I feel safe where I live now \n".to_owned());
    draft.practitioner_note = Some("\tSettled in placement  ".to_owned());
    draft.indicators_met = vec![
        "knows_who_to_call".to_owned(),
        "has_a_safe_place_to_live".to_owned(),
        "knows_who_to_call".to_owned(),
    ];
    draft.supersedes = Some(earlier_measurement_id());
    let superseded = SupersededMeasurement {
        child_id: child_id(),
        outcome_key: OUTCOME.to_owned(),
        already_superseded: false,
    };
    let measurement = validate_with(draft, &framework(), Some(&superseded)).expect("valid");
    assert_eq!(
        measurement,
        OutcomeMeasurement {
            recorded_by_local_authority: None,
            id: measurement_id(),
            child_id: child_id(),
            framework_version: "csf-pof-summary-2022.1".to_owned(),
            outcome_key: OUTCOME.to_owned(),
            observed_at: observed(),
            recorded_by: RECORDED_BY.to_owned(),
            recorded_at: now(),
            young_person_participated: true,
            young_person_rating: Some(4),
            young_person_words: Some("I feel safe where I live now".to_owned()),
            practitioner_rating: Some(3),
            practitioner_note: Some("Settled in placement".to_owned()),
            indicators_met: vec![
                "has_a_safe_place_to_live".to_owned(),
                "knows_who_to_call".to_owned()
            ],
            supersedes: Some(earlier_measurement_id()),
        }
    );
}

#[test]
fn an_outcome_key_not_in_the_framework_is_unknown() {
    for key in [
        "",
        "being_safe",
        "Being_Safe_And_Feeling_Safe",
        " being_safe_and_feeling_safe",
        "happiness",
    ] {
        let draft = MeasurementDraft {
            outcome_key: key.to_owned(),
            ..draft()
        };
        assert_eq!(
            errors(validate(draft)),
            expected(&[("outcomeKey", E::UnknownOutcome)]),
            "{key:?}"
        );
    }
    for outcome in framework().outcomes() {
        let draft = MeasurementDraft {
            outcome_key: outcome.key.clone(),
            ..draft()
        };
        assert!(validate(draft).is_ok(), "{}", outcome.key);
    }
}

#[test]
fn each_rating_must_be_a_level_of_the_framework_scale() {
    // (value, in the default 1–5 scale)
    let values = [
        (i32::MIN, false),
        (-1, false),
        (0, false),
        (1, true),
        (2, true),
        (3, true),
        (4, true),
        (5, true),
        (6, false),
        (100, false),
        (i32::MAX, false),
    ];
    for field in ["youngPersonRating", "practitionerRating"] {
        for (value, in_scale) in values {
            let mut draft = draft();
            match field {
                "youngPersonRating" => draft.young_person_rating = Some(value),
                _ => draft.practitioner_rating = Some(value),
            }
            let expected_errors = if in_scale {
                vec![]
            } else {
                expected(&[(field, E::RatingOutOfScale)])
            };
            assert_eq!(
                errors(validate(draft)),
                expected_errors,
                "{field} = {value}"
            );
        }
    }
}

#[test]
fn ratings_are_checked_against_the_levels_not_a_range() {
    let mut framework = framework();
    framework.scale = vec![
        RatingLevel {
            value: 0,
            label: "No".to_owned(),
        },
        RatingLevel {
            value: 10,
            label: "Yes".to_owned(),
        },
    ];
    let framework = framework.validate().expect("valid scale");
    for (value, in_scale) in [(0, true), (5, false), (10, true), (1, false)] {
        let draft = MeasurementDraft {
            young_person_rating: Some(value),
            practitioner_rating: Some(value),
            ..draft()
        };
        let expected_errors = if in_scale {
            vec![]
        } else {
            expected(&[
                ("youngPersonRating", E::RatingOutOfScale),
                ("practitionerRating", E::RatingOutOfScale),
            ])
        };
        assert_eq!(
            errors(validate_with(draft, &framework, None)),
            expected_errors,
            "{value}"
        );
    }
}

#[test]
fn the_young_persons_own_rating_or_words_need_their_participation() {
    // (participated, young person's rating, young person's words, errors)
    type Expected = Vec<(&'static str, ErrorCode)>;
    let cases: Vec<(bool, Option<i32>, Option<&str>, Expected)> = vec![
        (
            false,
            Some(3),
            None,
            vec![("youngPersonRating", E::ParticipationRequired)],
        ),
        (
            false,
            None,
            Some("It's better now"),
            vec![("youngPersonWords", E::ParticipationRequired)],
        ),
        (
            false,
            Some(3),
            Some("It's better now"),
            vec![
                ("youngPersonRating", E::ParticipationRequired),
                ("youngPersonWords", E::ParticipationRequired),
            ],
        ),
        (false, None, None, vec![]),
        // Whitespace is not words.
        (false, None, Some(" \n\t "), vec![]),
        (true, Some(3), None, vec![]),
        (true, None, Some("It's better now"), vec![]),
        (true, Some(3), Some("It's better now"), vec![]),
        // Taking part without a rating or words of their own is fine.
        (true, None, None, vec![]),
    ];
    for (participated, rating, words, errs) in cases {
        let draft = MeasurementDraft {
            young_person_participated: participated,
            young_person_rating: rating,
            young_person_words: words.map(str::to_owned),
            ..practitioner_only()
        };
        assert_eq!(
            errors(validate(draft)),
            expected(&errs),
            "participated {participated}, rating {rating:?}, words {words:?}"
        );
    }
}

#[test]
fn a_measurement_must_record_something() {
    for participated in [false, true] {
        let draft = MeasurementDraft {
            young_person_participated: participated,
            ..empty()
        };
        assert_eq!(
            errors(validate(draft)),
            expected(&[("youngPersonRating", E::NothingRecorded)]),
            "participated {participated}"
        );
    }
}

#[test]
fn any_one_thing_is_enough_to_record() {
    let cases = [
        MeasurementDraft {
            young_person_participated: true,
            young_person_rating: Some(1),
            ..empty()
        },
        MeasurementDraft {
            young_person_participated: true,
            young_person_words: Some("No".to_owned()),
            ..empty()
        },
        MeasurementDraft {
            practitioner_rating: Some(5),
            ..empty()
        },
        MeasurementDraft {
            practitioner_note: Some("Met at school".to_owned()),
            ..empty()
        },
        MeasurementDraft {
            indicators_met: vec!["knows_who_to_call".to_owned()],
            ..empty()
        },
    ];
    for draft in cases {
        let description = format!("{draft:?}");
        assert!(validate(draft).is_ok(), "{description}");
    }
}

#[test]
fn whitespace_only_words_and_notes_are_treated_as_absent() {
    for blank in ["", " ", "\n", " \t \r\n "] {
        let draft = MeasurementDraft {
            young_person_participated: true,
            young_person_words: Some(blank.to_owned()),
            practitioner_note: Some(blank.to_owned()),
            ..practitioner_only()
        };
        let measurement = validate(draft).expect("valid");
        assert_eq!(measurement.young_person_words, None, "{blank:?}");
        assert_eq!(measurement.practitioner_note, None, "{blank:?}");

        let draft = MeasurementDraft {
            young_person_participated: true,
            young_person_words: Some(blank.to_owned()),
            practitioner_note: Some(blank.to_owned()),
            ..empty()
        };
        assert_eq!(
            errors(validate(draft)),
            expected(&[("youngPersonRating", E::NothingRecorded)]),
            "{blank:?} records nothing"
        );
    }
}

#[test]
fn words_and_notes_have_at_most_4000_characters_after_trimming() {
    assert_eq!(MAX_TEXT_CHARS, 4000);
    // (text, kept as)
    let cases: Vec<(String, Result<String, ErrorCode>)> = vec![
        ("a".repeat(4000), Ok("a".repeat(4000))),
        (format!("  {}\n", "a".repeat(4000)), Ok("a".repeat(4000))),
        ("a".repeat(4001), Err(E::TooLong)),
        // Characters, not bytes: 4000 Tigrinya characters are 12,000 bytes.
        ("ሰ".repeat(4000), Ok("ሰ".repeat(4000))),
        ("ሰ".repeat(4001), Err(E::TooLong)),
    ];
    for field in ["youngPersonWords", "practitionerNote"] {
        for (text, kept) in &cases {
            let mut draft = practitioner_only();
            draft.young_person_participated = true;
            match field {
                "youngPersonWords" => draft.young_person_words = Some(text.clone()),
                _ => draft.practitioner_note = Some(text.clone()),
            }
            let outcome = validate(draft);
            match kept {
                Ok(kept) => {
                    let measurement =
                        outcome.unwrap_or_else(|e| panic!("{field}, {} chars: {e:?}", text.len()));
                    let stored = match field {
                        "youngPersonWords" => measurement.young_person_words,
                        _ => measurement.practitioner_note,
                    };
                    assert_eq!(stored.as_ref(), Some(kept), "{field}");
                }
                Err(code) => assert_eq!(
                    errors(outcome),
                    expected(&[(field, *code)]),
                    "{field}, {} chars",
                    text.chars().count()
                ),
            }
        }
    }
}

#[test]
fn over_long_text_as_the_only_content_is_reported_as_too_long_only() {
    for field in ["youngPersonWords", "practitionerNote"] {
        let mut draft = empty();
        draft.young_person_participated = true;
        match field {
            "youngPersonWords" => draft.young_person_words = Some("a".repeat(4001)),
            _ => draft.practitioner_note = Some("a".repeat(4001)),
        }
        assert_eq!(
            errors(validate(draft)),
            expected(&[(field, E::TooLong)]),
            "{field}"
        );
    }
}

#[test]
fn over_long_words_without_participation_report_both_problems() {
    let draft = MeasurementDraft {
        young_person_participated: false,
        young_person_words: Some("a".repeat(4001)),
        ..practitioner_only()
    };
    assert_eq!(
        errors(validate(draft)),
        expected(&[
            ("youngPersonWords", E::TooLong),
            ("youngPersonWords", E::ParticipationRequired),
        ])
    );
}

#[test]
fn indicators_met_must_belong_to_the_outcome_measured() {
    // (outcome, indicators met, accepted)
    let cases: Vec<(&str, Vec<&str>, bool)> = vec![
        (OUTCOME, vec!["has_a_safe_place_to_live"], true),
        (
            OUTCOME,
            vec!["has_a_safe_place_to_live", "knows_who_to_call"],
            true,
        ),
        (OUTCOME, vec!["not_an_indicator"], false),
        (
            OUTCOME,
            vec!["has_a_safe_place_to_live", "not_an_indicator"],
            false,
        ),
        // Another outcome's indicator.
        (OUTCOME, vec!["settled_placement"], false),
        (OTHER_OUTCOME, vec!["settled_placement"], true),
        (OTHER_OUTCOME, vec!["knows_who_to_call"], false),
        // An outcome without indicators has none to meet.
        ("freedom", vec!["has_a_safe_place_to_live"], false),
        // Keys are exact.
        (OUTCOME, vec!["Knows_Who_To_Call"], false),
        (OUTCOME, vec![""], false),
    ];
    for (outcome, met, accepted) in cases {
        let draft = MeasurementDraft {
            outcome_key: outcome.to_owned(),
            indicators_met: met.iter().map(|key| (*key).to_owned()).collect(),
            ..draft()
        };
        let expected_errors = if accepted {
            vec![]
        } else {
            expected(&[("indicatorsMet", E::UnknownIndicator)])
        };
        assert_eq!(
            errors(validate(draft)),
            expected_errors,
            "{outcome}: {met:?}"
        );
    }
}

#[test]
fn an_observation_more_than_five_minutes_ahead_of_the_clock_is_in_the_future() {
    for (observed_at, accepted) in [
        (now(), true),
        (now() + minutes(5), true),
        (now() + minutes(5) + seconds(1), false),
    ] {
        let draft = MeasurementDraft {
            observed_at,
            ..draft()
        };
        let expected_errors = if accepted {
            vec![]
        } else {
            expected(&[("observedAt", E::InFuture)])
        };
        assert_eq!(errors(validate(draft)), expected_errors, "{observed_at}");
    }
}

#[test]
fn a_correction_must_supersede_a_current_measurement_of_the_same_child_and_outcome() {
    let previous =
        |child_id: ChildId, outcome_key: &str, already_superseded: bool| SupersededMeasurement {
            child_id,
            outcome_key: outcome_key.to_owned(),
            already_superseded,
        };
    // (supersedes, the superseded measurement as found, error)
    let cases: Vec<(
        Option<MeasurementId>,
        Option<SupersededMeasurement>,
        Option<ErrorCode>,
    )> = vec![
        (None, None, None),
        (
            Some(earlier_measurement_id()),
            Some(previous(child_id(), OUTCOME, false)),
            None,
        ),
        (
            Some(earlier_measurement_id()),
            Some(previous(other_child_id(), OUTCOME, false)),
            Some(E::SupersededMismatch),
        ),
        (
            Some(earlier_measurement_id()),
            Some(previous(child_id(), OTHER_OUTCOME, false)),
            Some(E::SupersededMismatch),
        ),
        (
            Some(earlier_measurement_id()),
            Some(previous(other_child_id(), OTHER_OUTCOME, true)),
            Some(E::SupersededMismatch),
        ),
        (
            Some(earlier_measurement_id()),
            Some(previous(child_id(), OUTCOME, true)),
            Some(E::AlreadySuperseded),
        ),
        (Some(earlier_measurement_id()), None, Some(E::NotFound)),
    ];
    for (supersedes, superseded, error) in cases {
        let description = format!("{supersedes:?} / {superseded:?}");
        let draft = MeasurementDraft {
            supersedes,
            ..draft()
        };
        let outcome = validate_with(draft, &framework(), superseded.as_ref());
        match error {
            None => assert_eq!(
                outcome.map(|m| m.supersedes),
                Ok(supersedes),
                "{description}"
            ),
            Some(code) => assert_eq!(
                errors(outcome),
                expected(&[("supersedesId", code)]),
                "{description}"
            ),
        }
    }
}

#[test]
fn a_measurement_reports_every_problem_at_once() {
    let draft = MeasurementDraft {
        outcome_key: "happiness".to_owned(),
        observed_at: now() + minutes(30),
        young_person_participated: false,
        young_person_rating: Some(9),
        young_person_words: Some("fine".to_owned()),
        practitioner_rating: Some(0),
        practitioner_note: Some("x".repeat(4001)),
        indicators_met: vec!["whatever".to_owned()],
        supersedes: Some(earlier_measurement_id()),
    };
    assert_eq!(
        errors(validate(draft)),
        expected(&[
            ("outcomeKey", E::UnknownOutcome),
            ("observedAt", E::InFuture),
            ("youngPersonRating", E::RatingOutOfScale),
            ("practitionerRating", E::RatingOutOfScale),
            ("practitionerNote", E::TooLong),
            ("youngPersonRating", E::ParticipationRequired),
            ("youngPersonWords", E::ParticipationRequired),
            ("supersedesId", E::NotFound),
        ])
    );
}
