//! Disclosure control of counted tables, before any count of children leaves the service.
//!
//! `DFE_2024` follows the Department for Education's convention for children's social care
//! statistics: a count from 1 to 5 is shown as `c` (primary suppression); a true zero is shown as
//! `0`; and further cells are suppressed (secondary suppression) until no suppressed cell can be
//! worked out from the published cells of the table — its rows, its columns and their totals.
//! Whether a cell can be worked out is decided by solving the table's equations, not by a rule of
//! thumb: a suppressed cell is exposed exactly when its value is a linear consequence of the
//! published ones. `NONE` publishes every count and is for an authority's own use only.
//!
//! A report grouped by two dimensions is also published grouped by each of them alone and not
//! grouped at all, and those coarser figures are the finer table's margins. So that no
//! combination of a report's groupings exposes a hidden cell, a table is controlled as a cube
//! from its coarsest margin up: the grand total first, then each dimension alone with the grand
//! total as it was published, then the finer tables with their margins fixed as published. A
//! finer table never hides a figure a coarser one shows; it hides more of its own cells instead.

use std::collections::HashMap;

use num_rational::Ratio;
use num_traits::{One, Zero};

/// Exact arithmetic for the elimination: the equations' coefficients are 0 and ±1, and elimination
/// over tables of this size keeps the fractions small.
type Exact = Ratio<i128>;

/// The largest count primary suppression hides.
pub const SMALLEST_SHOWN: u64 = 6;

string_enum! {
    /// A named, versioned set of disclosure rules.
    pub enum RuleSet {
        /// DfE children's social care convention (counts 1–5 as `c`, secondary suppression).
        Dfe2024 => "DFE_2024",
        /// No control: an authority's own figures, for a token allowed to see them so.
        None => "NONE",
    }
}

string_enum! {
    /// Why a cell is not shown.
    pub enum SuppressionReason {
        /// A count from 1 to 5.
        SmallCount => "SMALL_COUNT",
        /// Hidden so that a small count cannot be worked out from the others.
        Secondary => "SECONDARY",
    }
}

/// One published cell: its value, or why it is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlledCell {
    pub value: Option<u64>,
    pub suppressed: Option<SuppressionReason>,
}

impl ControlledCell {
    /// As DfE tables print it: the number, or `c`.
    pub fn display(&self) -> String {
        match self.value {
            Some(value) => value.to_string(),
            None => "c".to_owned(),
        }
    }
}

/// A table of counts with its row and column totals and grand total, as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlledTable {
    pub rules: RuleSet,
    pub cells: Vec<Vec<ControlledCell>>,
    pub row_totals: Vec<ControlledCell>,
    pub column_totals: Vec<ControlledCell>,
    pub total: ControlledCell,
}

/// A cell of a cube: along each dimension one of its values (`Some(index)`), or all of them
/// (`None`, a margin).
pub type Coordinates = Vec<Option<usize>>;

/// A cube of counts as published: every cell, margins included, with its value or why it is
/// hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlledCube {
    pub rules: RuleSet,
    cells: HashMap<Coordinates, ControlledCell>,
}

impl ControlledCube {
    /// The published cell at `at` (a true zero for a position outside the cube).
    pub fn cell(&self, at: &[Option<usize>]) -> ControlledCell {
        self.cells.get(at).copied().unwrap_or(ControlledCell {
            value: Some(0),
            suppressed: None,
        })
    }
}

/// Every cell of a cube with `sizes` values along its dimensions, margins included.
fn all_cells(sizes: &[usize]) -> Vec<Coordinates> {
    sizes.iter().fold(vec![Vec::new()], |cells, &size| {
        cells
            .into_iter()
            .flat_map(|cell| {
                (0..size).map(Some).chain([None]).map(move |position| {
                    let mut next = cell.clone();
                    next.push(position);
                    next
                })
            })
            .collect()
    })
}

/// The dimensions a cell names a value of.
fn named(cell: &[Option<usize>]) -> usize {
    cell.iter()
        .enumerate()
        .filter(|(_, position)| position.is_some())
        .fold(0, |mask, (dimension, _)| mask | 1 << dimension)
}

