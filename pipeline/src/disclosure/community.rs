//! Community measures computed from published figures only (METHODS.md §3 and §5): the recorded
//! rate per 10,000 children, the standardised reporting ratio (indirect standardisation by age
//! band against the whole area), and ascertainment (children identified as a share of the
//! estimated victims) relative to a reference group.
//!
//! Every input is a published cell of another table (or a public population figure), so a rate
//! can never reveal a withheld count: a withheld input makes the measure `c`, a measure the rules
//! do not allow is `x` (fewer than 3 events for a rate, fewer than 10 for a ratio), a measure with
//! 3 (rates) or 10 (ratios) to 19 events carries the low-reliability flag `u`, and a measure
//! without a population (ethnic group not known) is `z`.
//!
//! Owns: the publication rules of community measures. May not touch: suppression (already
//! decided) or raw counts.

// Rates are computed in floats from published counts (far below 2^52).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::{ProtectedRow, ProtectedTable, SafeValue, Symbol};
use crate::error::{Error, Result};
use crate::stats::rates;
use crate::tables::{CommunityRatesRequest, CommunityRow, FilterColumn, IndicatorColumn, TableId};

/// Fewest events for a published crude rate.
pub const MIN_RATE_EVENTS: u64 = 3;
/// Fewest events for a published standardised ratio.
pub const MIN_RATIO_EVENTS: u64 = 10;
/// Events below which a published measure is flagged low reliability (`u`).
pub const RELIABLE_EVENTS: u64 = 20;

fn cell<'a>(tables: &'a [ProtectedTable], table: TableId, code: &str, column: &str) -> Option<&'a SafeValue> {
    let t = super::table_in(tables, table)?;
    let i = t.indicators.iter().position(|c| c.col_name == column)?;
    t.rows.iter().find(|r| r.category.0 == code).and_then(|r| r.values.get(i))
}

/// The constraint-system cell behind a published count, if it is one.
fn system_cell(tables: &[ProtectedTable], table: TableId, code: &str, column: &str) -> Option<usize> {
    let t = super::table_in(tables, table)?;
    let i = t.indicators.iter().position(|c| c.col_name == column)?;
    let r = t.rows.iter().position(|r| r.category.0 == code)?;
    t.count_cells.iter().find(|(row, indicator, _)| *row == r && *indicator == i).map(|x| x.2)
}

fn column(col: &str, label: &str, unit: &str, dp: u8) -> IndicatorColumn {
    IndicatorColumn::new(col, label, unit, dp)
}

fn withheld_or(value: Option<&SafeValue>, otherwise: Symbol) -> Symbol {
    match value.and_then(SafeValue::symbol) {
        Some(Symbol::C) => Symbol::C,
        _ => otherwise,
    }
}

