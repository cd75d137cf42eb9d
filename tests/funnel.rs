//! `safestat funnel`: limits and UK public-health significance labels.

use safestat::stats::proportion::wilson;
use safestat::stats::rates::byar;

use crate::harness::{read_csv, s, safestat, safestat_ok, temp_dir};

#[test]
fn proportion_funnel_uses_wilson_limits_around_the_overall_proportion() {
    let dir = temp_dir();
    let input = dir.join("in.csv");
    std::fs::write(&input, "area,numerator,denominator\nA,20,100\nB,5,100\nC,300,1000\nD,45.5,120\n").unwrap();
    let out = dir.join("out.csv");
    let svg = dir.join("funnel.svg");
    safestat_ok(&[
        "funnel",
        "--input",
        s(&input),
        "--kind",
        "proportion",
        "--out",
        s(&out),
        "--multiplier",
        "100",
        "--svg",
        s(&svg),
    ]);
    let (header, rows) = read_csv(&out);
    assert_eq!(header, ["area", "value", "lower95", "upper95", "lower998", "upper998", "significance"]);
    let p0 = 370.5 / 1320.0;
    let limits = wilson(p0 * 100.0, 100.0, 0.95);
    let parse = |v: &str| v.parse::<f64>().unwrap();
    assert!((parse(&rows[0][2]) - 100.0 * limits.lower).abs() < 1e-5);
    assert!((parse(&rows[0][3]) - 100.0 * limits.upper).abs() < 1e-5);
    let labels: Vec<&str> = rows.iter().map(|r| r[6].as_str()).collect();
    assert_eq!(labels, ["Low (0.025)", "Low (0.001)", "Not significant", "High (0.025)"]);
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("role=\"img\"") && svg.matches("<circle").count() == 4);
}

#[test]
fn ratio_funnel_compares_one_with_each_interval() {
    let dir = temp_dir();
    let input = dir.join("in.csv");
    std::fs::write(&input, "area,observed,expected\nA,5,10\nB,30,20\nC,100,98\nD,60,100\n").unwrap();
    let out = dir.join("out.csv");
    safestat_ok(&["funnel", "--input", s(&input), "--kind", "ratio", "--out", s(&out)]);
    let (_, rows) = read_csv(&out);
    let labels: Vec<&str> = rows.iter().map(|r| r[6].as_str()).collect();
    assert_eq!(labels, ["Not significant", "High (0.025)", "Not significant", "Low (0.001)"]);
    let (lo, hi) = byar(30.0, 0.95);
    assert!((rows[1][2].parse::<f64>().unwrap() - lo.unwrap() / 20.0).abs() < 1e-5);
    assert!((rows[1][3].parse::<f64>().unwrap() - hi / 20.0).abs() < 1e-5);
}

#[test]
fn bad_funnel_input_names_line_and_field() {
    let dir = temp_dir();
    let input = dir.join("in.csv");
    std::fs::write(&input, "area,numerator,denominator\nA,20,100\nB,x,100\n").unwrap();
    let output = safestat(&["funnel", "--input", s(&input), "--kind", "proportion", "--out", s(&dir.join("o.csv"))]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3") && stderr.contains("`numerator`"), "{stderr}");
}
