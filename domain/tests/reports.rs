//! The NRM timeliness report's definitions, on hand-made cohorts: what is counted, in which
//! group, and the statistics quoted.

mod common;

use chrono::{DateTime, Utc};
use common::{at, child_born, date, england_and_wales, now, referral_draft};
use stable_futures_domain::child::Child;
use stable_futures_domain::ids::ReferralId;
use stable_futures_domain::referral::{DecisionOutcome, ExploitationType, NrmReferral};
use stable_futures_domain::reports::{
    age_band, median, nrm_timeliness, percentile, AgeBand, Dimension, NrmTimelinessRow, Period,
    ReferralOfChild,
};

fn referral(child: &Child, referred_at: DateTime<Utc>, types: &[ExploitationType]) -> NrmReferral {
    let mut draft = referral_draft(referred_at);
    draft.exploitation_types = types.to_vec();
    draft.county_lines = types.contains(&ExploitationType::Criminal);
    let (referral, _) = NrmReferral::submit(
        ReferralId::generate(),
        child,
        draft,
        england_and_wales(),
        now(),
    )
    .expect("valid referral");
    referral
}

fn decide(referral: &mut NrmReferral, outcome: DecisionOutcome, at_: DateTime<Utc>) {
    referral
        .record_reasonable_grounds(outcome, at_, now())
        .expect("decision");
}

fn year_2025() -> Period {
    Period {
        from: date(2025, 1, 1),
        to: date(2025, 12, 31),
    }
}

#[test]
fn the_statistics_are_the_usual_ones() {
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[7]), Some(7.0));
    assert_eq!(median(&[9, 1, 4]), Some(4.0));
    assert_eq!(median(&[1, 4, 2, 10]), Some(3.0));
    assert_eq!(median(&[1, 2]), Some(1.5));
    assert_eq!(percentile(&[], 90), None);
    assert_eq!(percentile(&[5], 90), Some(5));
    let one_to_ten: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&one_to_ten, 90), Some(9));
    assert_eq!(percentile(&one_to_ten, 100), Some(10));
    assert_eq!(percentile(&one_to_ten, 50), Some(5));
    assert_eq!(percentile(&one_to_ten, 10), Some(1));
    assert_eq!(percentile(&one_to_ten, 0), None);
    assert_eq!(percentile(&one_to_ten, 101), None);
    let eleven: Vec<i64> = (1..=11).collect();
    assert_eq!(percentile(&eleven, 90), Some(10));
}

#[test]
fn age_bands_are_by_the_birthday_and_a_disputed_age_is_its_own() {
    let on = date(2025, 6, 1);
    for (born, band) in [
        (date(2015, 6, 2), AgeBand::Under10),
        (date(2015, 6, 1), AgeBand::From10To13),
        (date(2011, 6, 2), AgeBand::From10To13),
        (date(2011, 6, 1), AgeBand::From14To15),
        (date(2009, 6, 2), AgeBand::From14To15),
        (date(2009, 6, 1), AgeBand::From16To17),
        (date(2007, 6, 2), AgeBand::From16To17),
        (date(2007, 6, 1), AgeBand::Adult),
    ] {
        assert_eq!(age_band(&child_born(born, false), on), band, "born {born}");
    }
    assert_eq!(
        age_band(&child_born(date(2012, 1, 1), true), on),
        AgeBand::Disputed
    );
}