/// Build the community measures table from already protected tables.
pub(super) fn community_table(request: &CommunityRatesRequest, published: &[ProtectedTable]) -> Result<ProtectedTable> {
    let fail = |message: String| Error::Disclosure { table: request.id.name().into(), message };
    let age_table = super::table_in(published, request.age_table)
        .ok_or_else(|| fail(format!("no table `{}`", request.age_table.name())))?;
    let age_counts: Vec<&SafeValue> = age_table.rows.iter().filter(|r| !r.is_total).map(|r| &r.values[0]).collect();
    let area_population: Vec<f64> = {
        let mut total = vec![0.0; age_counts.len()];
        for row in request.rows.iter().filter(|r| r.count_table.is_none()) {
            for (t, p) in total.iter_mut().zip(row.population_by_age.iter().flatten()) {
                *t += p;
            }
        }
        total
    };
    let ascertainment = |code: &str| -> Option<[f64; 3]> {
        let n = cell(published, request.count_table, code, "children")?.as_f64()?;
        let point = cell(published, request.estimate_table, code, "estimated_children")?.as_f64()?;
        let lower = cell(published, request.estimate_table, code, "estimate_lower95")?.as_f64()?;
        let upper = cell(published, request.estimate_table, code, "estimate_upper95")?.as_f64()?;
        (point > 0.0 && lower > 0.0).then(|| [n / point, n / upper, n / lower])
    };
    let reference = ascertainment(&request.reference);
    let mut rows = Vec::with_capacity(request.rows.len() + 1);
    let mut count_cells = Vec::new();
    // The whole area: all children over all children's population (every group has one).
    let whole_area = CommunityRow {
        code: "Total".into(),
        label: "All children".into(),
        count_table: None,
        population_by_age: Some(area_population.clone()),
    };
    for row in request.rows.iter().chain(std::iter::once(&whole_area)) {
        let count = cell(published, row.count_table.unwrap_or(request.count_table), &row.code, "children")
            .ok_or_else(|| fail(format!("no count for `{}`", row.code)))?
            .clone();
        let missing = |s: Symbol| SafeValue::missing(s);
        let pct = |v: f64| SafeValue::decimal(100.0 * v, 1);
        let mut values = vec![count.clone()];
        let population: Option<f64> = row.population_by_age.as_ref().map(|p| p.iter().sum());
        values.push(population.map_or(missing(Symbol::Z), |p| SafeValue::count(p.round() as u64)));
        let mut reliability = if population.is_some() && count.as_count().is_some_and(|n| n >= MIN_RATE_EVENTS) {
            Some("reliable")
        } else {
            None
        };
        // Crude rate per 10,000.
        match (count.as_count(), population) {
            (_, None) => values.extend(std::iter::repeat_n(missing(Symbol::Z), 3)),
            (None, Some(_)) => values.extend(std::iter::repeat_n(missing(withheld_or(Some(&count), Symbol::X)), 3)),
            (Some(n), Some(_)) if n < MIN_RATE_EVENTS => values.extend(std::iter::repeat_n(missing(Symbol::X), 3)),
            (Some(n), Some(p)) => {
                let r = rates::crude_rate(n as f64, p, request.multiplier, request.level);
                values.push(SafeValue::decimal(r.value, 1));
                values.push(SafeValue::decimal(r.lower.unwrap_or(0.0), 1));
                values.push(r.upper.map_or(missing(Symbol::X), |v| SafeValue::decimal(v, 1)));
                if n < RELIABLE_EVENTS {
                    reliability = Some("u");
                }
            }
        }
        // Standardised reporting ratio: observed / expected from the area's age-band rates.
        let expected: Option<f64> = row.population_by_age.as_ref().and_then(|pops| {
            age_counts
                .iter()
                .zip(&area_population)
                .zip(pops)
                .map(|((n, area), p)| n.as_f64().map(|n| if *area > 0.0 { n / area * p } else { 0.0 }))
                .sum::<Option<f64>>()
        });
        match (count.as_count(), row.population_by_age.is_some(), expected) {
            (_, false, _) => values.extend(std::iter::repeat_n(missing(Symbol::Z), 3)),
            (None, true, _) => values.extend(std::iter::repeat_n(missing(withheld_or(Some(&count), Symbol::X)), 3)),
            (Some(_), true, None) => values.extend(std::iter::repeat_n(missing(Symbol::C), 3)),
            (Some(n), true, Some(_)) if n < MIN_RATIO_EVENTS => {
                values.extend(std::iter::repeat_n(missing(Symbol::X), 3));
            }
            (Some(n), true, Some(e)) => {
                let r = rates::isr(n as f64, e, request.level);
                values.push(SafeValue::decimal(r.value, 2));
                values.push(SafeValue::decimal(r.lower.unwrap_or(0.0), 2));
                values.push(r.upper.map_or(missing(Symbol::X), |v| SafeValue::decimal(v, 2)));
                if n < RELIABLE_EVENTS {
                    reliability = Some("u");
                }
            }
        }
        // Directly standardised rate per 10,000, the area's child population by age as standard.
        values.extend(standardised_rate(request, published, age_table, &area_population, row));
        // Ascertainment and ascertainment relative to the reference group.
        match (ascertainment(&row.code), reference) {
            (Some(a), Some(r)) => {
                values.extend([pct(a[0]), pct(a[1]), pct(a[2])]);
                values.extend([
                    SafeValue::decimal(a[0] / r[0], 2),
                    SafeValue::decimal(a[1] / r[2], 2),
                    SafeValue::decimal(a[2] / r[1], 2),
                ]);
            }
            (Some(a), None) => {
                values.extend([pct(a[0]), pct(a[1]), pct(a[2])]);
                values.extend(std::iter::repeat_n(missing(Symbol::X), 3));
            }
            (None, _) => values.extend(std::iter::repeat_n(missing(withheld_or(Some(&count), Symbol::X)), 6)),
        }
        values.push(
            reliability
                .map_or_else(|| missing(if population.is_none() { Symbol::Z } else { Symbol::X }), SafeValue::text),
        );
        let count_table = row.count_table.unwrap_or(request.count_table);
        if let Some(c) = system_cell(published, count_table, &row.code, "children") {
            count_cells.push((rows.len(), 0, c));
        }
        rows.push(ProtectedRow {
            category: (row.code.clone(), row.label.clone()),
            is_total: row.code == "Total",
            values,
        });
    }
    Ok(ProtectedTable {
        id: request.id,
        title: request.title.clone(),
        filter: FilterColumn::new("ethnic_group", "Ethnic group", "ONS 2021 high-level ethnic group"),
        indicators: community_columns(),
        rows,
        count_cells,
    })
}