/// Each line of the sub-cube over the dimensions in `mask` as (cell, sign) pairs summing to zero:
/// along each of those dimensions, its cells minus their margin.
fn lines(sizes: &[usize], cells: &[Coordinates], mask: usize) -> Vec<Vec<(usize, i64)>> {
    let index: HashMap<&Coordinates, usize> =
        cells.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let mut lines = Vec::new();
    for (dimension, &size) in sizes.iter().enumerate() {
        if mask & (1 << dimension) == 0 {
            continue;
        }
        for margin in cells.iter().filter(|cell| cell[dimension].is_none()) {
            let mut line: Vec<(usize, i64)> = (0..size)
                .map(|position| {
                    let mut cell = margin.clone();
                    cell[dimension] = Some(position);
                    (index[&cell], 1)
                })
                .collect();
            line.push((index[margin], -1));
            lines.push(line);
        }
    }
    lines
}

/// Publishes the cube of `count`s under `rules`: `count` answers the true value of every cell,
/// margins included (a margin need not be the sum of its cells when a record falls in several
/// values of a dimension; control then protects more than it must, never less).
pub fn control_cube(
    sizes: &[usize],
    count: impl Fn(&[Option<usize>]) -> u64,
    rules: RuleSet,
) -> ControlledCube {
    let cells = all_cells(sizes);
    let values: Vec<u64> = cells.iter().map(|cell| count(cell)).collect();
    let mut reasons: Vec<Option<SuppressionReason>> = vec![None; cells.len()];
    if rules == RuleSet::Dfe2024 {
        let mut masks: Vec<usize> = (0..1 << sizes.len()).collect();
        masks.sort_by_key(|mask: &usize| mask.count_ones());
        for mask in masks {
            control_sub_cube(sizes, &cells, &values, &mut reasons, mask);
        }
    }
    ControlledCube {
        rules,
        cells: cells
            .into_iter()
            .zip(values.iter().zip(&reasons))
            .map(|(cell, (&value, &reason))| {
                let published = ControlledCell {
                    value: reason.is_none().then_some(value),
                    suppressed: reason,
                };
                (cell, published)
            })
            .collect(),
    }
}

/// Controls the cells that name a value of exactly the dimensions in `mask`, with the sub-cube's
/// margins as already published.
fn control_sub_cube(
    sizes: &[usize],
    cells: &[Coordinates],
    values: &[u64],
    reasons: &mut [Option<SuppressionReason>],
    mask: usize,
) {
    let members: Vec<usize> = (0..cells.len())
        .filter(|&i| named(&cells[i]) & !mask == 0)
        .collect();
    let own = |i: usize| named(&cells[i]) == mask;
    for &i in members.iter().filter(|&&i| own(i)) {
        if (1..SMALLEST_SHOWN).contains(&values[i]) {
            reasons[i] = Some(SuppressionReason::SmallCount);
        }
    }
    let member_cells: Vec<Coordinates> = members.iter().map(|&i| cells[i].clone()).collect();
    let lines: Vec<Vec<(usize, i64)>> = lines(sizes, &member_cells, mask)
        .into_iter()
        .map(|line| {
            line.into_iter()
                .map(|(m, sign)| (members[m], sign))
                .collect()
        })
        .collect();
    loop {
        let hidden = |i: &usize| reasons[*i].is_some();
        let suppressed: Vec<usize> = members.iter().copied().filter(hidden).collect();
        let exposed = exposed(&lines, &suppressed);
        if exposed.is_empty() {
            return;
        }
        // Hide another of this sub-cube's own cells in a line through an exposed cell, the line
        // that hides least first (where a hidden cell is alone): the smallest count, a true zero
        // only when nothing else is left — the least information lost for the protection gained.
        let mut through: Vec<&Vec<(usize, i64)>> = lines
            .iter()
            .filter(|line| line.iter().any(|(i, _)| exposed.contains(i)))
            .collect();
        through.sort_by_key(|line| line.iter().filter(|(i, _)| hidden(i)).count());
        let candidate = through.iter().find_map(|line| {
            line.iter()
                .map(|(i, _)| *i)
                .filter(|&i| own(i) && !hidden(&i))
                .min_by_key(|&i| (values[i] == 0, values[i]))
        });
        match candidate {
            Some(i) => reasons[i] = Some(SuppressionReason::Secondary),
            // Every own cell of those lines is hidden and a cell is still exposed: its value
            // then follows from margins published by the coarser tables alone, so hiding more
            // here cannot help. Hide all own cells rather than leave a pattern to reason from.
            None => {
                for &i in members.iter().filter(|&&i| own(i)) {
                    reasons[i].get_or_insert(SuppressionReason::Secondary);
                }
                return;
            }
        }
    }
}

