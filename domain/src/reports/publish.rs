//! How a report's rows are published: every count under disclosure control, consistently with the
//! same report grouped more coarsely, and every statistic of a group hidden with the count it is
//! computed over.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::dimensions::{Dimension, GroupKey};
use crate::disclosure::{control_cube, ControlledCell, RuleSet, SuppressionReason};

/// One published value: a count, a share (per cent, one decimal) or a statistic in days; `None`
/// with a reason when hidden, `None` without one when there is nothing to compute it over.
/// `rounded` when a total's count is published to the nearest 10.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cell {
    pub value: Option<f64>,
    pub suppressed: Option<SuppressionReason>,
    pub rounded: bool,
}

impl Cell {
    fn count(cell: ControlledCell) -> Self {
        Self {
            value: cell.value.map(|n| n as f64),
            suppressed: cell.suppressed,
            rounded: false,
        }
    }

    /// A count as national and regional totals are published: to the nearest 10, a 5 rounding
    /// up. A hidden count stays hidden, and a true zero stays `0`.
    pub fn rounded_to_ten(self) -> Self {
        match (self.value, self.suppressed) {
            (Some(value), None) => Self {
                value: Some((value / 10.0).round() * 10.0),
                suppressed: None,
                rounded: true,
            },
            _ => self,
        }
    }

    /// A statistic computed over the group counted in `base`: hidden when that count is.
    pub(crate) fn over(base: Cell, value: Option<f64>) -> Self {
        match base.suppressed {
            Some(_) => Self {
                value: None,
                suppressed: Some(SuppressionReason::Secondary),
                rounded: false,
            },
            None => Self {
                value,
                suppressed: None,
                rounded: false,
            },
        }
    }

    /// `part` as a share of `whole`, in per cent to one decimal: hidden when either is.
    pub(crate) fn share(part: Cell, whole: Cell) -> Self {
        if part.suppressed.is_some() || whole.suppressed.is_some() {
            return Self {
                value: None,
                suppressed: Some(SuppressionReason::Secondary),
                rounded: false,
            };
        }
        Self {
            value: part.value.zip(whole.value).and_then(|(p, w)| percent(p, w)),
            suppressed: None,
            rounded: false,
        }
    }

    /// As published tables print it: the number (one decimal when it has a fraction), `c` when
    /// hidden, `z` when there is nothing to compute it over.
    pub fn display(&self) -> String {
        match (self.value, self.suppressed) {
            (_, Some(_)) => "c".to_owned(),
            (None, None) => "z".to_owned(),
            (Some(value), None) if value.fract() == 0.0 => format!("{value:.0}"),
            (Some(value), None) => format!("{value:.1}"),
        }
    }
}

/// `part` of `whole` in per cent to one decimal; `None` of nothing.
pub(crate) fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| (part / whole * 1000.0).round() / 10.0)
}

/// Whether the rows of a report grouped by `group_by` are totals, whose counts DfE's convention
/// may round to the nearest 10: the whole cohort, and across authorities every row that pools
/// them (a regional total: not grouped by `LOCAL_AUTHORITY`). One authority's row split by
/// another dimension is that authority's own figure, and published exactly.
pub fn rows_are_totals(group_by: &[Dimension], across_authorities: bool) -> bool {
    !group_by.contains(&Dimension::LocalAuthority) && (across_authorities || group_by.is_empty())
}

/// A published row whose counts can be rounded as a total's are. Shares and statistics stay as
/// computed from the exact counts, as DfE publishes them beside rounded totals.
pub trait Totalled: Sized {
    /// The row with every count rounded to the nearest 10.
    fn rounded_to_ten(self) -> Self;
}

/// `rows`, with their counts rounded to the nearest 10 when `round` asks it.
pub fn with_totals_rounded<R: Totalled>(rows: Vec<R>, round: bool) -> Vec<R> {
    if round {
        rows.into_iter().map(Totalled::rounded_to_ten).collect()
    } else {
        rows
    }
}

/// A report row of one group.
pub trait Grouped {
    /// The group's value in each dimension of `groupBy`, in its order.
    fn group(&self) -> &GroupKey;

    /// The row of a group with no record.
    fn empty(group: GroupKey) -> Self;
}

/// A report's rows grouped by every part of its `groupBy`: what a caller reads by asking again
/// with fewer dimensions, and so the margins its disclosure control must keep to. Every grouping
/// has a row for every combination of the values its dimensions take anywhere in the report,
/// empty groups included: disclosure control may hide a true zero, and a missing row would show
/// it.
#[derive(Debug, Clone)]
pub struct Rollup<R> {
    /// Each dimension's values, in order.
    values: Vec<Vec<String>>,
    /// By the dimensions of `groupBy` kept (bit k for the k-th), each run's rows in the order of
    /// their groups.
    runs: Vec<Vec<R>>,
}