#[test]
fn the_cohort_is_the_period_s_referrals_and_their_decisions_as_they_stand() {
    let child = child_born(date(2011, 5, 17), false);
    // Referred Monday 3 March 2025: due Monday 10 March.
    let mut on_time = referral(&child, at(2025, 3, 3, 10, 0), &[ExploitationType::Criminal]);
    decide(
        &mut on_time,
        DecisionOutcome::Positive,
        at(2025, 3, 10, 15, 0),
    );
    let mut late = referral(&child, at(2025, 3, 3, 10, 0), &[ExploitationType::Labour]);
    decide(&mut late, DecisionOutcome::Negative, at(2025, 3, 11, 9, 0));
    // Reconsidered: the first decision still counts (negative), not the reversal.
    late.request_reconsideration(at(2025, 3, 20, 9, 0), now())
        .expect("asked");
    decide(&mut late, DecisionOutcome::Positive, at(2025, 4, 1, 9, 0));
    let mut concluded = referral(&child, at(2025, 1, 6, 10, 0), &[ExploitationType::Sexual]);
    decide(
        &mut concluded,
        DecisionOutcome::Positive,
        at(2025, 1, 8, 10, 0),
    );
    concluded
        .record_conclusive_grounds(DecisionOutcome::Positive, at(2025, 3, 9, 10, 0), now())
        .expect("concluded");
    let waiting = referral(&child, at(2025, 5, 5, 10, 0), &[ExploitationType::Criminal]);
    let outside = referral(
        &child,
        at(2024, 12, 31, 23, 30),
        &[ExploitationType::Criminal],
    );
    let records: Vec<ReferralOfChild<'_>> = [&on_time, &late, &concluded, &waiting, &outside]
        .into_iter()
        .map(|referral| ReferralOfChild {
            referral,
            child: &child,
        })
        .collect();
    let today = date(2025, 6, 1);
    let rows = nrm_timeliness(&records, year_2025(), today, &[]);
    assert_eq!(
        rows,
        [NrmTimelinessRow {
            group: vec![],
            referrals: 4,
            reasonable_grounds_decisions: 3,
            reasonable_grounds_positive: 2,
            decided_within_target: 2,
            // 7 (on time), 8 (late), 2 (concluded).
            median_days_to_reasonable_grounds: Some(7.0),
            p90_days_to_reasonable_grounds: Some(8),
            conclusive_grounds_decisions: 1,
            conclusive_grounds_positive: 1,
            median_days_reasonable_to_conclusive: Some(60.0),
            // On time (decided 10 March) and the reversal (1 April) wait for a conclusive one.
            waiting_for_conclusive: 2,
            median_days_waiting_for_conclusive: Some((83.0 + 61.0) / 2.0),
        }]
    );
    // 31 December 2024 23:30 UTC is 31 December in the UK: outside the period.
    let december = Period {
        from: date(2024, 12, 31),
        to: date(2024, 12, 31),
    };
    assert_eq!(
        nrm_timeliness(&records, december, today, &[])[0].referrals,
        1
    );
}

#[test]
fn groups_follow_the_dimensions_and_a_referral_of_two_kinds_is_in_both() {
    let young = child_born(date(2013, 2, 1), false);
    let disputed = child_born(date(2008, 2, 1), true);
    let both = referral(
        &young,
        at(2025, 3, 3, 10, 0),
        &[ExploitationType::Criminal, ExploitationType::Labour],
    );
    let one = referral(
        &disputed,
        at(2025, 3, 4, 10, 0),
        &[ExploitationType::Labour],
    );
    let records = [
        ReferralOfChild {
            referral: &both,
            child: &young,
        },
        ReferralOfChild {
            referral: &one,
            child: &disputed,
        },
    ];
    let groups = |group_by: &[Dimension]| -> Vec<(Vec<String>, u64)> {
        nrm_timeliness(&records, year_2025(), date(2025, 6, 1), group_by)
            .into_iter()
            .map(|row| (row.group, row.referrals))
            .collect()
    };
    let owned = |rows: &[(&[&str], u64)]| -> Vec<(Vec<String>, u64)> {
        rows.iter()
            .map(|(group, n)| (group.iter().map(|s| (*s).to_owned()).collect(), *n))
            .collect()
    };
    assert_eq!(
        groups(&[Dimension::ExploitationType]),
        owned(&[(&["CRIMINAL"], 1), (&["LABOUR"], 2)])
    );
    assert_eq!(
        groups(&[Dimension::AgeBand, Dimension::ExploitationType]),
        owned(&[
            (&["10_TO_13", "CRIMINAL"], 1),
            (&["10_TO_13", "LABOUR"], 1),
            (&["DISPUTED", "LABOUR"], 1),
        ])
    );
    assert_eq!(
        groups(&[Dimension::CountyLines]),
        owned(&[(&["NO"], 1), (&["YES"], 1)])
    );
    assert_eq!(
        groups(&[Dimension::CompetentAuthority, Dimension::FirstResponderType]),
        owned(&[(&["SCA", "POLICE"], 2)])
    );
    assert_eq!(
        groups(&[Dimension::Nationality, Dimension::Gender]),
        owned(&[(&["UNKNOWN", "NOT_RECORDED"], 2)])
    );
}