/// The suppressed cells whose value follows from the published ones. A cell is exposed when its
/// unit vector lies in the row space of the equations restricted to the suppressed cells: reduce
/// the equations to echelon form over the rationals, then reduce each unit vector by them.
fn exposed(lines: &[Vec<(usize, i64)>], suppressed: &[usize]) -> Vec<usize> {
    let column: HashMap<usize, usize> = suppressed
        .iter()
        .enumerate()
        .map(|(c, &i)| (i, c))
        .collect();
    let mut matrix: Vec<Vec<Exact>> = lines
        .iter()
        .map(|line| {
            let mut row = vec![Exact::zero(); suppressed.len()];
            for (i, sign) in line {
                if let Some(&c) = column.get(i) {
                    row[c] = Exact::from_integer(i128::from(*sign));
                }
            }
            row
        })
        .filter(|row| row.iter().any(|v| !v.is_zero()))
        .collect();
    let pivots = echelon(&mut matrix);
    suppressed
        .iter()
        .enumerate()
        .filter(|(c, _)| {
            let mut unit = vec![Exact::zero(); suppressed.len()];
            unit[*c] = Exact::one();
            for (row, pivot) in matrix.iter().zip(&pivots) {
                let factor = unit[*pivot];
                if !factor.is_zero() {
                    for (u, v) in unit.iter_mut().zip(row) {
                        *u -= factor * *v;
                    }
                }
            }
            unit.iter().all(Exact::is_zero)
        })
        .map(|(_, &i)| i)
        .collect()
}

/// Reduces `matrix` to reduced row echelon form in place, dropping zero rows; answers each row's
/// pivot column.
fn echelon(matrix: &mut Vec<Vec<Exact>>) -> Vec<usize> {
    let width = matrix.first().map_or(0, Vec::len);
    let mut pivots = Vec::new();
    let mut top = 0;
    for column in 0..width {
        let Some(found) = (top..matrix.len()).find(|r| !matrix[*r][column].is_zero()) else {
            continue;
        };
        matrix.swap(top, found);
        let pivot = matrix[top][column];
        for value in &mut matrix[top] {
            *value /= pivot;
        }
        let pivot_row = matrix[top].clone();
        for (r, row) in matrix.iter_mut().enumerate() {
            let factor = row[column];
            if r != top && !factor.is_zero() {
                for (value, p) in row.iter_mut().zip(&pivot_row) {
                    *value -= factor * *p;
                }
            }
        }
        pivots.push(column);
        top += 1;
    }
    matrix.truncate(top);
    pivots
}

/// Publishes `counts` (rows of cells; a short row is padded with zeros) with its totals under
/// `rules`: the two-dimensional cube whose margins are the rows' and columns' sums.
pub fn control(counts: &[Vec<u64>], rules: RuleSet) -> ControlledTable {
    let rows = counts.len();
    let columns = counts.iter().map(Vec::len).max().unwrap_or(0);
    let value = |r: usize, c: usize| counts[r].get(c).copied().unwrap_or(0);
    let cube = control_cube(
        &[rows, columns],
        |at| match (at[0], at[1]) {
            (Some(r), Some(c)) => value(r, c),
            (Some(r), None) => (0..columns).map(|c| value(r, c)).sum(),
            (None, Some(c)) => (0..rows).map(|r| value(r, c)).sum(),
            (None, None) => counts.iter().flatten().sum(),
        },
        rules,
    );
    ControlledTable {
        rules,
        cells: (0..rows)
            .map(|r| {
                (0..columns)
                    .map(|c| cube.cell(&[Some(r), Some(c)]))
                    .collect()
            })
            .collect(),
        row_totals: (0..rows).map(|r| cube.cell(&[Some(r), None])).collect(),
        column_totals: (0..columns).map(|c| cube.cell(&[None, Some(c)])).collect(),
        total: cube.cell(&[None, None]),
    }
}
