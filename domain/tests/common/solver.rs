//! A solver of the tests' own for "which hidden cells of a table follow from the published ones":
//! floating-point rank, not the exact elimination the rule uses.

pub fn rank(mut matrix: Vec<Vec<f64>>) -> usize {
    let width = matrix.first().map_or(0, Vec::len);
    let mut rank = 0;
    for column in 0..width {
        let Some(pivot) = (rank..matrix.len())
            .max_by(|a, b| {
                matrix[*a][column]
                    .abs()
                    .total_cmp(&matrix[*b][column].abs())
            })
            .filter(|r| matrix[*r][column].abs() > 1e-9)
        else {
            continue;
        };
        matrix.swap(rank, pivot);
        let pivot_row = matrix[rank].clone();
        for row in matrix.iter_mut().skip(rank + 1) {
            let factor = row[column] / pivot_row[column];
            for (value, p) in row.iter_mut().zip(&pivot_row) {
                *value -= factor * p;
            }
        }
        rank += 1;
    }
    rank
}

/// Every cell of a cube with `sizes`, margins (`None`) included.
pub fn cube_cells(sizes: &[usize]) -> Vec<Vec<Option<usize>>> {
    let mut cells = vec![Vec::new()];
    for &size in sizes {
        cells = cells
            .into_iter()
            .flat_map(|cell: Vec<Option<usize>>| {
                (0..size).map(Some).chain([None]).map(move |position| {
                    let mut next = cell.clone();
                    next.push(position);
                    next
                })
            })
            .collect();
    }
    cells
}

/// Hidden cells of a cube whose value the published ones determine, by the test's own rank.
pub fn cube_derivable(sizes: &[usize], hidden: &[Vec<Option<usize>>]) -> Vec<Vec<Option<usize>>> {
    let index = |cell: &Vec<Option<usize>>| hidden.iter().position(|h| h == cell);
    let mut equations: Vec<Vec<f64>> = Vec::new();
    for (dimension, &size) in sizes.iter().enumerate() {
        for margin in cube_cells(sizes)
            .into_iter()
            .filter(|cell| cell[dimension].is_none())
        {
            let mut equation = vec![0.0; hidden.len()];
            for position in 0..size {
                let mut cell = margin.clone();
                cell[dimension] = Some(position);
                if let Some(i) = index(&cell) {
                    equation[i] = 1.0;
                }
            }
            if let Some(i) = index(&margin) {
                equation[i] = -1.0;
            }
            equations.push(equation);
        }
    }
    let base = rank(equations.clone());
    hidden
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let mut with_unit = equations.clone();
            let mut unit = vec![0.0; hidden.len()];
            unit[*i] = 1.0;
            with_unit.push(unit);
            rank(with_unit) == base
        })
        .map(|(_, cell)| cell.clone())
        .collect()
}
