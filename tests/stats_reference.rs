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
