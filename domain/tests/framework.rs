//! The Positive Outcomes Framework as reference data: the shipped catalogue, the rules any loaded
//! framework must pass, and its JSON form.

use serde_json::{json, Value};
use stable_futures_domain::outcomes::{
    FrameworkError, Indicator, Outcome, OutcomeFramework, Principle, RatingLevel,
};

fn catalogue() -> OutcomeFramework {
    OutcomeFramework::default_catalogue()
}

fn outcome(key: &str) -> Outcome {
    Outcome {
        key: key.to_owned(),
        title: key.replace('_', " "),
        indicators: Vec::new(),
    }
}

fn indicator(key: &str) -> Indicator {
    Indicator {
        key: key.to_owned(),
        title: key.replace('_', " "),
    }
}

fn scale(values: &[i32]) -> Vec<RatingLevel> {
    values
        .iter()
        .map(|value| RatingLevel {
            value: *value,
            label: format!("Level {value}"),
        })
        .collect()
}

/// The outcome with this key, for editing.
fn outcome_mut<'a>(framework: &'a mut OutcomeFramework, key: &str) -> &'a mut Outcome {
    framework
        .principles
        .iter_mut()
        .flat_map(|principle| principle.outcomes.iter_mut())
        .find(|outcome| outcome.key == key)
        .expect("outcome in the catalogue")
}

/// The catalogue with indicators on two outcomes.
fn with_indicators() -> OutcomeFramework {
    let mut framework = catalogue();
    outcome_mut(&mut framework, "being_safe_and_feeling_safe").indicators = vec![
        indicator("has_a_safe_place_to_live"),
        indicator("knows_who_to_call"),
    ];
    outcome_mut(&mut framework, "freedom").indicators = vec![indicator("free_to_see_friends")];
    framework
}

// ---------------------------------------------------------------------------------------------
// The shipped catalogue.

#[test]
fn the_default_catalogue_is_valid_as_shipped() {
    assert_eq!(catalogue().validate(), Ok(catalogue()));
}

#[test]
fn the_default_catalogue_says_it_is_partial_and_its_grouping_provisional() {
    let framework = catalogue();
    assert!(framework.partial);
    assert!(framework.grouping_provisional);
    assert!(!framework.version.trim().is_empty());
    let notice = framework.notice.to_lowercase();
    assert!(notice.contains("partial"), "{notice}");
    assert!(notice.contains("provisional"), "{notice}");
}

#[test]
fn the_default_catalogue_holds_the_nine_outcomes_named_in_the_research_summary() {
    let named = [
        ("being_safe_and_feeling_safe", "Being safe and feeling safe"),
        ("stability_and_peace", "Stability and peace"),
        (
            "trust_in_professionals_and_systems",
            "Trust in professionals and systems",
        ),
        ("being_believed", "Being believed"),
        ("being_listened_to", "Being listened to"),
        ("freedom", "Freedom"),
        ("equality", "Equality"),
        (
            "access_to_quality_legal_advice",
            "Access to quality legal advice",
        ),
        ("access_to_interpreters", "Access to interpreters"),
    ];
    let framework = catalogue();
    for (key, title) in named {
        let outcome = framework
            .outcome(key)
            .unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(outcome.title, title, "{key}");
    }
    assert_eq!(
        framework.outcomes().count(),
        named.len(),
        "no outcome beyond those named"
    );
}

#[test]
fn the_default_catalogue_groups_outcomes_under_the_four_uncrc_general_principles() {
    let framework = catalogue();
    let articles: Vec<i32> = framework
        .principles
        .iter()
        .map(|principle| principle.article)
        .collect();
    assert_eq!(articles, [2, 3, 6, 12]);
    for principle in &framework.principles {
        assert!(
            !principle.title.trim().is_empty(),
            "article {}",
            principle.article
        );
        assert!(
            !principle.outcomes.is_empty(),
            "article {} has no outcomes",
            principle.article
        );
    }
}

#[test]
fn the_default_catalogue_scale_runs_from_1_to_5() {
    let framework = catalogue();
    let values: Vec<i32> = framework.scale.iter().map(|level| level.value).collect();
    assert_eq!(values, [1, 2, 3, 4, 5]);
    for value in [0, 6] {
        assert!(!framework.rating_in_scale(value), "{value}");
    }
    for value in 1..=5 {
        assert!(framework.rating_in_scale(value), "{value}");
    }
}

