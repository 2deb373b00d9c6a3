//! A child's outcome profile: first and latest current readings per outcome, in the framework's
//! order, with the change and the young person's participation; never one overall score.

mod common;

use common::{at, measurement_of};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::outcome_profile::outcome_profile;
use stable_futures_domain::outcomes::OutcomeFramework;

#[test]
fn first_and_latest_per_outcome_in_the_frameworks_order() {
    let framework = OutcomeFramework::default_catalogue();
    let version = framework.version.clone();
    let child = ChildId::generate();
    let measurements = vec![
        // Recorded out of order: the profile orders by when they were observed.
        measurement_of(
            child,
            &version,
            "being_listened_to",
            at(2025, 6, 1, 9, 0),
            Some(4),
            Some(3),
        ),
        measurement_of(
            child,
            &version,
            "being_listened_to",
            at(2025, 3, 1, 9, 0),
            Some(2),
            Some(3),
        ),
        measurement_of(
            child,
            &version,
            "being_listened_to",
            at(2025, 4, 1, 9, 0),
            None,
            Some(2),
        ),
        measurement_of(
            child,
            &version,
            "equality",
            at(2025, 3, 2, 9, 0),
            Some(3),
            None,
        ),
    ];
    let profile = outcome_profile(&measurements, |v| (v == version).then_some(&framework));
    let keys: Vec<&str> = profile.iter().map(|e| e.outcome_key.as_str()).collect();
    assert_eq!(
        keys,
        ["equality", "being_listened_to"],
        "Art 2 before Art 12"
    );

    let listened = &profile[1];
    assert_eq!(listened.principle_article, Some(12));
    assert_eq!(listened.outcome_title.as_deref(), Some("Being listened to"));
    assert_eq!(listened.first.observed_at, at(2025, 3, 1, 9, 0));
    assert_eq!(listened.first.observed_on(), common::date(2025, 3, 1));
    assert_eq!(listened.latest.observed_at, at(2025, 6, 1, 9, 0));
    assert_eq!(listened.young_person_change(), Some(2));
    assert_eq!(listened.practitioner_change(), Some(0));
    assert_eq!(listened.measurements, 3);
    assert_eq!(listened.young_person_participated, 2);
    assert!((listened.participation_share() - 2.0 / 3.0).abs() < 1e-9);

    let equality = &profile[0];
    assert_eq!(equality.measurements, 1);
    assert_eq!(equality.first, equality.latest);
    assert_eq!(equality.young_person_change(), Some(0));
    assert_eq!(
        equality.practitioner_change(),
        None,
        "never rated by a practitioner"
    );
    assert!((equality.participation_share() - 1.0).abs() < 1e-9);
}

#[test]
fn versions_stay_apart_and_an_unknown_version_still_shows() {
    let framework = OutcomeFramework::default_catalogue();
    let version = framework.version.clone();
    let child = ChildId::generate();
    let measurements = vec![
        measurement_of(
            child,
            "published-2026",
            "freedom",
            at(2026, 6, 30, 23, 30), // 1 July in the UK
            Some(5),
            None,
        ),
        measurement_of(
            child,
            &version,
            "freedom",
            at(2025, 1, 5, 9, 0),
            Some(1),
            None,
        ),
    ];
    let profile = outcome_profile(&measurements, |v| (v == version).then_some(&framework));
    assert_eq!(
        profile.len(),
        2,
        "one entry per version: ratings of two scales never mix"
    );
    assert_eq!(
        profile[0].framework_version, version,
        "the version used first comes first"
    );
    assert_eq!(profile[0].principle_article, Some(6));
    assert_eq!(profile[1].framework_version, "published-2026");
    assert_eq!(profile[1].principle_article, None);
    assert_eq!(profile[1].outcome_title, None);
    assert_eq!(profile[1].young_person_change(), Some(0));
    assert_eq!(profile[1].latest.observed_on(), common::date(2026, 7, 1));
}

#[test]
fn no_measurements_no_profile() {
    let framework = OutcomeFramework::default_catalogue();
    assert!(outcome_profile(&[], |_| Some(&framework)).is_empty());
}