impl<R: Grouped> Rollup<R> {
    /// Runs `report` grouped by `group_by` and by every part of it.
    pub fn compute(group_by: &[Dimension], report: impl Fn(&[Dimension]) -> Vec<R>) -> Self {
        let runs = (0..1_usize << group_by.len())
            .map(|mask| {
                let kept: Vec<Dimension> = group_by
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| mask & (1 << k) != 0)
                    .map(|(_, dimension)| *dimension)
                    .collect();
                report(&kept)
            })
            .collect();
        Self::from_runs(group_by.len(), runs)
    }

    /// The rows of each grouping, indexed by the dimensions kept (bit k for the k-th); the last
    /// is the finest.
    pub fn from_runs(dimensions: usize, runs: Vec<Vec<R>>) -> Self {
        assert_eq!(runs.len(), 1 << dimensions, "a run for every grouping");
        // Each dimension's values, from every grouping that keeps it.
        let values: Vec<Vec<String>> = (0..dimensions)
            .map(|k| {
                let mut of_dimension = BTreeSet::new();
                for (mask, rows) in runs.iter().enumerate() {
                    if mask & (1 << k) != 0 {
                        let position = (mask & ((1 << k) - 1)).count_ones() as usize;
                        of_dimension
                            .extend(rows.iter().filter_map(|row| row.group().get(position)));
                    }
                }
                of_dimension.into_iter().cloned().collect()
            })
            .collect();
        let runs = runs
            .into_iter()
            .enumerate()
            .map(|(mask, rows)| {
                let mut by_group: BTreeMap<GroupKey, R> = rows
                    .into_iter()
                    .map(|row| (row.group().clone(), row))
                    .collect();
                let kept = (0..dimensions).filter(|k| mask & (1 << k) != 0);
                let combinations = kept.fold(vec![GroupKey::new()], |groups, k| {
                    groups
                        .into_iter()
                        .flat_map(|group| {
                            values[k].iter().map(move |value| {
                                let mut next = group.clone();
                                next.push(value.clone());
                                next
                            })
                        })
                        .collect()
                });
                for group in combinations {
                    by_group
                        .entry(group.clone())
                        .or_insert_with(|| R::empty(group));
                }
                by_group.into_values().collect()
            })
            .collect();
        Self { values, runs }
    }

    /// The rows grouped by the whole `groupBy`: one for every combination of values.
    pub fn rows(&self) -> &[R] {
        &self.runs[self.runs.len() - 1]
    }

    /// The rows grouped by the dimensions in `kept` (bit k for the k-th of `groupBy`).
    pub fn grouping(&self, kept: usize) -> &[R] {
        self.runs.get(kept).map_or(&[], Vec::as_slice)
    }
}

/// The published cells of a count for each row of the finest grouping: `cells[row]` holds the
/// count split into `classes` (when `classes > 0`) and then the count itself. `count(row, None)`
/// is the row's count, `count(row, Some(k))` the part of it in class k (a partition: the classes
/// add up to the count).
pub(crate) fn controlled_counts<R: Grouped>(
    rollup: &Rollup<R>,
    classes: usize,
    count: impl Fn(&R, Option<usize>) -> u64,
    rules: RuleSet,
) -> Vec<Vec<Cell>> {
    let n = rollup.values.len();
    let values = &rollup.values;
    let indexed: Vec<HashMap<&GroupKey, &R>> = rollup
        .runs
        .iter()
        .map(|rows| rows.iter().map(|row| (row.group(), row)).collect())
        .collect();
    let mut sizes: Vec<usize> = values.iter().map(Vec::len).collect();
    if classes > 0 {
        sizes.push(classes);
    }
    let cube = control_cube(
        &sizes,
        |at| {
            let mask = (0..n)
                .filter(|&k| at[k].is_some())
                .fold(0, |mask, k| mask | 1 << k);
            let key: GroupKey = (0..n)
                .filter_map(|k| at[k].map(|i| values[k][i].clone()))
                .collect();
            let class = if classes > 0 { at[n] } else { None };
            indexed[mask].get(&key).map_or(0, |row| count(row, class))
        },
        rules,
    );
    rollup
        .rows()
        .iter()
        .map(|row| {
            let mut at: Vec<Option<usize>> = row
                .group()
                .iter()
                .zip(values)
                .map(|(value, of_dimension)| of_dimension.binary_search(value).ok())
                .collect();
            let mut cells = Vec::with_capacity(classes + 1);
            if classes > 0 {
                for class in 0..classes {
                    at.push(Some(class));
                    cells.push(Cell::count(cube.cell(&at)));
                    at.pop();
                }
                at.push(None);
            }
            cells.push(Cell::count(cube.cell(&at)));
            cells
        })
        .collect()
}

/// The published cells of one count for each row of the finest grouping.
pub(crate) fn controlled_count<R: Grouped>(
    rollup: &Rollup<R>,
    count: impl Fn(&R) -> u64,
    rules: RuleSet,
) -> Vec<Cell> {
    controlled_counts(rollup, 0, |row, _| count(row), rules)
        .into_iter()
        .map(|cells| cells[0])
        .collect()
}