#[test]
fn published_rows_hide_small_counts_what_reveals_them_and_what_is_computed_over_them() {
    use stable_futures_domain::disclosure::{RuleSet, SuppressionReason};
    use stable_futures_domain::reports::{control_nrm_timeliness, Cell};
    let summed = rollup_of_sums;
    let row = |group: &[&str], referrals: u64, decisions: u64, positive: u64| NrmTimelinessRow {
        group: group.iter().map(|s| (*s).to_owned()).collect(),
        referrals,
        reasonable_grounds_decisions: decisions,
        reasonable_grounds_positive: positive,
        decided_within_target: positive,
        median_days_to_reasonable_grounds: (decisions > 0).then_some(4.5),
        p90_days_to_reasonable_grounds: (decisions > 0).then_some(9),
        conclusive_grounds_decisions: 0,
        conclusive_grounds_positive: 0,
        median_days_reasonable_to_conclusive: None,
        waiting_for_conclusive: positive,
        median_days_waiting_for_conclusive: (positive > 0).then_some(30.0),
    };
    let rows = [
        row(&["A"], 2, 2, 1),
        row(&["B"], 6, 6, 3),
        row(&["C"], 9, 8, 8),
    ];
    let shown = |value: f64| Cell {
        value: Some(value),
        ..Cell::default()
    };
    let hidden = |reason| Cell {
        value: None,
        suppressed: Some(reason),
        rounded: false,
    };
    let published = control_nrm_timeliness(&summed(&rows), RuleSet::Dfe2024);
    // A's 2 is small; with the column total it would follow from B and C, so B's 6 (the
    // smaller) is hidden too.
    assert_eq!(
        published[0].referrals,
        hidden(SuppressionReason::SmallCount)
    );
    assert_eq!(published[1].referrals, hidden(SuppressionReason::Secondary));
    assert_eq!(published[2].referrals, shown(9.0));
    // A statistic over a hidden count is hidden; over a shown one, shown.
    assert_eq!(
        published[0].median_days_to_reasonable_grounds,
        hidden(SuppressionReason::Secondary)
    );
    assert_eq!(published[2].median_days_to_reasonable_grounds, shown(4.5));
    assert_eq!(published[2].p90_days_to_reasonable_grounds, shown(9.0));
    assert_eq!(published[2].reasonable_grounds_positive_share, shown(100.0));
    assert_eq!(published[2].median_days_waiting_for_conclusive, shown(30.0));
    // A true zero is shown, and a share or median of nothing is not applicable (`z`).
    assert_eq!(published[2].conclusive_grounds_decisions, shown(0.0));
    assert_eq!(
        published[2].conclusive_grounds_positive_share,
        Cell::default()
    );
    assert_eq!(
        published[2].conclusive_grounds_positive_share.display(),
        "z"
    );
    assert_eq!(published[0].referrals.display(), "c");
    assert_eq!(
        published[2].median_days_to_reasonable_grounds.display(),
        "4.5"
    );
    assert_eq!(published[2].referrals.display(), "9");
    // Shares to one decimal.
    let thirds = control_nrm_timeliness(&summed(&[row(&[], 9, 9, 6)]), RuleSet::Dfe2024);
    assert_eq!(thirds[0].reasonable_grounds_positive_share, shown(66.7));
    // A share whose part alone is hidden is hidden: it would give the part away.
    let few_positive = control_nrm_timeliness(&summed(&[row(&[], 9, 9, 3)]), RuleSet::Dfe2024);
    assert_eq!(few_positive[0].reasonable_grounds_decisions, shown(9.0));
    assert_eq!(
        few_positive[0].reasonable_grounds_positive,
        hidden(SuppressionReason::SmallCount)
    );
    assert_eq!(
        few_positive[0].reasonable_grounds_positive_share,
        hidden(SuppressionReason::Secondary)
    );
    // Without control everything is shown.
    let open = control_nrm_timeliness(&summed(&rows), RuleSet::None);
    assert_eq!(open[0].referrals, shown(2.0));
    assert_eq!(open[0].median_days_to_reasonable_grounds, shown(4.5));
    assert_eq!(open[0].reasonable_grounds_positive_share, shown(50.0));
    // Two dimensions: laid out as a table of rows by columns, absent combinations zero.
    let table = [
        row(&["A", "X"], 7, 0, 0),
        row(&["A", "Y"], 3, 0, 0),
        row(&["B", "X"], 8, 0, 0),
        row(&["B", "Y"], 9, 0, 0),
    ];
    let published = control_nrm_timeliness(&summed(&table), RuleSet::Dfe2024);
    let referrals: Vec<Option<f64>> = published.iter().map(|r| r.referrals.value).collect();
    // A/Y's 3 is hidden, and enough around it that no row or column total gives it away.
    assert_eq!(referrals[1], None);
    assert_eq!(referrals.iter().filter(|value| value.is_none()).count(), 4);
}

