//! Totals rounded to the nearest 10, as DfE publishes national and regional totals: which rows
//! are totals, how a count rounds, and that only counts are rounded.

use stable_futures_domain::disclosure::SuppressionReason;
use stable_futures_domain::reports::{
    rows_are_totals, with_totals_rounded, Cell, ControlledChanges, ControlledGuardianTimelinessRow,
    ControlledNrmTimelinessRow, ControlledOutcome, ControlledOutcomesRow, Dimension, OutcomeRef,
};

fn shown(value: f64) -> Cell {
    Cell {
        value: Some(value),
        ..Cell::default()
    }
}

fn rounded(value: f64) -> Cell {
    Cell {
        value: Some(value),
        suppressed: None,
        rounded: true,
    }
}

fn hidden(reason: SuppressionReason) -> Cell {
    Cell {
        value: None,
        suppressed: Some(reason),
        rounded: false,
    }
}

#[test]
fn a_count_rounds_to_the_nearest_ten_with_a_five_rounding_up() {
    for (count, expected) in [
        (0.0, 0.0),
        (6.0, 10.0),
        (14.0, 10.0),
        (15.0, 20.0),
        (25.0, 30.0),
        (104.0, 100.0),
        (1_235.0, 1_240.0),
    ] {
        assert_eq!(shown(count).rounded_to_ten(), rounded(expected), "{count}");
    }
    assert_eq!(
        rounded(15.0).display(),
        "15",
        "the value is printed as it is"
    );
    assert_eq!(shown(14.0).rounded_to_ten().display(), "10");
    // A hidden count stays hidden, and a cell with nothing to compute stays not applicable.
    for cell in [
        hidden(SuppressionReason::SmallCount),
        hidden(SuppressionReason::Secondary),
        Cell::default(),
    ] {
        assert_eq!(cell.rounded_to_ten(), cell);
    }
}

#[test]
fn the_totals_are_the_whole_cohort_and_across_authorities_every_row_that_pools_them() {
    use Dimension::{AgeBand, ExploitationType, LocalAuthority};
    // One authority: its own figures split by anything are exact; its whole cohort is a total.
    assert!(rows_are_totals(&[], false));
    assert!(!rows_are_totals(&[AgeBand], false));
    assert!(!rows_are_totals(&[AgeBand, ExploitationType], false));
    // Across authorities: a row that pools them is a regional total, whatever else it splits.
    assert!(rows_are_totals(&[], true));
    assert!(rows_are_totals(&[AgeBand], true));
    assert!(rows_are_totals(&[AgeBand, ExploitationType], true));
    // Each authority's own row is not.
    assert!(!rows_are_totals(&[LocalAuthority], true));
    assert!(!rows_are_totals(&[AgeBand, LocalAuthority], true));
}

fn nrm_row() -> ControlledNrmTimelinessRow {
    ControlledNrmTimelinessRow {
        group: vec![],
        referrals: shown(123.0),
        reasonable_grounds_decisions: shown(117.0),
        reasonable_grounds_positive: shown(96.0),
        reasonable_grounds_positive_share: shown(82.1),
        decided_within_target: shown(44.0),
        decided_within_target_share: shown(37.6),
        median_days_to_reasonable_grounds: shown(8.5),
        p90_days_to_reasonable_grounds: shown(31.0),
        conclusive_grounds_decisions: shown(13.0),
        conclusive_grounds_positive: shown(8.0),
        conclusive_grounds_positive_share: shown(61.5),
        median_days_reasonable_to_conclusive: shown(201.0),
        waiting_for_conclusive: shown(75.0),
        median_days_waiting_for_conclusive: shown(388.0),
    }
}

#[test]
fn an_nrm_total_rounds_its_counts_and_keeps_its_shares_and_days() {
    let row = with_totals_rounded(vec![nrm_row()], true).remove(0);
    assert_eq!(
        row,
        ControlledNrmTimelinessRow {
            referrals: rounded(120.0),
            reasonable_grounds_decisions: rounded(120.0),
            reasonable_grounds_positive: rounded(100.0),
            decided_within_target: rounded(40.0),
            conclusive_grounds_decisions: rounded(10.0),
            conclusive_grounds_positive: rounded(10.0),
            waiting_for_conclusive: rounded(80.0),
            ..nrm_row()
        }
    );
    assert_eq!(with_totals_rounded(vec![nrm_row()], false), vec![nrm_row()]);
}

fn guardian_row() -> ControlledGuardianTimelinessRow {
    ControlledGuardianTimelinessRow {
        group: vec!["16-17".to_owned()],
        requests: shown(58.0),
        assignments: shown(51.0),
        assignment_share: shown(87.9),
        median_days_request_to_assignment: shown(3.0),
        median_days_referral_to_assignment: shown(12.0),
        due: shown(55.0),
        assigned_within_threshold: shown(42.0),
        assigned_within_threshold_share: shown(76.4),
        open_requests: shown(7.0),
        median_days_open: shown(9.0),
    }
}

#[test]
fn a_guardian_total_rounds_its_counts_and_keeps_its_shares_and_days() {
    let row = with_totals_rounded(vec![guardian_row()], true).remove(0);
    assert_eq!(
        row,
        ControlledGuardianTimelinessRow {
            requests: rounded(60.0),
            assignments: rounded(50.0),
            due: rounded(60.0),
            assigned_within_threshold: rounded(40.0),
            open_requests: rounded(10.0),
            ..guardian_row()
        }
    );
}

fn changes(with_change: f64, improved: f64, same: f64, worse: f64) -> ControlledChanges {
    ControlledChanges {
        with_change: shown(with_change),
        improved: shown(improved),
        improved_share: shown(50.0),
        same: shown(same),
        same_share: shown(25.0),
        worse: shown(worse),
        worse_share: shown(25.0),
        median_change: shown(1.0),
    }
}

fn outcomes_row() -> ControlledOutcomesRow {
    ControlledOutcomesRow {
        group: vec![],
        children_measured: shown(47.0),
        measurements: shown(212.0),
        young_person_participation_share: shown(71.2),
        outcomes: vec![ControlledOutcome {
            outcome: OutcomeRef {
                framework_version: "2022".to_owned(),
                place: (0, 0),
                outcome_key: "safe_accommodation".to_owned(),
            },
            principle_article: Some(19),
            principle_title: Some("Safety".to_owned()),
            outcome_title: Some("Safe accommodation".to_owned()),
            children: shown(36.0),
            young_person: changes(32.0, 16.0, 8.0, 8.0),
            practitioner: changes(28.0, 13.0, 9.0, 6.0),
        }],
    }
}

#[test]
fn an_outcomes_total_rounds_children_measurements_and_every_change_count() {
    let row = with_totals_rounded(vec![outcomes_row()], true).remove(0);
    let rounded_changes =
        |with_change, improved, same, worse, original: ControlledChanges| ControlledChanges {
            with_change: rounded(with_change),
            improved: rounded(improved),
            same: rounded(same),
            worse: rounded(worse),
            ..original
        };
    let original = outcomes_row();
    let outcome = original.outcomes[0].clone();
    assert_eq!(
        row,
        ControlledOutcomesRow {
            children_measured: rounded(50.0),
            measurements: rounded(210.0),
            outcomes: vec![ControlledOutcome {
                children: rounded(40.0),
                young_person: rounded_changes(30.0, 20.0, 10.0, 10.0, outcome.young_person.clone()),
                practitioner: rounded_changes(30.0, 10.0, 10.0, 10.0, outcome.practitioner.clone()),
                ..outcome
            }],
            ..original
        }
    );
}