#[test]
fn looking_up_an_outcome_needs_its_exact_key() {
    let framework = catalogue();
    for key in ["", "Freedom", "freedom ", "free"] {
        assert!(framework.outcome(key).is_none(), "{key:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// validate()

#[test]
fn validate_rejects_each_broken_framework_with_the_reason() {
    // (what is wrong, how to break the catalogue, the error)
    type Break = fn(&mut OutcomeFramework);
    let cases: Vec<(&str, Break, FrameworkError)> = vec![
        (
            "empty version",
            |f| f.version = String::new(),
            FrameworkError::NoVersion,
        ),
        (
            "blank version",
            |f| f.version = " \t".to_owned(),
            FrameworkError::NoVersion,
        ),
        (
            "article twice",
            |f| {
                f.principles.push(Principle {
                    article: 12,
                    title: "Participation again".to_owned(),
                    outcomes: vec![],
                })
            },
            FrameworkError::DuplicatePrinciple(12),
        ),
        (
            "outcome key twice under one principle",
            |f| f.principles[2].outcomes.push(outcome("freedom")),
            FrameworkError::DuplicateOutcome("freedom".to_owned()),
        ),
        (
            "outcome key twice under two principles",
            |f| f.principles[0].outcomes.push(outcome("being_believed")),
            FrameworkError::DuplicateOutcome("being_believed".to_owned()),
        ),
        (
            "indicator key twice in one outcome",
            |f| {
                outcome_mut(f, "freedom")
                    .indicators
                    .push(indicator("free_to_see_friends"))
            },
            FrameworkError::DuplicateIndicator("free_to_see_friends".to_owned()),
        ),
        (
            "indicator key twice across outcomes",
            |f| {
                outcome_mut(f, "equality")
                    .indicators
                    .push(indicator("knows_who_to_call"))
            },
            FrameworkError::DuplicateIndicator("knows_who_to_call".to_owned()),
        ),
        (
            "no scale",
            |f| f.scale = scale(&[]),
            FrameworkError::BadScale,
        ),
        (
            "one level",
            |f| f.scale = scale(&[1]),
            FrameworkError::BadScale,
        ),
        (
            "two equal levels",
            |f| f.scale = scale(&[1, 1]),
            FrameworkError::BadScale,
        ),
        (
            "a repeated level",
            |f| f.scale = scale(&[1, 2, 3, 2]),
            FrameworkError::BadScale,
        ),
    ];
    for (what, break_it, error) in cases {
        let mut framework = with_indicators();
        break_it(&mut framework);
        assert_eq!(framework.validate(), Err(error), "{what}");
    }
}

fn bad_keys() -> Vec<String> {
    vec![
        String::new(),
        "Freedom".to_owned(),
        "being-safe".to_owned(),
        "being safe".to_owned(),
        "1st_outcome".to_owned(),
        "_freedom".to_owned(),
        "café".to_owned(),
        "freedom\n".to_owned(),
        "a".repeat(65),
    ]
}

fn good_keys() -> Vec<String> {
    vec![
        "a".to_owned(),
        "a1".to_owned(),
        "a_b".to_owned(),
        "trailing_".to_owned(),
        "double__underscore".to_owned(),
        "a".repeat(64),
    ]
}

#[test]
fn outcome_keys_must_be_lower_snake_case_of_at_most_64_characters() {
    for key in bad_keys() {
        let mut framework = catalogue();
        framework.principles[1].outcomes.push(outcome(&key));
        assert_eq!(
            framework.validate(),
            Err(FrameworkError::BadKey(key.clone())),
            "{key:?}"
        );
    }
    for key in good_keys() {
        let mut framework = catalogue();
        framework.principles[1].outcomes.push(outcome(&key));
        assert!(framework.validate().is_ok(), "{key:?}");
    }
}

#[test]
fn indicator_keys_must_be_lower_snake_case_of_at_most_64_characters() {
    for key in bad_keys() {
        let mut framework = catalogue();
        outcome_mut(&mut framework, "equality")
            .indicators
            .push(indicator(&key));
        assert_eq!(
            framework.validate(),
            Err(FrameworkError::BadKey(key.clone())),
            "{key:?}"
        );
    }
    for key in good_keys() {
        let mut framework = catalogue();
        outcome_mut(&mut framework, "equality")
            .indicators
            .push(indicator(&key));
        assert!(framework.validate().is_ok(), "{key:?}");
    }
}

#[test]
fn validate_accepts_any_scale_of_distinct_levels_and_orders_it_by_value() {
    // (levels as given, as kept)
    let cases: [(&[i32], &[i32]); 4] = [
        (&[1, 2], &[1, 2]),
        (&[3, 1, 2], &[1, 2, 3]),
        (&[0, -1], &[-1, 0]),
        (&[10, 0, 5], &[0, 5, 10]),
    ];
    for (given, kept) in cases {
        let mut framework = catalogue();
        framework.scale = scale(given);
        let framework = framework
            .validate()
            .unwrap_or_else(|error| panic!("{given:?}: {error}"));
        let values: Vec<i32> = framework.scale.iter().map(|level| level.value).collect();
        assert_eq!(values, kept, "{given:?}");
    }
}

#[test]
fn a_framework_with_no_principles_but_a_scale_is_valid() {
    let mut framework = catalogue();
    framework.principles.clear();
    assert!(framework.validate().is_ok());
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn the_default_catalogue_survives_a_json_round_trip_unchanged() {
    for framework in [catalogue(), with_indicators()] {
        let text = serde_json::to_string_pretty(&framework).expect("serialises");
        let read: OutcomeFramework = serde_json::from_str(&text).expect("deserialises");
        assert_eq!(read, framework);
    }
}

#[test]
fn the_json_form_uses_camel_case_field_names() {
    let value = serde_json::to_value(catalogue()).expect("serialises");
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "groupingProvisional",
            "notice",
            "partial",
            "principles",
            "scale",
            "title",
            "version"
        ]
    );
    assert_eq!(value["partial"], json!(true));
    assert_eq!(value["groupingProvisional"], json!(true));
    assert_eq!(value["principles"][0]["article"], json!(2));
    assert_eq!(
        value["principles"][0]["outcomes"][0]["key"],
        json!("equality")
    );
    assert_eq!(
        value["principles"][0]["outcomes"][0]["indicators"],
        json!([])
    );
    assert_eq!(
        value["scale"][0],
        json!({ "value": 1, "label": "Not at all" })
    );
}

fn object_at<'a>(value: &'a mut Value, pointer: &str) -> &'a mut serde_json::Map<String, Value> {
    value
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {pointer:?}"))
}

