//! Disclosure control against published cases (../shared/reference/sdc/audit_cases.json).

use safestat::disclosure::interval::{Constraint, Knowledge, feasible, rounding_existence_interval};
use safestat::disclosure::protection::protect_system;
use safestat::disclosure::system::{Status, SystemCell, protection};
use safestat::disclosure::{Policy, gauss};

use crate::harness::reference;

fn cases() -> serde_json::Value {
    crate::harness::read_json(&reference("sdc/audit_cases.json"))
}

/// Knowledge for a table with all margins published and the listed inner cells withheld.
fn knowledge(case: &serde_json::Value, suppressed: &[(String, String)]) -> (Knowledge, Vec<String>, Vec<String>) {
    let rows: Vec<String> = case["rows"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let cols: Vec<String> = case["cols"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let inner: Vec<Vec<i64>> = case["inner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect())
        .collect();
    let index = |r: usize, c: usize| r * cols.len() + c;
    let mut constraints = Vec::new();
    let exact = |cells: Vec<usize>, v: i64| Constraint { cells, lo: v, hi: v };
    for (r, row) in inner.iter().enumerate() {
        constraints.push(exact((0..cols.len()).map(|c| index(r, c)).collect(), row.iter().sum()));
        for (c, v) in row.iter().enumerate() {
            if !suppressed.contains(&(rows[r].clone(), cols[c].clone())) {
                constraints.push(exact(vec![index(r, c)], *v));
            }
        }
    }
    for c in 0..cols.len() {
        constraints.push(exact((0..rows.len()).map(|r| index(r, c)).collect(), inner.iter().map(|row| row[c]).sum()));
    }
    constraints.push(exact((0..rows.len() * cols.len()).collect(), inner.iter().flatten().sum()));
    let total: i64 = inner.iter().flatten().sum();
    (Knowledge { inner_cells: rows.len() * cols.len(), constraints, cap: total }, rows, cols)
}

fn pairs(list: &serde_json::Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect()
}

fn check_intervals(case: &serde_json::Value, suppressed: &[(String, String)], expected: &serde_json::Value) {
    let (k, rows, cols) = knowledge(case, suppressed);
    for (key, range) in expected.as_object().unwrap() {
        let (r, c) = key.split_once(',').unwrap();
        let target = rows.iter().position(|x| x == r).unwrap() * cols.len() + cols.iter().position(|x| x == c).unwrap();
        let want = (range[0].as_i64().unwrap(), range[1].as_i64().unwrap());
        assert_eq!(feasible(&k, &[target], &[]), Some(want), "{} {key}", case["name"]);
    }
}

#[test]
fn audit_intervals_match_the_published_cases() {
    let cases = cases();
    for case in cases["cases"].as_array().unwrap() {
        let suppressed = pairs(&case["suppressed"]);
        check_intervals(case, &suppressed, &case["expected_intervals"]);
        if let Some(extra) = case.get("with_extra_secondary") {
            let mut more = suppressed.clone();
            more.push((
                extra["extra"][0].as_str().unwrap().to_string(),
                extra["extra"][1].as_str().unwrap().to_string(),
            ));
            check_intervals(case, &more, &extra["expected_intervals"]);
        }
    }
}

#[test]
fn four_by_four_primaries_alone_are_disclosive_and_protect_makes_it_safe() {
    let cases = cases();
    let case = cases["cases"].as_array().unwrap().iter().find(|c| c["name"] == "sdctable_simpleheuristic_4x4").unwrap();
    let inner: Vec<u64> = case["inner"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
        .collect();
    // Primaries alone (only the 5 withheld): exactly recomputable from the margins.
    let (k, ..) = knowledge(case, &[("x".into(), "c".into())]);
    assert_eq!(feasible(&k, &[6], &[]), Some((5, 5)));
    // The system protection: every primary meets its protection interval, and is not derivable.
    let mut cells: Vec<SystemCell> = (0..16)
        .map(|i| SystemCell { inner: vec![i], publishable: true, earlier: None, protect_always: false })
        .collect();
    for r in 0..4 {
        cells.push(SystemCell {
            inner: (0..4).map(|c| r * 4 + c).collect(),
            publishable: true,
            earlier: None,
            protect_always: false,
        });
        cells.push(SystemCell {
            inner: (0..4).map(|c| c * 4 + r).collect(),
            publishable: true,
            earlier: None,
            protect_always: false,
        });
    }
    cells.push(SystemCell { inner: (0..16).collect(), publishable: true, earlier: None, protect_always: false });
    let out = protect_system(&inner, &cells, Policy::UkChildren).unwrap();
    let published: Vec<bool> = out.status.iter().map(|s| *s == Status::Published).collect();
    let vectors: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
    assert!(!gauss::derivable(&vectors, &published, 6).unwrap());
    assert!(out.status.iter().filter(|s| **s != Status::Published).count() >= 4);
    let a = &out.audits[0];
    assert!(a.interval.0 <= 4 && a.interval.1 >= 6 && a.interval.1 - a.interval.0 >= 5, "{:?}", a.interval);
}

#[test]
fn one_dimensional_and_rounding_rules() {
    let cases = cases();
    // OpenSAFELY's 1-D rule is one published way to protect a row with its total. The system
    // path (Gaussian elimination, LP audit) must protect the same primaries, publish the total,
    // and never withhold a cell the rule would publish.
    for rule in cases["one_dimensional_rules"].as_array().unwrap() {
        let values: Vec<u64> = rule["values"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let mut cells: Vec<SystemCell> = (0..values.len())
            .map(|i| SystemCell { inner: vec![i], publishable: true, earlier: None, protect_always: false })
            .collect();
        cells.push(SystemCell {
            inner: (0..values.len()).collect(),
            publishable: true,
            earlier: None,
            protect_always: false,
        });
        let out = protect_system(&values, &cells, Policy::UkChildren).unwrap();
        let withheld: Vec<u64> =
            (0..values.len()).filter(|&i| out.status[i] != Status::Published).map(|i| i as u64).collect();
        let by_rule: Vec<u64> =
            rule["suppressed_positions"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let primaries: Vec<u64> =
            (0..values.len()).filter(|&i| (1..=5).contains(&values[i])).map(|i| i as u64).collect();
        assert!(primaries.iter().all(|p| withheld.contains(p)), "{withheld:?}");
        assert!(withheld.iter().all(|w| by_rule.contains(w)), "withheld {withheld:?}, the rule withholds {by_rule:?}");
        assert_eq!(rule["total_published"].as_bool(), Some(out.status[values.len()] == Status::Published));
        let p = protection(Policy::UkChildren);
        for a in &out.audits {
            assert!(safestat::disclosure::interval::protected(a.value, a.interval, p), "{:?}", a.interval);
        }
        // The sum withheld besides the primaries exceeds the threshold (the group-sum rule).
        let sum: u64 = withheld.iter().map(|&i| values[i as usize]).sum();
        assert!(sum > 5, "withheld sum {sum}");
    }
    let rounding = &cases["rounding"];
    for pair in rounding[0]["pairs"].as_array().unwrap() {
        let v = pair[0].as_u64().unwrap();
        let shown = if (1..=Policy::Health.threshold()).contains(&v) {
            "c".to_string()
        } else {
            Policy::Health.round(v).to_string()
        };
        let expected = pair[1].as_str().map_or_else(|| pair[1].as_u64().unwrap().to_string(), str::to_string);
        assert_eq!(shown, expected, "{v}");
    }
    for case in rounding[1]["cases"].as_array().unwrap() {
        let (b, k, a) = (case["b"].as_i64().unwrap(), case["K"].as_i64().unwrap(), case["a"].as_i64().unwrap());
        let want = (case["interval"][0].as_i64().unwrap(), case["interval"][1].as_i64().unwrap());
        assert_eq!(rounding_existence_interval(a, b, k), want);
    }
}
