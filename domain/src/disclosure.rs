//! Disclosure control of counted tables, before any count of children leaves the service.
//!
//! `DFE_2024` follows the Department for Education's convention for children's social care
//! statistics: a count from 1 to 5 is shown as `c` (primary suppression); a true zero is shown as
//! `0`; and further cells are suppressed (secondary suppression) until no suppressed cell can be
//! worked out from the published cells of the table — its rows, its columns and their totals.
//! Whether a cell can be worked out is decided by solving the table's equations, not by a rule of
//! thumb: a suppressed cell is exposed exactly when its value is a linear consequence of the
//! published ones. `NONE` publishes every count and is for an authority's own use only.

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

/// The table with its margins: `rows + 1` by `columns + 1`, the last row holding the column
/// totals and the last column the row totals.
struct Grid {
    rows: usize,
    columns: usize,
    values: Vec<Vec<u64>>,
}

impl Grid {
    fn new(counts: &[Vec<u64>]) -> Self {
        let rows = counts.len();
        let columns = counts.iter().map(Vec::len).max().unwrap_or(0);
        let mut values = vec![vec![0_u64; columns + 1]; rows + 1];
        for (r, row) in counts.iter().enumerate() {
            for (c, count) in row.iter().enumerate() {
                values[r][c] = *count;
                values[r][columns] += count;
                values[rows][c] += count;
                values[rows][columns] += count;
            }
        }
        Self {
            rows,
            columns,
            values,
        }
    }

    /// Each line of the table as (cell, sign) pairs summing to zero: every row's cells minus its
    /// total, every column's cells minus its total (the totals' own row and column included).
    fn lines(&self) -> Vec<Vec<((usize, usize), i64)>> {
        let mut lines = Vec::new();
        for r in 0..=self.rows {
            let mut line: Vec<((usize, usize), i64)> =
                (0..self.columns).map(|c| ((r, c), 1)).collect();
            line.push(((r, self.columns), -1));
            lines.push(line);
        }
        for c in 0..=self.columns {
            let mut line: Vec<((usize, usize), i64)> =
                (0..self.rows).map(|r| ((r, c), 1)).collect();
            line.push(((self.rows, c), -1));
            lines.push(line);
        }
        lines
    }
}

/// Suppressed cells whose value follows from the published ones. A cell is exposed when its unit
/// vector lies in the row space of the equations restricted to the suppressed cells: reduce the
/// equations to echelon form over the rationals, then reduce each unit vector by them.
pub fn exposed_cells(
    rows: usize,
    columns: usize,
    suppressed: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    let grid = Grid {
        rows,
        columns,
        values: Vec::new(),
    };
    let index = |cell: (usize, usize)| suppressed.iter().position(|s| *s == cell);
    let mut matrix: Vec<Vec<Exact>> = grid
        .lines()
        .into_iter()
        .map(|line| {
            let mut row = vec![Exact::zero(); suppressed.len()];
            for (cell, sign) in line {
                if let Some(i) = index(cell) {
                    row[i] = Exact::from_integer(i128::from(sign));
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
        .filter(|(i, _)| {
            let mut unit = vec![Exact::zero(); suppressed.len()];
            unit[*i] = Exact::one();
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
        .map(|(_, cell)| *cell)
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
/// `rules`.
pub fn control(counts: &[Vec<u64>], rules: RuleSet) -> ControlledTable {
    let grid = Grid::new(counts);
    let (rows, columns) = (grid.rows, grid.columns);
    let mut reasons: Vec<Vec<Option<SuppressionReason>>> = vec![vec![None; columns + 1]; rows + 1];
    if rules == RuleSet::Dfe2024 {
        for (r, row) in grid.values.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                if (1..SMALLEST_SHOWN).contains(value) {
                    reasons[r][c] = Some(SuppressionReason::SmallCount);
                }
            }
        }
        let lines = grid.lines();
        loop {
            let suppressed: Vec<(usize, usize)> = (0..=rows)
                .flat_map(|r| (0..=columns).map(move |c| (r, c)))
                .filter(|(r, c)| reasons[*r][*c].is_some())
                .collect();
            let exposed = exposed_cells(rows, columns, &suppressed);
            if exposed.is_empty() {
                break;
            }
            // Hide another count in a line through an exposed cell, the line that hides least
            // first (where a hidden cell is alone): the smallest count, a true zero only when
            // nothing else is left — the least information lost for the protection gained. A
            // total is never smaller than a cell of its line, and comes last in it, so an inner
            // cell wins a tie.
            let hidden = |cell: &(usize, usize)| reasons[cell.0][cell.1].is_some();
            let mut through: Vec<&Vec<((usize, usize), i64)>> = lines
                .iter()
                .filter(|line| line.iter().any(|(cell, _)| exposed.contains(cell)))
                .collect();
            through.sort_by_key(|line| line.iter().filter(|(cell, _)| hidden(cell)).count());
            let candidate = through.iter().find_map(|line| {
                line.iter()
                    .map(|(cell, _)| *cell)
                    .filter(|cell| !hidden(cell))
                    .min_by_key(|(r, c)| {
                        let value = grid.values[*r][*c];
                        (value == 0, value)
                    })
            });
            match candidate {
                Some((r, c)) => reasons[r][c] = Some(SuppressionReason::Secondary),
                // Every cell of its lines is hidden and it is still exposed: cannot happen (a
                // fully hidden line gives no value), but hide everything rather than publish it.
                None => {
                    for row in &mut reasons {
                        for reason in row.iter_mut().filter(|reason| reason.is_none()) {
                            *reason = Some(SuppressionReason::Secondary);
                        }
                    }
                }
            }
        }
    }
    let cell = |r: usize, c: usize| ControlledCell {
        value: reasons[r][c].is_none().then_some(grid.values[r][c]),
        suppressed: reasons[r][c],
    };
    ControlledTable {
        rules,
        cells: (0..rows)
            .map(|r| (0..columns).map(|c| cell(r, c)).collect())
            .collect(),
        row_totals: (0..rows).map(|r| cell(r, columns)).collect(),
        column_totals: (0..columns).map(|c| cell(rows, c)).collect(),
        total: cell(rows, columns),
    }
}