/// Hand-built rows with the coarser groupings a report would give for them: their counts summed
/// (no record in two groups), their statistics left out.
fn rollup_of_sums(
    rows: &[NrmTimelinessRow],
) -> stable_futures_domain::reports::Rollup<NrmTimelinessRow> {
    let dimensions = rows.first().map_or(0, |row| row.group.len());
    let runs = (0..1_usize << dimensions)
        .map(|mask| {
            let mut sums: std::collections::BTreeMap<Vec<String>, NrmTimelinessRow> =
                std::collections::BTreeMap::new();
            for row in rows {
                let key: Vec<String> = row
                    .group
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| mask & (1 << k) != 0)
                    .map(|(_, value)| value.clone())
                    .collect();
                if mask == (1 << dimensions) - 1 {
                    sums.insert(key, row.clone());
                    continue;
                }
                let sum = sums.entry(key.clone()).or_insert_with(|| NrmTimelinessRow {
                    group: key,
                    referrals: 0,
                    reasonable_grounds_decisions: 0,
                    reasonable_grounds_positive: 0,
                    decided_within_target: 0,
                    median_days_to_reasonable_grounds: None,
                    p90_days_to_reasonable_grounds: None,
                    conclusive_grounds_decisions: 0,
                    conclusive_grounds_positive: 0,
                    median_days_reasonable_to_conclusive: None,
                    waiting_for_conclusive: 0,
                    median_days_waiting_for_conclusive: None,
                });
                sum.referrals += row.referrals;
                sum.reasonable_grounds_decisions += row.reasonable_grounds_decisions;
                sum.reasonable_grounds_positive += row.reasonable_grounds_positive;
                sum.decided_within_target += row.decided_within_target;
                sum.conclusive_grounds_decisions += row.conclusive_grounds_decisions;
                sum.conclusive_grounds_positive += row.conclusive_grounds_positive;
                sum.waiting_for_conclusive += row.waiting_for_conclusive;
            }
            sums.into_values().collect()
        })
        .collect();
    stable_futures_domain::reports::Rollup::from_runs(dimensions, runs)
}

