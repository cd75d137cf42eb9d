//! `safestat funnel`: funnel-plot limits and significance for any set of areas or groups
//! (Spiegelhalter 2005; the UK public-health conventions of METHODS.md §2).
//!
//! - `proportion`: input `area,numerator,denominator` (numerators may be weighted, non-integer).
//!   The limits are the Wilson control limits around the overall proportion at each area's
//!   denominator, and significance compares the area's value with them.
//! - `ratio`: input `area,observed,expected`. The limits are the area's own exact (O < 10) or
//!   Byar (O ≥ 10) interval for O/E, and significance compares 1 with it.
//!
//! Owns: the `funnel` outputs. May not touch: releases.

use std::path::Path;

use crate::error::{Error, Result};
use crate::files::{CsvFile, spreadsheet_safe};
use crate::report::svg::{self, FunnelPoint};
use crate::stats::rates;

/// What the input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// `area,numerator,denominator`.
    Proportion,
    /// `area,observed,expected`.
    Ratio,
}

/// One output row.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelRow {
    /// Area label.
    pub area: String,
    /// Value (multiplied).
    pub value: f64,
    /// 95% limits.
    pub limits95: (f64, f64),
    /// 99.8% limits.
    pub limits998: (f64, f64),
    /// UK public-health significance label.
    pub significance: &'static str,
    size: f64,
}

fn read_rows(path: &Path, columns: [&str; 3]) -> Result<Vec<(String, f64, f64)>> {
    let fail = |message: String| Error::Analysis { path: path.to_path_buf(), message };
    let (mut reader, header) = crate::analysis::capture_csv::open_analysis_csv(path)?;
    let index = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| fail(format!("required column `{name}` is missing")))
    };
    let (a, n, d) = (index(columns[0])?, index(columns[1])?, index(columns[2])?);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|_| fail(format!("line {line}: not a valid CSV row")))?;
        let number = |c: usize, name: &str| {
            let refuse = |why: &str| fail(format!("line {line}, field `{name}`: {why}"));
            let x = record
                .get(c)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .ok_or_else(|| refuse("not a non-negative number"))?;
            crate::domain::count::check_number(x).map_err(|why| match why {
                crate::domain::count::CountRefusal::NotWhole => refuse("not a non-negative number"),
                crate::domain::count::CountRefusal::TooLarge => refuse(&why.to_string()),
            })
        };
        let (x, y) = (number(n, columns[1])?, number(d, columns[2])?);
        if y <= 0.0 {
            return Err(fail(format!("line {line}, field `{}`: must be greater than 0", columns[2])));
        }
        if columns[1] == "numerator" && x > y {
            return Err(fail(format!("line {line}: numerator exceeds denominator")));
        }
        rows.push((record.get(a).unwrap_or_default().trim().to_string(), x, y));
    }
    if rows.is_empty() {
        return Err(fail("no rows".into()));
    }
    Ok(rows)
}

/// Compute the funnel rows.
pub fn compute(path: &Path, kind: Kind, multiplier: f64) -> Result<Vec<FunnelRow>> {
    match kind {
        Kind::Proportion => {
            let rows = read_rows(path, ["area", "numerator", "denominator"])?;
            let p0 = rows.iter().map(|r| r.1).sum::<f64>() / rows.iter().map(|r| r.2).sum::<f64>();
            Ok(rows
                .into_iter()
                .map(|(area, x, n)| {
                    let l95 = rates::funnel_proportion_limits(p0, n, 0.95);
                    let l998 = rates::funnel_proportion_limits(p0, n, 0.998);
                    let value = x / n;
                    FunnelRow {
                        area,
                        value: multiplier * value,
                        limits95: (multiplier * l95.0, multiplier * l95.1),
                        limits998: (multiplier * l998.0, multiplier * l998.1),
                        significance: rates::significance(value, l95, l998),
                        size: n,
                    }
                })
                .collect())
        }
        Kind::Ratio => {
            let rows = read_rows(path, ["area", "observed", "expected"])?;
            Ok(rows
                .into_iter()
                .map(|(area, o, e)| {
                    let r95 = rates::isr(o, e, 0.95);
                    let r998 = rates::isr(o, e, 0.998);
                    let l95 = (r95.lower.unwrap_or(0.0), r95.upper.unwrap_or(f64::INFINITY));
                    let l998 = (r998.lower.unwrap_or(0.0), r998.upper.unwrap_or(f64::INFINITY));
                    // 1 against the area's interval: the interval above 1 means "High".
                    let significance = if l998.0 > 1.0 {
                        "High (0.001)"
                    } else if l95.0 > 1.0 {
                        "High (0.025)"
                    } else if l998.1 < 1.0 {
                        "Low (0.001)"
                    } else if l95.1 < 1.0 {
                        "Low (0.025)"
                    } else {
                        "Not significant"
                    };
                    FunnelRow {
                        area,
                        value: multiplier * r95.value,
                        limits95: (multiplier * l95.0, multiplier * l95.1),
                        limits998: (multiplier * l998.0, multiplier * l998.1),
                        significance,
                        size: e,
                    }
                })
                .collect())
        }
    }
}

/// Write the output CSV (`area, value, lower95, upper95, lower998, upper998, significance`).
pub fn write_csv(rows: &[FunnelRow], out: &Path) -> Result<()> {
    let mut file = CsvFile::new(out);
    file.row(["area", "value", "lower95", "upper95", "lower998", "upper998", "significance"])?;
    for r in rows {
        file.row([
            spreadsheet_safe(&r.area),
            format!("{:.6}", r.value),
            format!("{:.6}", r.limits95.0),
            format!("{:.6}", r.limits95.1),
            format!("{:.6}", r.limits998.0),
            format!("{:.6}", r.limits998.1),
            r.significance.to_string(),
        ])?;
    }
    file.write()
}

/// The funnel plot as SVG.
pub fn svg(rows: &[FunnelRow], kind: Kind, multiplier: f64) -> String {
    let points: Vec<FunnelPoint> =
        rows.iter().map(|r| FunnelPoint { label: r.area.clone(), x: r.size, y: r.value }).collect();
    match kind {
        Kind::Proportion => {
            let total_n: f64 = rows.iter().map(|r| r.size).sum();
            let p0 = rows.iter().map(|r| r.value / multiplier * r.size).sum::<f64>() / total_n;
            let limits = |n: f64| {
                let (a, b) =
                    (rates::funnel_proportion_limits(p0, n, 0.95), rates::funnel_proportion_limits(p0, n, 0.998));
                ((multiplier * a.0, multiplier * a.1), (multiplier * b.0, multiplier * b.1))
            };
            svg::funnel_chart(
                "funnel",
                "Funnel plot of proportions",
                "Each point is an area's proportion against its denominator, with control limits around the overall proportion.",
                ("Denominator", "Proportion"),
                multiplier * p0,
                &points,
                limits,
            )
        }
        Kind::Ratio => {
            let limits = |e: f64| {
                let (a, b) = (rates::funnel_ratio_limits(e, 0.95), rates::funnel_ratio_limits(e, 0.998));
                ((multiplier * a.0, multiplier * a.1), (multiplier * b.0, multiplier * b.1))
            };
            svg::funnel_chart(
                "funnel",
                "Funnel plot of ratios",
                "Each point is an area's observed to expected ratio against its expected count, with control limits around 1.",
                ("Expected count", "Observed / expected"),
                multiplier,
                &points,
                limits,
            )
        }
    }
}