/// Which agency records which community: children recorded by each agency as a share of the
/// estimated victims in the community, and that share relative to the reference community's
/// share for the same agency. Built from published counts and published estimates only.
pub(super) fn agency_capture_table(request: &CommunityRatesRequest, published: &[ProtectedTable]) -> ProtectedTable {
    let mut rows = Vec::new();
    let mut count_cells = Vec::new();
    let estimate = |code: &str| -> Option<[f64; 3]> {
        Some([
            cell(published, request.estimate_table, code, "estimated_children")?.as_f64()?,
            cell(published, request.estimate_table, code, "estimate_lower95")?.as_f64()?,
            cell(published, request.estimate_table, code, "estimate_upper95")?.as_f64()?,
        ])
    };
    let share = |code: &str, agency: &str| -> Option<[f64; 3]> {
        let n = cell(published, request.agency_table, &format!("{code}:{agency}"), "children")?.as_f64()?;
        let [point, lower, upper] = estimate(code)?;
        (lower > 0.0).then(|| [n / point, n / upper, (n / lower).min(1.0)])
    };
    for row in request.rows.iter().filter(|r| r.count_table.is_none()) {
        for (agency, agency_label) in &request.agencies {
            let count = cell(published, request.agency_table, &format!("{}:{agency}", row.code), "children")
                .cloned()
                .unwrap_or_else(|| SafeValue::missing(Symbol::X));
            let mut values = vec![count.clone()];
            match (share(&row.code, agency), share(&request.reference, agency)) {
                (Some(a), reference) => {
                    values.extend([
                        SafeValue::decimal(100.0 * a[0], 1),
                        SafeValue::decimal(100.0 * a[1], 1),
                        SafeValue::decimal(100.0 * a[2], 1),
                    ]);
                    match reference {
                        Some(r) if r[0] > 0.0 && r[1] > 0.0 => values.extend([
                            SafeValue::decimal(a[0] / r[0], 2),
                            SafeValue::decimal(a[1] / r[2], 2),
                            SafeValue::decimal(a[2] / r[1], 2),
                        ]),
                        _ => values.extend(std::iter::repeat_n(SafeValue::missing(Symbol::X), 3)),
                    }
                }
                (None, _) => {
                    values.extend(std::iter::repeat_n(SafeValue::missing(withheld_or(Some(&count), Symbol::X)), 6));
                }
            }
            if let Some(c) = system_cell(published, request.agency_table, &format!("{}:{agency}", row.code), "children")
            {
                count_cells.push((rows.len(), 0, c));
            }
            rows.push(ProtectedRow {
                category: (format!("{}:{agency}", row.code), format!("{}, {agency_label}", row.label)),
                is_total: false,
                values,
            });
        }
    }
    ProtectedTable {
        id: request.agency_capture,
        title:
            "Which agency records which community: children recorded by each agency as a share of the estimated victims"
                .into(),
        filter: FilterColumn::new(
            "ethnic_group_and_agency",
            "Ethnic group and agency",
            "ONS 2021 high-level ethnic group and the agency",
        ),
        indicators: vec![
            column("children", "Children recorded by the agency", "", 0),
            column("share_of_estimated", "Share of estimated victims recorded by the agency", "%", 1),
            column("share_lower95", "Share: lower 95% limit", "%", 1),
            column("share_upper95", "Share: upper 95% limit", "%", 1),
            column("relative_share", "Share relative to the reference group, same agency", "ratio", 2),
            column("relative_share_lower", "Relative share: lower limit", "ratio", 2),
            column("relative_share_upper", "Relative share: upper limit", "ratio", 2),
        ],
        rows,
        count_cells,
    }
}

