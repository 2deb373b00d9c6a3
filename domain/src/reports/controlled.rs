//! A report's rows as published: every count under disclosure control, and every statistic of a
//! group hidden with the count it is computed over.

use std::collections::BTreeSet;

use super::dimensions::GroupKey;
use super::nrm_timeliness::NrmTimelinessRow;
use crate::disclosure::{control, ControlledCell, RuleSet, SuppressionReason};

/// One published value: a count, a share (per cent, one decimal) or a statistic in days; `None`
/// with a reason when hidden, `None` without one when there is nothing to compute it over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub value: Option<f64>,
    pub suppressed: Option<SuppressionReason>,
}

impl Cell {
    fn count(cell: ControlledCell) -> Self {
        Self {
            value: cell.value.map(|n| n as f64),
            suppressed: cell.suppressed,
        }
    }

    /// A statistic computed over the group counted in `base`: hidden when that count is.
    fn over(base: Cell, value: Option<f64>) -> Self {
        match base.suppressed {
            Some(_) => Self {
                value: None,
                suppressed: Some(SuppressionReason::Secondary),
            },
            None => Self {
                value,
                suppressed: None,
            },
        }
    }

    /// `part` as a share of `whole`, in per cent to one decimal: hidden when either is.
    fn share(part: Cell, whole: Cell) -> Self {
        if part.suppressed.is_some() || whole.suppressed.is_some() {
            return Self {
                value: None,
                suppressed: Some(SuppressionReason::Secondary),
            };
        }
        let value = match (part.value, whole.value) {
            (Some(part), Some(whole)) if whole > 0.0 => {
                Some((part / whole * 1000.0).round() / 10.0)
            }
            _ => None,
        };
        Self {
            value,
            suppressed: None,
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

/// A row of the NRM timeliness report as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlledNrmTimelinessRow {
    pub group: GroupKey,
    pub referrals: Cell,
    pub reasonable_grounds_decisions: Cell,
    pub reasonable_grounds_positive: Cell,
    pub reasonable_grounds_positive_share: Cell,
    pub decided_within_target: Cell,
    pub decided_within_target_share: Cell,
    pub median_days_to_reasonable_grounds: Cell,
    pub p90_days_to_reasonable_grounds: Cell,
    pub conclusive_grounds_decisions: Cell,
    pub conclusive_grounds_positive: Cell,
    pub conclusive_grounds_positive_share: Cell,
    pub median_days_reasonable_to_conclusive: Cell,
    pub waiting_for_conclusive: Cell,
    pub median_days_waiting_for_conclusive: Cell,
}

/// Controls one count of every row as one table: the rows' groups laid out by their first
/// dimension (rows) and their second (columns), absent combinations true zeros.
fn controlled_count(
    rows: &[NrmTimelinessRow],
    count: impl Fn(&NrmTimelinessRow) -> u64,
    rules: RuleSet,
) -> Vec<Cell> {
    let part = |row: &NrmTimelinessRow, n: usize| row.group.get(n).cloned().unwrap_or_default();
    let firsts: Vec<String> = rows
        .iter()
        .map(|row| part(row, 0))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let seconds: Vec<String> = rows
        .iter()
        .map(|row| part(row, 1))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let position = |row: &NrmTimelinessRow| {
        (
            firsts.binary_search(&part(row, 0)).unwrap_or(0),
            seconds.binary_search(&part(row, 1)).unwrap_or(0),
        )
    };
    let mut grid = vec![vec![0_u64; seconds.len()]; firsts.len()];
    for row in rows {
        let (r, c) = position(row);
        grid[r][c] = count(row);
    }
    let table = control(&grid, rules);
    rows.iter()
        .map(|row| {
            let (r, c) = position(row);
            Cell::count(table.cells[r][c])
        })
        .collect()
}

/// The report's rows as they may be published under `rules`.
pub fn control_nrm_timeliness(
    rows: &[NrmTimelinessRow],
    rules: RuleSet,
) -> Vec<ControlledNrmTimelinessRow> {
    let referrals = controlled_count(rows, |r| r.referrals, rules);
    let rg = controlled_count(rows, |r| r.reasonable_grounds_decisions, rules);
    let rg_positive = controlled_count(rows, |r| r.reasonable_grounds_positive, rules);
    let within = controlled_count(rows, |r| r.decided_within_target, rules);
    let cg = controlled_count(rows, |r| r.conclusive_grounds_decisions, rules);
    let cg_positive = controlled_count(rows, |r| r.conclusive_grounds_positive, rules);
    let waiting = controlled_count(rows, |r| r.waiting_for_conclusive, rules);
    rows.iter()
        .enumerate()
        .map(|(n, row)| ControlledNrmTimelinessRow {
            group: row.group.clone(),
            referrals: referrals[n],
            reasonable_grounds_decisions: rg[n],
            reasonable_grounds_positive: rg_positive[n],
            reasonable_grounds_positive_share: Cell::share(rg_positive[n], rg[n]),
            decided_within_target: within[n],
            decided_within_target_share: Cell::share(within[n], rg[n]),
            median_days_to_reasonable_grounds: Cell::over(
                rg[n],
                row.median_days_to_reasonable_grounds,
            ),
            p90_days_to_reasonable_grounds: Cell::over(
                rg[n],
                row.p90_days_to_reasonable_grounds.map(|days| days as f64),
            ),
            conclusive_grounds_decisions: cg[n],
            conclusive_grounds_positive: cg_positive[n],
            conclusive_grounds_positive_share: Cell::share(cg_positive[n], cg[n]),
            median_days_reasonable_to_conclusive: Cell::over(
                cg[n],
                row.median_days_reasonable_to_conclusive,
            ),
            waiting_for_conclusive: waiting[n],
            median_days_waiting_for_conclusive: Cell::over(
                waiting[n],
                row.median_days_waiting_for_conclusive,
            ),
        })
        .collect()
}