#[test]
fn unknown_fields_are_rejected_at_every_level() {
    for pointer in [
        "",
        "/principles/0",
        "/principles/3/outcomes/1",
        "/principles/1/outcomes/0/indicators/0",
        "/scale/4",
    ] {
        let mut value = serde_json::to_value(with_indicators()).expect("serialises");
        // with_indicators puts indicators on being_safe_and_feeling_safe, the first outcome of article 3.
        object_at(&mut value, pointer).insert("colour".to_owned(), json!("red"));
        let error = serde_json::from_value::<OutcomeFramework>(value)
            .expect_err(&format!("extra field at {pointer:?}"));
        assert!(
            error.to_string().contains("unknown field `colour`"),
            "{pointer:?}: {error}"
        );
    }
}

#[test]
fn snake_case_field_names_are_rejected() {
    let mut value = serde_json::to_value(catalogue()).expect("serialises");
    let root = object_at(&mut value, "");
    let provisional = root.remove("groupingProvisional").expect("present");
    root.insert("grouping_provisional".to_owned(), provisional);
    assert!(serde_json::from_value::<OutcomeFramework>(value).is_err());
}

#[test]
fn missing_required_fields_are_rejected() {
    for (pointer, field) in [
        ("", "version"),
        ("", "partial"),
        ("", "groupingProvisional"),
        ("", "scale"),
        ("/principles/0", "article"),
        ("/principles/0/outcomes/0", "key"),
        ("/scale/0", "label"),
    ] {
        let mut value = serde_json::to_value(catalogue()).expect("serialises");
        object_at(&mut value, pointer)
            .remove(field)
            .expect("present");
        let error = serde_json::from_value::<OutcomeFramework>(value)
            .expect_err(&format!("{pointer}/{field} missing"));
        assert!(
            error.to_string().contains("missing field"),
            "{pointer}/{field}: {error}"
        );
    }
}

#[test]
fn an_outcome_without_an_indicators_field_has_no_indicators() {
    let mut value = serde_json::to_value(catalogue()).expect("serialises");
    object_at(&mut value, "/principles/2/outcomes/0")
        .remove("indicators")
        .expect("present");
    let framework: OutcomeFramework =
        serde_json::from_value(value).expect("indicators default to none");
    assert_eq!(framework, catalogue());
}