#[test]
fn a_rollup_runs_every_grouping_and_has_a_row_for_every_combination() {
    use stable_futures_domain::reports::{Grouped, Rollup};
    let calls = std::cell::RefCell::new(Vec::new());
    let row = |group: &[&str], referrals| NrmTimelinessRow {
        referrals,
        ..NrmTimelinessRow::empty(group.iter().map(|s| (*s).to_owned()).collect())
    };
    let rollup = Rollup::compute(&[Dimension::CountyLines, Dimension::Gender], |dimensions| {
        calls.borrow_mut().push(dimensions.to_vec());
        match dimensions.len() {
            0 => vec![row(&[], 3)],
            1 => vec![row(&["X"], 3)],
            _ => vec![row(&["YES", "MALE"], 2), row(&["NO", "FEMALE"], 1)],
        }
    });
    assert_eq!(
        calls.into_inner(),
        [
            vec![],
            vec![Dimension::CountyLines],
            vec![Dimension::Gender],
            vec![Dimension::CountyLines, Dimension::Gender],
        ]
    );
    let finest: Vec<(Vec<String>, u64)> = rollup
        .rows()
        .iter()
        .map(|row| (row.group.clone(), row.referrals))
        .collect();
    let key = |a: &str, b: &str| vec![a.to_owned(), b.to_owned()];
    // The values of each dimension come from every grouping that has it ("X" from the runs by
    // one dimension); the empty combinations are zero rows.
    assert_eq!(finest.len(), 9, "{finest:?}");
    assert!(finest.contains(&(key("YES", "MALE"), 2)));
    assert!(finest.contains(&(key("NO", "FEMALE"), 1)));
    assert!(finest.contains(&(key("NO", "MALE"), 0)));
    assert!(finest.contains(&(key("X", "X"), 0)));
    // Each coarser grouping has the combinations of its own dimensions only.
    let groups = |kept: usize| -> Vec<Vec<String>> {
        rollup
            .grouping(kept)
            .iter()
            .map(|row| row.group.clone())
            .collect()
    };
    assert_eq!(groups(0), [Vec::<String>::new()]);
    let one = |value: &str| vec![value.to_owned()];
    assert_eq!(groups(1), [one("NO"), one("X"), one("YES")]);
    assert_eq!(groups(2), [one("FEMALE"), one("MALE"), one("X")]);
    assert!(rollup.grouping(4).is_empty());
}

#[test]
fn reading_a_report_at_every_grouping_together_gives_away_no_hidden_count() {
    use common::solver::cube_derivable;
    use stable_futures_domain::disclosure::RuleSet;
    use stable_futures_domain::reports::{control_nrm_timeliness, Rollup};
    // Deterministic pseudo-random cohorts (xorshift), small enough that suppression bites.
    let mut state: u64 = 0x0005_EED5_2025;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let dimensions = [Dimension::CountyLines, Dimension::AgeBand];
    let mut hiding = 0;
    for _ in 0..40 {
        let children: Vec<Child> = (0..4)
            .map(|n| child_born(date(2008 + 2 * n, 3, 1), false))
            .collect();
        let referrals: Vec<NrmReferral> = (0..10 + next(40))
            .map(|_| {
                let child = &children[next(4) as usize];
                let kind = if next(3) == 0 {
                    ExploitationType::Labour
                } else {
                    ExploitationType::Criminal
                };
                referral(child, at(2025, 3, 3, 10, 0), &[kind])
            })
            .collect();
        let records: Vec<ReferralOfChild<'_>> = referrals
            .iter()
            .map(|referral| ReferralOfChild {
                referral,
                child: children
                    .iter()
                    .find(|child| child.id == referral.child_id)
                    .expect("its child"),
            })
            .collect();
        let report = |group_by: &[Dimension]| {
            nrm_timeliness(&records, year_2025(), date(2026, 1, 1), group_by)
        };
        let full = Rollup::compute(&dimensions, report);
        let values: Vec<Vec<String>> = (0..2)
            .map(|k| {
                let mut of_dimension: Vec<String> =
                    full.rows().iter().map(|row| row.group[k].clone()).collect();
                of_dimension.sort();
                of_dimension.dedup();
                of_dimension
            })
            .collect();
        let mut hidden = Vec::new();
        for mask in 0..4_usize {
            let kept: Vec<usize> = (0..2).filter(|k| mask & (1 << k) != 0).collect();
            let group_by: Vec<Dimension> = kept.iter().map(|k| dimensions[*k]).collect();
            let rollup = Rollup::compute(&group_by, report);
            let truth = rollup.rows().to_vec();
            for (row, published) in truth
                .iter()
                .zip(control_nrm_timeliness(&rollup, RuleSet::Dfe2024))
            {
                let mut at = vec![None, None];
                for (position, k) in kept.iter().enumerate() {
                    at[*k] = values[*k].iter().position(|v| *v == row.group[position]);
                }
                match published.referrals.value {
                    Some(shown) => {
                        assert_eq!(shown, row.referrals as f64);
                        assert!(!(1.0..=5.0).contains(&shown), "{group_by:?}: {shown}");
                    }
                    None => hidden.push(at),
                }
            }
        }
        let sizes = [values[0].len(), values[1].len()];
        assert_eq!(
            cube_derivable(&sizes, &hidden),
            Vec::<Vec<Option<usize>>>::new(),
            "{values:?}"
        );
        if !hidden.is_empty() {
            hiding += 1;
        }
    }
    assert!(hiding > 20, "the cohorts exercise suppression: {hiding}");
}

