//! Disclosure control: no published count is 1 to 5, true zeros show as 0, and no suppressed cell
//! can be worked out from the published cells — checked on thousands of random tables by solving
//! the table's equations with a method of the test's own (floating-point rank), not the one the
//! rule uses.

mod common;

use common::solver::{cube_cells, cube_derivable};
use stable_futures_domain::disclosure::{
    control, control_cube, ControlledCell, ControlledTable, RuleSet, SuppressionReason,
};

/// A small deterministic generator (xorshift): the same tables every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The whole published grid, margins included: (value or None, reason).
fn grid(table: &ControlledTable) -> Vec<Vec<(Option<u64>, Option<SuppressionReason>)>> {
    let mut grid: Vec<Vec<_>> = table
        .cells
        .iter()
        .zip(&table.row_totals)
        .map(|(row, total)| {
            row.iter()
                .chain(std::iter::once(total))
                .map(|cell| (cell.value, cell.suppressed))
                .collect()
        })
        .collect();
    grid.push(
        table
            .column_totals
            .iter()
            .chain(std::iter::once(&table.total))
            .map(|cell| (cell.value, cell.suppressed))
            .collect(),
    );
    grid
}

/// Suppressed cells of a table (its totals in row `rows` and column `columns`) whose value the
/// published cells determine: the table as a cube of two dimensions.
fn derivable(rows: usize, columns: usize, hidden: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let at = |(r, c): (usize, usize)| vec![(r < rows).then_some(r), (c < columns).then_some(c)];
    let cells: Vec<Vec<Option<usize>>> = hidden.iter().map(|cell| at(*cell)).collect();
    let found = cube_derivable(&[rows, columns], &cells);
    hidden
        .iter()
        .copied()
        .filter(|cell| found.contains(&at(*cell)))
        .collect()
}

fn check(counts: &[Vec<u64>]) -> ControlledTable {
    let table = control(counts, RuleSet::Dfe2024);
    let published = grid(&table);
    let rows = counts.len();
    let columns = counts.first().map_or(0, Vec::len);
    let mut hidden = Vec::new();
    let mut true_values = vec![vec![0_u64; columns + 1]; rows + 1];
    for (r, row) in counts.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            true_values[r][c] = *value;
            true_values[r][columns] += value;
            true_values[rows][c] += value;
            true_values[rows][columns] += value;
        }
    }
    for (r, row) in published.iter().enumerate() {
        for (c, (value, reason)) in row.iter().enumerate() {
            let truth = true_values[r][c];
            match (value, reason) {
                (Some(shown), None) => {
                    assert_eq!(*shown, truth, "a published value is the true one");
                    assert!(
                        !(1..=5).contains(shown),
                        "{counts:?}: {shown} published at {r},{c}"
                    );
                }
                (None, Some(SuppressionReason::SmallCount)) => {
                    assert!((1..=5).contains(&truth), "primary only for 1 to 5");
                    hidden.push((r, c));
                }
                (None, Some(SuppressionReason::Secondary)) => hidden.push((r, c)),
                other => panic!("a cell is shown or suppressed with a reason: {other:?}"),
            }
        }
    }
    // No row or column with exactly one hidden cell (that one would be its total minus the rest).
    for r in 0..=rows {
        let in_row = hidden.iter().filter(|(hr, _)| *hr == r).count();
        assert_ne!(in_row, 1, "{counts:?}: row {r}");
    }
    for c in 0..=columns {
        let in_column = hidden.iter().filter(|(_, hc)| *hc == c).count();
        assert_ne!(in_column, 1, "{counts:?}: column {c}");
    }
    assert_eq!(
        derivable(rows, columns, &hidden),
        Vec::<(usize, usize)>::new(),
        "{counts:?}: hidden {hidden:?}"
    );
    margins_as_published_alone(counts, &table, &true_values);
    table
}

/// The margins are published as the coarser tables publish them on their own (the report grouped
/// by one dimension, or not at all), so reading several groupings of one report together gives
/// nothing the finer table hid.
fn margins_as_published_alone(
    counts: &[Vec<u64>],
    table: &ControlledTable,
    true_values: &[Vec<u64>],
) {
    let rows = counts.len();
    let columns = counts.first().map_or(0, Vec::len);
    let hidden = |cell: &ControlledCell| cell.value.is_none();
    let row_sums: Vec<Vec<u64>> = (0..rows).map(|r| vec![true_values[r][columns]]).collect();
    let by_rows = control(&row_sums, RuleSet::Dfe2024);
    let column_sums = vec![(0..columns)
        .map(|c| true_values[rows][c])
        .collect::<Vec<_>>()];
    let by_columns = control(&column_sums, RuleSet::Dfe2024);
    assert_eq!(
        table.row_totals.iter().map(hidden).collect::<Vec<_>>(),
        by_rows
            .cells
            .iter()
            .map(|row| hidden(&row[0]))
            .collect::<Vec<_>>(),
        "{counts:?}: row totals"
    );
    assert_eq!(
        table.column_totals.iter().map(hidden).collect::<Vec<_>>(),
        by_columns.cells[0].iter().map(hidden).collect::<Vec<_>>(),
        "{counts:?}: column totals"
    );
    assert_eq!(
        hidden(&table.total),
        (1..=5).contains(&true_values[rows][columns]),
        "{counts:?}: the grand total is hidden only when small"
    );
}