/// The directly standardised rate per 10,000 of one community and its limits, from published
/// counts per age band (`x` below 10 events or without a count per band, `z` without a
/// population).
fn standardised_rate(
    request: &CommunityRatesRequest,
    published: &[ProtectedTable],
    age_table: &ProtectedTable,
    area_population: &[f64],
    row: &CommunityRow,
) -> Vec<SafeValue> {
    let missing = |s: Symbol| SafeValue::missing(s);
    let age_counts: Vec<&SafeValue> = age_table.rows.iter().filter(|r| !r.is_total).map(|r| &r.values[0]).collect();
    let mut out = Vec::with_capacity(3);
    let bands: Vec<&str> = age_table.rows.iter().filter(|r| !r.is_total).map(|r| r.category.0.as_str()).collect();
    let age_counts_of = |code: &str| -> Option<Vec<SafeValue>> {
        if code == "Total" {
            return Some(age_counts.iter().map(|v| (*v).clone()).collect());
        }
        bands
            .iter()
            .map(|b| cell(published, request.community_age_table, &format!("{code}:{b}"), "children").cloned())
            .collect()
    };
    match (row.population_by_age.as_ref(), age_counts_of(&row.code)) {
        (None, _) => out.extend(std::iter::repeat_n(missing(Symbol::Z), 3)),
        (Some(_), None) => out.extend(std::iter::repeat_n(missing(Symbol::X), 3)),
        (Some(pops), Some(counts)) => {
            let numbers: Option<Vec<f64>> = counts.iter().map(SafeValue::as_f64).collect();
            match numbers {
                None => out.extend(std::iter::repeat_n(
                    missing(withheld_or(counts.iter().find(|c| c.as_f64().is_none()), Symbol::X)),
                    3,
                )),
                Some(n) if n.iter().sum::<f64>() < MIN_RATIO_EVENTS as f64 || pops.iter().any(|p| *p <= 0.0) => {
                    out.extend(std::iter::repeat_n(missing(Symbol::X), 3));
                }
                Some(n) => match rates::dsr(&n, pops, area_population, request.multiplier, request.level) {
                    Some(d) => {
                        out.push(SafeValue::decimal(d.value, 1));
                        out.push(d.lower.map_or(missing(Symbol::X), |v| SafeValue::decimal(v.max(0.0), 1)));
                        out.push(d.upper.map_or(missing(Symbol::X), |v| SafeValue::decimal(v, 1)));
                    }
                    None => out.extend(std::iter::repeat_n(missing(Symbol::X), 3)),
                },
            }
        }
    }
    out
}

/// The columns of the community measures table.
fn community_columns() -> Vec<IndicatorColumn> {
    vec![
        column("children", "Children identified", "", 0),
        column("child_population", "Child population (0 to 17)", "", 0),
        column("rate_per_10000", "Rate per 10,000 children", "per 10,000", 1),
        column("rate_lower95", "Rate: lower 95% limit", "per 10,000", 1),
        column("rate_upper95", "Rate: upper 95% limit", "per 10,000", 1),
        column("reporting_ratio", "Standardised reporting ratio", "ratio", 2),
        column("ratio_lower95", "Ratio: lower 95% limit", "ratio", 2),
        column("ratio_upper95", "Ratio: upper 95% limit", "ratio", 2),
        column("dsr_per_10000", "Age-standardised rate per 10,000 children", "per 10,000", 1),
        column("dsr_lower95", "Age-standardised rate: lower 95% limit", "per 10,000", 1),
        column("dsr_upper95", "Age-standardised rate: upper 95% limit", "per 10,000", 1),
        column("ascertainment", "Share of estimated victims identified", "%", 1),
        column("ascertainment_lower95", "Share identified: lower 95% limit", "%", 1),
        column("ascertainment_upper95", "Share identified: upper 95% limit", "%", 1),
        column("relative_ascertainment", "Share identified relative to the reference group", "ratio", 2),
        column("relative_ascertainment_lower", "Relative share: lower limit", "ratio", 2),
        column("relative_ascertainment_upper", "Relative share: upper limit", "ratio", 2),
        column("reliability", "Reliability (u: based on fewer than 20 children)", "text", 0),
    ]
}
