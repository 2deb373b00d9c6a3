//! The guardian timeliness and outcomes reports' definitions, on hand-made records: what is
//! counted, in which group, against which threshold, and what is published of it.

mod common;

use chrono::{DateTime, Utc};
use common::{at, child_born, date, england_and_wales, measurement_of, now, referral_draft};
use stable_futures_domain::child::Child;
use stable_futures_domain::disclosure::{RuleSet, SuppressionReason};
use stable_futures_domain::guardian::{
    AssignmentEndReason, GuardianAssignment, GuardianRole, GuardianService,
};
use stable_futures_domain::ids::{AssignmentId, ReferralId};
use stable_futures_domain::outcomes::{OutcomeFramework, OutcomeMeasurement};
use stable_futures_domain::referral::{DecisionOutcome, NrmReferral};
use stable_futures_domain::reports::{
    check_group_by, control_guardian_timeliness, control_outcomes, guardian_timeliness, outcomes,
    Dimension, GroupByError, MeasuredChild, Period, RequestOfChild, Rollup,
    GUARDIAN_TIMELINESS_GROUPS, NRM_TIMELINESS_GROUPS, OUTCOMES_GROUPS,
};

fn year_2025() -> Period {
    Period {
        from: date(2025, 1, 1),
        to: date(2025, 12, 31),
    }
}

fn request(
    child: &Child,
    role: GuardianRole,
    requested_at: DateTime<Utc>,
    assigned_at: Option<DateTime<Utc>>,
) -> GuardianAssignment {
    let mut assignment = GuardianAssignment::request(
        AssignmentId::generate(),
        child.id,
        GuardianService::Ictg,
        role,
        requested_at,
        &[],
        now(),
    )
    .expect("valid request");
    if let Some(assigned_at) = assigned_at {
        assignment
            .assign(assigned_at, None, now())
            .expect("assigned");
    }
    assignment
}

fn referral_of(child: &Child, referred_at: DateTime<Utc>) -> NrmReferral {
    NrmReferral::submit(
        ReferralId::generate(),
        child,
        referral_draft(referred_at),
        england_and_wales(),
        now(),
    )
    .expect("valid referral")
    .0
}