#[test]
fn random_tables_publish_nothing_small_and_nothing_derivable() {
    let mut random = Random(0x5EED_2024);
    let mut suppressed_tables = 0;
    for _ in 0..3000 {
        let rows = 1 + random.below(6) as usize;
        let columns = 1 + random.below(6) as usize;
        let counts: Vec<Vec<u64>> = (0..rows)
            .map(|_| {
                (0..columns)
                    .map(|_| match random.below(4) {
                        0 => 0,
                        1 => 1 + random.below(5),
                        _ => 6 + random.below(60),
                    })
                    .collect()
            })
            .collect();
        let table = check(&counts);
        if grid(&table)
            .iter()
            .flatten()
            .any(|(value, _)| value.is_none())
        {
            suppressed_tables += 1;
        }
    }
    assert!(
        suppressed_tables > 1000,
        "the random tables exercise suppression"
    );
}

#[test]
fn a_dfe_style_table() {
    // Two groups by three kinds: one small count forces a second cell in its row and column.
    let table = check(&[vec![40, 3, 25], vec![30, 12, 18]]);
    let shown: Vec<Vec<String>> = table
        .cells
        .iter()
        .map(|row| row.iter().map(|cell| cell.display()).collect())
        .collect();
    assert_eq!(shown, [["40", "c", "c"], ["30", "c", "c"]]);
    assert_eq!(table.row_totals[0].value, Some(68));
    assert_eq!(table.total.value, Some(128));
    assert_eq!(
        table.cells[0][1].suppressed,
        Some(SuppressionReason::SmallCount)
    );
    assert_eq!(
        table.cells[0][2].suppressed,
        Some(SuppressionReason::Secondary)
    );
}

#[test]
fn zeros_are_true_zeros_and_none_publishes_everything() {
    let table = check(&[vec![0, 10], vec![0, 20]]);
    assert_eq!(table.cells[0][0].display(), "0");
    assert_eq!(table.cells[1][0].suppressed, None);
    let open = control(&[vec![3, 10]], RuleSet::None);
    assert_eq!(open.cells[0][0].value, Some(3));
    assert_eq!(open.total.value, Some(13));
    assert_eq!(open.rules, RuleSet::None);
}

#[test]
fn a_lone_small_count_hides_its_whole_table_if_it_must() {
    // One cell: its totals equal it, so they are all small, and all hidden.
    let table = check(&[vec![4]]);
    assert_eq!(table.cells[0][0].value, None);
    assert_eq!(table.total.value, None);
}

#[test]
fn a_small_count_beside_a_true_zero_hides_a_count_not_the_zero() {
    // Hiding the zero would protect nothing new (its value is known to be small) and lose a fact;
    // the smallest non-zero count in the line is hidden instead.
    let table = check(&[vec![3, 0, 10], vec![20, 30, 40]]);
    assert_eq!(table.cells[0][1].display(), "0");
    assert_eq!(
        table.cells[0][2].suppressed,
        Some(SuppressionReason::Secondary)
    );
}

#[test]
fn random_three_way_cubes_publish_nothing_small_and_nothing_derivable_at_any_level() {
    // A report grouped by two dimensions with its counts split three ways (improved, same,
    // worse): every margin is published by a coarser grouping, and all must hold together.
    let mut random = Random(0x3D_C0BE);
    let mut hiding_cubes = 0;
    for _ in 0..150 {
        let sizes = [
            1 + random.below(3) as usize,
            1 + random.below(3) as usize,
            2 + random.below(2) as usize,
        ];
        let inner: std::collections::HashMap<Vec<usize>, u64> = cube_cells(&sizes)
            .into_iter()
            .filter(|cell| cell.iter().all(Option::is_some))
            .map(|cell| {
                let value = match random.below(4) {
                    0 => 0,
                    1 => 1 + random.below(5),
                    _ => 6 + random.below(40),
                };
                (cell.into_iter().flatten().collect(), value)
            })
            .collect();
        let truth = |at: &[Option<usize>]| -> u64 {
            inner
                .iter()
                .filter(|(cell, _)| cell.iter().zip(at).all(|(c, a)| a.is_none_or(|a| a == *c)))
                .map(|(_, value)| value)
                .sum()
        };
        let cube = control_cube(&sizes, truth, RuleSet::Dfe2024);
        let mut hidden = Vec::new();
        for cell in cube_cells(&sizes) {
            let published = cube.cell(&cell);
            match published.value {
                Some(value) => {
                    assert_eq!(value, truth(&cell), "{sizes:?} {cell:?}");
                    assert!(!(1..=5).contains(&value), "{sizes:?} {cell:?}: {value}");
                }
                None => hidden.push(cell),
            }
        }
        assert_eq!(
            cube_derivable(&sizes, &hidden),
            Vec::<Vec<Option<usize>>>::new(),
            "{sizes:?} {inner:?}"
        );
        // Each face of margins is hidden exactly as that coarser cube is on its own.
        for dropped in 0..sizes.len() {
            let kept: Vec<usize> = (0..sizes.len()).filter(|d| *d != dropped).collect();
            let face_sizes: Vec<usize> = kept.iter().map(|d| sizes[*d]).collect();
            let lift = |at: &[Option<usize>]| {
                let mut full = vec![None; sizes.len()];
                for (k, d) in kept.iter().enumerate() {
                    full[*d] = at[k];
                }
                full
            };
            let face = control_cube(&face_sizes, |at| truth(&lift(at)), RuleSet::Dfe2024);
            for cell in cube_cells(&face_sizes) {
                assert_eq!(
                    face.cell(&cell).value.is_none(),
                    cube.cell(&lift(&cell)).value.is_none(),
                    "{sizes:?} {inner:?}: face without {dropped} at {cell:?}"
                );
            }
        }
        if !hidden.is_empty() {
            hiding_cubes += 1;
        }
    }
    assert!(hiding_cubes > 100, "the cubes exercise suppression");
}
