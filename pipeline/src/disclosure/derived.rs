//! Tables derived from protected counts: model estimates beside the observed counts they go
//! with, and shares with their Wilson intervals. Every input is a published cell, so a derived
//! figure can never reveal a withheld one.
//!
//! Owns: publication rules of derived figures. May not touch: suppression (already decided).

// Shares are computed in floats from published counts (far below 2^52).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::{ProtectedRow, ProtectedTable, SafeValue, Symbol};
use crate::error::{Error, Result};
use crate::tables::{EstimateTableRequest, IndicatorColumn, ShareRequest};

/// Model estimates are published, rounded to whole children, only beside an observed count that
/// is itself published: an estimate (and its interval, which is never below the observed count)
/// next to a withheld count could narrow that count. Otherwise the cells are `c` (count withheld)
/// or `x` (not computed).
pub(super) fn estimate_table(request: &EstimateTableRequest, published: &[ProtectedTable]) -> Result<ProtectedTable> {
    let fail = |message: String| Error::Disclosure { table: request.id.name().to_string(), message };
    let observed_table = super::table_in(published, request.observed_table)
        .ok_or_else(|| fail(format!("no table `{}` to take observed counts from", request.observed_table.name())))?;
    let mut rows = Vec::with_capacity(request.rows.len());
    let mut count_cells = Vec::new();
    for row in &request.rows {
        let position = observed_table
            .rows
            .iter()
            .position(|r| r.category.0 == row.code)
            .ok_or_else(|| fail(format!("no row `{}` in `{}`", row.code, request.observed_table.name())))?;
        let observed = observed_table.rows[position].values[0].clone();
        if let Some(&(_, _, cell)) = observed_table.count_cells.iter().find(|(r, i, _)| *r == position && *i == 0) {
            count_cells.push((rows.len(), 0, cell));
        }
        let estimates: Vec<SafeValue> = match (observed.as_count(), row.values) {
            (Some(_), Some(values)) => values.iter().map(|v| SafeValue::decimal(v.round(), 0)).collect(),
            (Some(_), None) => vec![SafeValue::missing(Symbol::X); 4],
            (None, _) => vec![SafeValue::missing(observed.symbol().unwrap_or(Symbol::C)); 4],
        };
        let mut values = vec![observed];
        values.extend(estimates);
        rows.push(ProtectedRow {
            category: (row.code.clone(), row.label.clone()),
            is_total: row.code == "Total",
            values,
        });
    }
    let column = |col: &str, label: &str| IndicatorColumn::new(col, label, "", 0);
    Ok(ProtectedTable {
        id: request.id,
        title: request.title.clone(),
        filter: request.filter.clone(),
        indicators: vec![
            column("children_identified", "Children identified"),
            column("chao_lower_bound", "Lower bound (Chao)"),
            column("estimated_children", "Estimated children (multiple systems estimation)"),
            column("estimate_lower95", "Lower 95% limit"),
            column("estimate_upper95", "Upper 95% limit"),
        ],
        rows,
        count_cells,
    })
}

/// A percentage and its Wilson interval, computed from the published numerator and denominator
/// only (METHODS.md §5): withheld when either input is withheld.
pub(super) fn published_share(k: &SafeValue, n: &SafeValue, level: f64) -> [SafeValue; 3] {
    match (k.as_count(), n.as_count()) {
        (Some(k), Some(n)) if n > 0 => {
            let p = crate::stats::proportion::wilson(k as f64, n as f64, level);
            [
                SafeValue::decimal(100.0 * k as f64 / n as f64, 1),
                SafeValue::decimal(100.0 * p.lower, 1),
                SafeValue::decimal(100.0 * p.upper, 1),
            ]
        }
        (Some(_), Some(_)) => std::array::from_fn(|_| SafeValue::missing(Symbol::Z)),
        _ => {
            let symbol =
                if k.symbol() == Some(Symbol::C) || n.symbol() == Some(Symbol::C) { Symbol::C } else { Symbol::X };
            std::array::from_fn(|_| SafeValue::missing(symbol))
        }
    }
}

/// The columns of a share table that hold counts: (denominator, numerator).
pub(super) const SHARE_COUNT_COLUMNS: [&str; 2] = ["children", "known_to_services"];

/// The columns of a share table: denominator, numerator, percentage and its interval.
pub(super) fn share_columns(t: &ShareRequest) -> Vec<IndicatorColumn> {
    let level = t.level * 100.0;
    let [denominator, numerator] = SHARE_COUNT_COLUMNS;
    vec![
        IndicatorColumn::new(denominator, &t.denominator_label, "", 0),
        IndicatorColumn::new(numerator, &t.numerator_label, "", 0),
        IndicatorColumn::new("percent_known", "Percentage known to services", "%", 1),
        IndicatorColumn::new("percent_known_lower", &format!("Lower {level:.0}% confidence limit"), "%", 1),
        IndicatorColumn::new("percent_known_upper", &format!("Upper {level:.0}% confidence limit"), "%", 1),
    ]
}