#[test]
fn an_empty_group_has_a_row_so_a_hidden_zero_is_not_shown_by_its_absence() {
    use common::solver::cube_derivable;
    use stable_futures_domain::disclosure::RuleSet;
    use stable_futures_domain::reports::{control_nrm_timeliness, Grouped};
    // Referrals by A, B, C and X, Y: [[0, 2], [50, 0], [3, 34]]. The 3 and the 2 are small; the
    // 50 and 0 of B are then the only cells left to protect them by, so B/Y's true zero is
    // hidden, and the report must print its row as `c`.
    let row = |group: [&str; 2], referrals| NrmTimelinessRow {
        referrals,
        ..NrmTimelinessRow::empty(group.iter().map(|s| (*s).to_owned()).collect())
    };
    let records = [
        row(["A", "Y"], 2),
        row(["B", "X"], 50),
        row(["C", "X"], 3),
        row(["C", "Y"], 34),
    ];
    let published = control_nrm_timeliness(&rollup_of_sums(&records), RuleSet::Dfe2024);
    let groups: Vec<String> = published.iter().map(|row| row.group.join("/")).collect();
    assert_eq!(groups, ["A/X", "A/Y", "B/X", "B/Y", "C/X", "C/Y"]);
    let hidden: Vec<Vec<Option<usize>>> = published
        .iter()
        .enumerate()
        .filter(|(_, row)| row.referrals.value.is_none())
        .map(|(n, _)| vec![Some(n / 2), Some(n % 2)])
        .collect();
    assert!(hidden.contains(&vec![Some(2), Some(0)]), "C/X's 3");
    assert_eq!(published[3].referrals.display(), "c", "B/Y's zero");
    // With the totals the same report publishes grouped by one dimension and by none, nothing
    // hidden can be worked out.
    let mut hidden = hidden;
    let values = [["A", "B", "C"].as_slice(), ["X", "Y"].as_slice()];
    for (k, of_dimension) in values.iter().enumerate() {
        let mut sums: Vec<NrmTimelinessRow> = of_dimension
            .iter()
            .map(|value| row([value, ""], 0))
            .map(|mut sum| {
                sum.group.truncate(1);
                sum
            })
            .collect();
        for record in &records {
            let position = of_dimension
                .iter()
                .position(|v| *v == record.group[k])
                .expect("a value");
            sums[position].referrals += record.referrals;
        }
        let coarser = control_nrm_timeliness(&rollup_of_sums(&sums), RuleSet::Dfe2024);
        for (position, published) in coarser.iter().enumerate() {
            if published.referrals.value.is_none() {
                let mut at = vec![None, None];
                at[k] = Some(position);
                hidden.push(at);
            }
        }
    }
    assert_eq!(
        cube_derivable(&[3, 2], &hidden),
        Vec::<Vec<Option<usize>>>::new(),
        "{hidden:?}"
    );
}
