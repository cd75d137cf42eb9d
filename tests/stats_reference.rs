//! Statistics against independent reference values (../shared/reference/), never against
//! safestat's own output.

use safestat::stats::proportion::wilson;

use crate::harness::{read_csv, reference};

fn close(actual: f64, expected: f64, what: &str) {
    let tolerance = 1e-6 * expected.abs().max(1e-12);
    assert!((actual - expected).abs() <= tolerance, "{what}: {actual} vs {expected}");
}

#[test]
fn wilson_matches_phe_fixtures() {
    let (header, rows) = read_csv(&reference("phe/testdata_Prop.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(!rows.is_empty());
    let mut checked = 0;
    for row in &rows {
        let (Ok(x), Ok(n)) = (row[col("Numerator")].parse::<f64>(), row[col("Denominator")].parse::<f64>()) else {
            // Missing inputs: the reference publishes no value either.
            assert!(row[col("value")].is_empty());
            continue;
        };
        let m: f64 = row[col("multiplier")].parse().unwrap();
        let p95 = wilson(x, n, 0.95);
        let p998 = wilson(x, n, 0.998);
        let area = &row[col("Area")];
        close(m * p95.estimate, row[col("value")].parse().unwrap(), area);
        close(m * p95.lower, row[col("lower95_0cl")].parse().unwrap(), area);
        close(m * p95.upper, row[col("upper95_0cl")].parse().unwrap(), area);
        close(m * p998.lower, row[col("lower99_8cl")].parse().unwrap(), area);
        close(m * p998.upper, row[col("upper99_8cl")].parse().unwrap(), area);
        checked += 1;
    }
    assert_eq!(checked, 16);
    let (header, rows) = read_csv(&reference("phe/testdata_Prop_g.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in &rows {
        let (Ok(x), Ok(n)) = (row[col("Numerator")].parse::<f64>(), row[col("Denominator")].parse::<f64>()) else {
            continue;
        };
        let level = if row[col("confidence")] == "95%" { 0.95 } else { 0.998 };
        let m: f64 = row[col("multiplier")].parse().unwrap();
        let p = wilson(x, n, level);
        close(m * p.lower, row[col("lowercl")].parse().unwrap(), &row[col("Area")]);
        close(m * p.upper, row[col("uppercl")].parse().unwrap(), &row[col("Area")]);
    }
}

fn level_of(text: &str) -> f64 {
    match text {
        "95%" => 0.95,
        "99.8%" => 0.998,
        other => panic!("unknown confidence {other}"),
    }
}

fn maybe(text: &str) -> Option<f64> {
    text.parse().ok()
}

fn close_opt(actual: Option<f64>, expected: Option<f64>, what: &str) {
    match (actual, expected) {
        (Some(a), Some(e)) => close(a, e, what),
        (None, None) => {}
        other => panic!("{what}: {other:?}"),
    }
}

#[test]
fn byar_and_wilson_match_phe_fixtures() {
    use safestat::stats::rates::byar;
    let (header, rows) = read_csv(&reference("phe/testdata_B_W.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in &rows {
        let x: f64 = row[col("x")].parse().unwrap();
        let level = level_of(&row[col("confidence")]);
        let what = format!("{row:?}");
        if row[col("method")] == "Byars" {
            let (lo, hi) = byar(x, level);
            close_opt(lo, maybe(&row[col("lowercl")]), &what);
            close(hi, row[col("uppercl")].parse().unwrap(), &what);
        } else {
            let p = wilson(x, row[col("n")].parse().unwrap(), level);
            close(p.lower, row[col("lowercl")].parse().unwrap(), &what);
            close(p.upper, row[col("uppercl")].parse().unwrap(), &what);
        }
    }
}

#[test]
fn crude_rates_match_phe_fixtures() {
    use safestat::stats::rates::{CountMethod, count_interval, crude_rate};
    let (header, rows) = read_csv(&reference("phe/testdata_Rate.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for row in &rows {
        let (Some(x), Some(n)) = (maybe(&row[col("Numerator")]), maybe(&row[col("Denominator")])) else {
            assert!(row[col("value")].is_empty());
            continue;
        };
        let m: f64 = row[col("multiplier")].parse().unwrap();
        let what = format!("{row:?}");
        let expected_method = if row[col("method")] == "Exact" { CountMethod::Exact } else { CountMethod::Byar };
        assert_eq!(count_interval(x, 0.95).2, expected_method, "{what}");
        for (level, lo, hi) in [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")] {
            let r = crude_rate(x, n, m, level);
            close(r.value, row[col("value")].parse().unwrap(), &what);
            close(r.lower.unwrap(), row[col(lo)].parse().unwrap(), &what);
            close(r.upper.unwrap(), row[col(hi)].parse().unwrap(), &what);
        }
        checked += 1;
    }
    assert_eq!(checked, 17);
}

/// (counts, populations) per area of the multi-area test data, in age-band order.
fn multiarea() -> std::collections::BTreeMap<String, (Vec<f64>, Vec<f64>)> {
    let (_, rows) = read_csv(&reference("phe/testdata_multiarea.csv"));
    let mut areas: std::collections::BTreeMap<String, (Vec<f64>, Vec<f64>)> = std::collections::BTreeMap::new();
    for row in rows {
        let entry = areas.entry(row[0].clone()).or_default();
        // One count is missing (NA); the package counts it as 0 (testdata_tiny's total is 9).
        entry.0.push(row[2].parse().unwrap_or(0.0));
        entry.1.push(row[3].parse().unwrap());
    }
    areas
}

#[test]
fn directly_standardised_rates_match_phe_fixtures() {
    use safestat::stats::rates::dsr;
    let weights: Vec<f64> = read_csv(&reference("phe/esp2013.csv")).1.iter().map(|r| r[1].parse().unwrap()).collect();
    let areas = multiarea();
    let (header, rows) = read_csv(&reference("phe/testresults_DSR.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for row in &rows {
        // Rows for areas without input data, and the non-independent-events variant (which needs
        // per-person event counts the fixtures do not hold), are not computable here.
        let Some((counts, pops)) = areas.get(&row[col("area")]) else { continue };
        if row[col("method")] != "Dobson" {
            continue;
        }
        let multiplier = if row[col("statistic")].ends_with("100000") { 100_000.0 } else { 10_000.0 };
        let what = format!("{row:?}");
        for (level, lo, hi) in [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")] {
            match dsr(counts, pops, &weights, multiplier, level) {
                None => assert!(row[col("value")].is_empty(), "{what}: not calculated below 10 events"),
                Some(r) => {
                    close(r.value, row[col("value")].parse().unwrap(), &what);
                    close(r.lower.unwrap(), row[col(lo)].parse().unwrap(), &what);
                    close(r.upper.unwrap(), row[col(hi)].parse().unwrap(), &what);
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn indirectly_standardised_ratios_match_phe_fixtures() {
    use safestat::stats::rates::{expected, isr};
    let (_, reference_rows) = read_csv(&reference("phe/refdata.csv"));
    let ref_counts: Vec<f64> = reference_rows.iter().map(|r| r[1].parse().unwrap()).collect();
    let ref_pops: Vec<f64> = reference_rows.iter().map(|r| r[2].parse().unwrap()).collect();
    let areas = multiarea();
    let (header, rows) = read_csv(&reference("phe/testresults_ISR.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for row in &rows {
        let Some((counts, pops)) = areas.get(&row[col("area")]) else { continue };
        let observed: f64 = counts.iter().sum();
        let e = expected(&ref_counts, &ref_pops, pops);
        let what = format!("{row:?}");
        close(observed, row[col("observed")].parse().unwrap(), &what);
        close(e, row[col("expected")].parse().unwrap(), &what);
        let statistic = &row[col("statistic")];
        let scale = if statistic.starts_with("indirectly standardised rate") {
            let multiplier: f64 = statistic.rsplit(' ').next().unwrap().parse().unwrap();
            let ref_rate = ref_counts.iter().sum::<f64>() / ref_pops.iter().sum::<f64>() * multiplier;
            close(ref_rate, row[col("ref_rate")].parse().unwrap(), &what);
            ref_rate
        } else {
            statistic.rsplit(' ').next().unwrap().parse().unwrap()
        };
        for (level, lo, hi) in [(0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")] {
            let r = isr(observed, e, level);
            close(scale * r.value, row[col("value")].parse().unwrap(), &what);
            close(scale * r.lower.unwrap(), row[col(lo)].parse().unwrap(), &what);
            close(scale * r.upper.unwrap(), row[col(hi)].parse().unwrap(), &what);
        }
        checked += 1;
    }
    assert_eq!(checked, 12);
}