#[test]
fn guardian_requests_are_judged_against_the_authority_s_threshold_as_they_stand() {
    let child = child_born(date(2011, 5, 17), false);
    let referral = referral_of(&child, at(2025, 3, 1, 10, 0));
    let direct = GuardianRole::DirectWorker;
    let practitioner = GuardianRole::RegionalPractitioner;
    let mut withdrawn = request(&child, practitioner, at(2025, 5, 1, 9, 0), None);
    withdrawn
        .end(
            at(2025, 5, 5, 9, 0),
            AssignmentEndReason::RequestWithdrawn,
            now(),
        )
        .expect("ended");
    let assignments = [
        // 7 days: within 10.
        request(
            &child,
            direct,
            at(2025, 3, 3, 10, 0),
            Some(at(2025, 3, 10, 9, 0)),
        ),
        // 10 days: on the threshold is within it.
        request(
            &child,
            direct,
            at(2025, 4, 1, 10, 0),
            Some(at(2025, 4, 11, 9, 0)),
        ),
        // 11 days: after it.
        request(
            &child,
            practitioner,
            at(2025, 4, 1, 10, 0),
            Some(at(2025, 4, 12, 9, 0)),
        ),
        // Open 10 days on the day of the report: not yet due.
        request(&child, practitioner, at(2025, 11, 21, 10, 0), None),
        // Open 11 days: due and late.
        request(&child, practitioner, at(2025, 11, 20, 10, 0), None),
        // Ended without a guardian: due, not assigned, not open.
        withdrawn,
        // Before the period.
        request(
            &child,
            direct,
            at(2024, 12, 31, 10, 0),
            Some(at(2025, 1, 2, 9, 0)),
        ),
    ];
    let records: Vec<RequestOfChild<'_>> = assignments
        .iter()
        .map(|assignment| RequestOfChild {
            assignment,
            child: &child,
            first_referral: Some(&referral),
        })
        .collect();
    let today = date(2025, 12, 1);
    let rows = guardian_timeliness(&records, year_2025(), &|_| 10, today, &[]);
    assert_eq!(rows.len(), 1);
    let all = &rows[0];
    assert_eq!(all.requests, 6);
    assert_eq!(all.assignments, 3);
    assert_eq!(all.median_days_request_to_assignment, Some(10.0));
    // From the referral on 1 March: 9, 41 and 42 days.
    assert_eq!(all.median_days_referral_to_assignment, Some(41.0));
    assert_eq!(all.due, 5);
    assert_eq!(all.assigned_within_threshold, 2);
    assert_eq!(all.open_requests, 2);
    assert_eq!(all.median_days_open, Some(10.5));

    // By role; and by age band on the day of the request (14 on 17 May 2025).
    let by_role = guardian_timeliness(
        &records,
        year_2025(),
        &|_| 10,
        today,
        &[Dimension::GuardianRole],
    );
    let groups: Vec<(&str, u64, u64)> = by_role
        .iter()
        .map(|row| {
            (
                row.group[0].as_str(),
                row.requests,
                row.assigned_within_threshold,
            )
        })
        .collect();
    assert_eq!(
        groups,
        [("DIRECT_WORKER", 2, 2), ("REGIONAL_PRACTITIONER", 4, 0)]
    );
    let by_age = guardian_timeliness(&records, year_2025(), &|_| 10, today, &[Dimension::AgeBand]);
    let bands: Vec<(&str, u64)> = by_age
        .iter()
        .map(|row| (row.group[0].as_str(), row.requests))
        .collect();
    assert_eq!(bands, [("10_TO_13", 4), ("14_TO_15", 2)]);

    // A stricter threshold: only the 7-day assignment is within it; no referral, no median
    // from referral.
    let unreferred: Vec<RequestOfChild<'_>> = records
        .iter()
        .map(|record| RequestOfChild {
            first_referral: None,
            ..*record
        })
        .collect();
    let strict = guardian_timeliness(&unreferred, year_2025(), &|_| 7, today, &[]);
    assert_eq!(strict[0].assigned_within_threshold, 1);
    assert_eq!(strict[0].due, 6, "every request is past 7 days");
    assert_eq!(strict[0].median_days_referral_to_assignment, None);

    // Published: 6 requests shown, the 2 within the threshold hidden, and their share with them;
    // the share of assignments over requests shown.
    let published = control_guardian_timeliness(
        &Rollup::compute(&[], |dimensions| {
            guardian_timeliness(&records, year_2025(), &|_| 10, today, dimensions)
        }),
        RuleSet::Dfe2024,
    );
    assert_eq!(published[0].requests.value, Some(6.0));
    assert_eq!(
        published[0].assigned_within_threshold.suppressed,
        Some(SuppressionReason::SmallCount)
    );
    assert_eq!(published[0].assigned_within_threshold_share.value, None);
    assert_eq!(published[0].median_days_request_to_assignment.value, None);
    let open = control_guardian_timeliness(
        &Rollup::compute(&[], |dimensions| {
            guardian_timeliness(&records, year_2025(), &|_| 10, today, dimensions)
        }),
        RuleSet::None,
    );
    assert_eq!(open[0].assignment_share.value, Some(50.0));
    assert_eq!(open[0].assigned_within_threshold_share.value, Some(40.0));
    assert_eq!(open[0].median_days_open.value, Some(10.5));
    assert_eq!(open[0].median_days_referral_to_assignment.value, Some(41.0));
    // Grouped, each row's cells are its own group's.
    let by_role = control_guardian_timeliness(
        &Rollup::compute(&[Dimension::GuardianRole], |dimensions| {
            guardian_timeliness(&records, year_2025(), &|_| 10, today, dimensions)
        }),
        RuleSet::None,
    );
    let cells: Vec<(String, Option<f64>, Option<f64>)> = by_role
        .iter()
        .map(|row| {
            (
                row.group.join("/"),
                row.requests.value,
                row.open_requests.value,
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("DIRECT_WORKER".to_owned(), Some(2.0), Some(0.0)),
            ("REGIONAL_PRACTITIONER".to_owned(), Some(4.0), Some(2.0)),
        ]
    );
}

/// A reading on a (month, day) of 2025: the young person's rating and the practitioner's.
type Reading = ((u32, u32), Option<i32>, Option<i32>);

/// A child's readings of one outcome.
fn readings(child: &Child, outcome: &str, days: &[Reading]) -> Vec<OutcomeMeasurement> {
    let version = OutcomeFramework::default_catalogue().version;
    days.iter()
        .map(|((month, day), young_person, practitioner)| {
            measurement_of(
                child.id,
                &version,
                outcome,
                at(2025, *month, *day, 10, 0),
                *young_person,
                *practitioner,
            )
        })
        .collect()
}

#[test]
fn outcomes_compare_first_and_latest_readings_of_the_period_by_the_nrm_s_decision() {
    let framework = OutcomeFramework::default_catalogue();
    let frameworks = |version: &str| (version == framework.version).then_some(&framework);
    let children: Vec<Child> = (0..4)
        .map(|_| child_born(date(2011, 5, 17), false))
        .collect();
    let mut positive = referral_of(&children[0], at(2025, 1, 6, 10, 0));
    positive
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 1, 8, 10, 0), now())
        .expect("decided");
    let undecided = referral_of(&children[1], at(2025, 1, 6, 10, 0));
    let prompt = request(
        &children[0],
        GuardianRole::DirectWorker,
        at(2025, 1, 6, 10, 0),
        Some(at(2025, 1, 9, 10, 0)),
    );
    let awaited = request(
        &children[1],
        GuardianRole::DirectWorker,
        at(2025, 1, 6, 10, 0),
        None,
    );
    let measurements = [
        // Better by 2 for the young person, same for the practitioner; a reading before the
        // period does not count as the first.
        [
            readings(
                &children[0],
                "being_listened_to",
                &[((2, 1), Some(2), Some(3)), ((6, 1), Some(4), Some(3))],
            ),
            vec![measurement_of(
                children[0].id,
                &framework.version,
                "being_listened_to",
                at(2024, 12, 1, 10, 0),
                Some(5),
                Some(5),
            )],
        ]
        .concat(),
        // Worse by 1; and an outcome read once (no change).
        [
            readings(
                &children[1],
                "being_listened_to",
                &[((3, 1), Some(3), Some(4)), ((9, 1), Some(2), Some(2))],
            ),
            readings(&children[1], "equality", &[((3, 1), Some(3), None)]),
        ]
        .concat(),
        // Without the young person: no young person's change.
        readings(
            &children[2],
            "being_listened_to",
            &[((4, 1), None, Some(1)), ((5, 1), None, Some(2))],
        ),
        // Nothing in the period: not in the report.
        Vec::new(),
    ];
    let records: Vec<MeasuredChild<'_>> = children
        .iter()
        .zip(&measurements)
        .enumerate()
        .map(|(n, (child, measurements))| MeasuredChild {
            child,
            first_referral: [Some(&positive), Some(&undecided), None, None][n],
            first_assignment: [Some(&prompt), Some(&awaited), None, None][n],
            measurements,
        })
        .collect();
    let all = outcomes(&records, year_2025(), &|_| 10, frameworks, &[]);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].children_measured, 3);
    assert_eq!(all[0].measurements, 7);
    assert_eq!(all[0].young_person_took_part, 5);
    let keys: Vec<&str> = all[0]
        .outcomes
        .keys()
        .map(|outcome| outcome.outcome_key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["equality", "being_listened_to"],
        "the framework's order"
    );
    let listened = all[0]
        .outcomes
        .iter()
        .find(|(outcome, _)| outcome.outcome_key == "being_listened_to")
        .map(|(_, changes)| changes)
        .expect("measured");
    assert_eq!(listened.children, 3);
    assert_eq!(listened.principle_article, Some(12));
    assert_eq!(
        (
            listened.young_person.with_change,
            listened.young_person.improved,
            listened.young_person.same,
            listened.young_person.worse
        ),
        (2, 1, 0, 1)
    );
    assert_eq!(listened.young_person.median_change, Some(0.5));
    assert_eq!(
        (
            listened.practitioner.with_change,
            listened.practitioner.improved,
            listened.practitioner.same,
            listened.practitioner.worse
        ),
        (3, 1, 1, 1)
    );
    let equality = all[0]
        .outcomes
        .iter()
        .find(|(outcome, _)| outcome.outcome_key == "equality")
        .map(|(_, changes)| changes)
        .expect("measured");
    assert_eq!(equality.children, 1);
    assert_eq!(
        equality.young_person.with_change, 0,
        "one reading is no change"
    );
    assert_eq!(equality.young_person.median_change, None);

    let by_decision = outcomes(
        &records,
        year_2025(),
        &|_| 10,
        frameworks,
        &[Dimension::ReasonableGroundsOutcome],
    );
    let groups: Vec<(&str, u64)> = by_decision
        .iter()
        .map(|row| (row.group[0].as_str(), row.children_measured))
        .collect();
    assert_eq!(
        groups,
        [("NOT_DECIDED", 1), ("NO_REFERRAL", 1), ("POSITIVE", 1)]
    );
    let by_guardian = outcomes(
        &records,
        year_2025(),
        &|_| 10,
        frameworks,
        &[Dimension::GuardianAssigned],
    );
    let groups: Vec<(&str, u64)> = by_guardian
        .iter()
        .map(|row| (row.group[0].as_str(), row.children_measured))
        .collect();
    assert_eq!(
        groups,
        [
            ("NOT_ASSIGNED", 1),
            ("NO_REQUEST", 1),
            ("WITHIN_THRESHOLD", 1)
        ]
    );
    // Three days is not within a threshold of two.
    let strict = outcomes(
        &records,
        year_2025(),
        &|_| 2,
        frameworks,
        &[Dimension::GuardianAssigned],
    );
    assert_eq!(strict[0].group, ["AFTER_THRESHOLD"]);

    // Grouped, each row's cells are its own group's.
    let by_decision_published = control_outcomes(
        &Rollup::compute(&[Dimension::ReasonableGroundsOutcome], |dimensions| {
            outcomes(&records, year_2025(), &|_| 10, frameworks, dimensions)
        }),
        RuleSet::None,
    );
    let cells: Vec<(String, Option<f64>, usize)> = by_decision_published
        .iter()
        .map(|row| {
            (
                row.group.join("/"),
                row.measurements.value,
                row.outcomes.len(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("NOT_DECIDED".to_owned(), Some(3.0), 2),
            ("NO_REFERRAL".to_owned(), Some(2.0), 2),
            ("POSITIVE".to_owned(), Some(2.0), 2),
        ],
        "every outcome in every row"
    );

    // Published: three children are a small count, and everything computed over them is hidden.
    let rollup = Rollup::compute(&[], |dimensions| {
        outcomes(&records, year_2025(), &|_| 10, frameworks, dimensions)
    });
    let published = control_outcomes(&rollup, RuleSet::Dfe2024);
    assert_eq!(published[0].children_measured.value, None);
    assert_eq!(published[0].measurements.value, None);
    assert_eq!(published[0].young_person_participation_share.value, None);
    let open = control_outcomes(&rollup, RuleSet::None);
    assert_eq!(open[0].children_measured.value, Some(3.0));
    assert_eq!(open[0].measurements.value, Some(7.0));
    assert_eq!(open[0].young_person_participation_share.value, Some(71.4));
    let listened = &open[0].outcomes[1];
    assert_eq!(listened.outcome.outcome_key, "being_listened_to");
    assert_eq!(listened.young_person.improved_share.value, Some(50.0));
    assert_eq!(listened.young_person.same_share.value, Some(0.0));
    assert_eq!(listened.practitioner.worse_share.value, Some(33.3));
    assert_eq!(listened.young_person.median_change.value, Some(0.5));
}

#[test]
fn improved_same_and_worse_are_controlled_together_so_none_follows_from_the_others() {
    // 20 children measured twice on one outcome: 12 better, 6 the same, 2 worse. The 2 is small;
    // with 20 changes shown it would follow from 12 and 6, so another class is hidden too.
    let framework = OutcomeFramework::default_catalogue();
    let frameworks = |version: &str| (version == framework.version).then_some(&framework);
    let children: Vec<Child> = (0..20)
        .map(|_| child_born(date(2011, 5, 17), false))
        .collect();
    let measurements: Vec<Vec<OutcomeMeasurement>> = children
        .iter()
        .enumerate()
        .map(|(n, child)| {
            let latest = match n {
                0..=11 => 4,
                12..=17 => 3,
                _ => 2,
            };
            readings(
                child,
                "freedom",
                &[((2, 1), Some(3), Some(3)), ((8, 1), Some(latest), Some(3))],
            )
        })
        .collect();
    let records: Vec<MeasuredChild<'_>> = children
        .iter()
        .zip(&measurements)
        .map(|(child, measurements)| MeasuredChild {
            child,
            first_referral: None,
            first_assignment: None,
            measurements,
        })
        .collect();
    let rollup = Rollup::compute(&[], |dimensions| {
        outcomes(&records, year_2025(), &|_| 10, frameworks, dimensions)
    });
    let published = control_outcomes(&rollup, RuleSet::Dfe2024);
    let freedom = &published[0].outcomes[0];
    let young_person = &freedom.young_person;
    assert_eq!(young_person.with_change.value, Some(20.0));
    assert_eq!(
        young_person.worse.suppressed,
        Some(SuppressionReason::SmallCount)
    );
    assert_eq!(
        young_person.same.suppressed,
        Some(SuppressionReason::Secondary),
        "the smaller of the others"
    );
    assert_eq!(young_person.improved.value, Some(12.0));
    assert_eq!(young_person.worse_share.value, None);
    assert_eq!(young_person.same_share.value, None);
    assert_eq!(young_person.improved_share.value, Some(60.0));
    // The practitioner saw no change in any: 20 the same, true zeros either side.
    assert_eq!(freedom.practitioner.same.value, Some(20.0));
    assert_eq!(freedom.practitioner.improved.value, Some(0.0));
    assert_eq!(freedom.practitioner.median_change.value, Some(0.0));
}

#[test]
fn each_report_groups_by_its_own_dimensions_at_most_two_each_once() {
    assert_eq!(
        check_group_by(
            &NRM_TIMELINESS_GROUPS,
            &[Dimension::AgeBand, Dimension::Gender]
        ),
        Ok(())
    );
    assert_eq!(
        check_group_by(&NRM_TIMELINESS_GROUPS, &[Dimension::GuardianRole]),
        Err(GroupByError::NotOffered(Dimension::GuardianRole))
    );
    assert_eq!(
        check_group_by(
            &GUARDIAN_TIMELINESS_GROUPS,
            &[Dimension::AgeBand, Dimension::AgeBand]
        ),
        Err(GroupByError::Repeated)
    );
    assert_eq!(
        check_group_by(
            &OUTCOMES_GROUPS,
            &[
                Dimension::AgeBand,
                Dimension::GuardianAssigned,
                Dimension::ExploitationType
            ]
        ),
        Err(GroupByError::TooMany)
    );
    assert_eq!(
        check_group_by(&OUTCOMES_GROUPS, &[Dimension::Gender]).map_err(|e| e.to_string()),
        Err("this report does not group by GENDER".to_owned())
    );
    assert_eq!(
        GroupByError::TooMany.to_string(),
        "groupBy takes at most 2 dimensions"
    );
}
