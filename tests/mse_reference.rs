//! Prevalence estimators against published results (../shared/reference/mse/expected.csv) and
//! the oracle-free properties of METHODS.md §6.

use safestat::analysis::capture_csv::{CaptureData, read};
use safestat::stats::mse::{
    CaptureTable, ModelError, chao_lower_bound, check, fit, fit_capture_count_model, lincoln_petersen,
    profile_likelihood, stepwise,
};
use safestat::synth::Rng;

use crate::harness::{read_csv, reference};

fn histories(dataset: &str) -> CaptureTable {
    match read(&reference(&format!("mse/{dataset}.csv"))).unwrap() {
        CaptureData::Histories(t) => t,
        CaptureData::Frequencies(_) => panic!("{dataset} is frequency data"),
    }
}

fn pairs_named(table: &CaptureTable, terms: &str) -> Vec<(usize, usize)> {
    terms
        .split('+')
        .map(str::trim)
        .filter(|t| t.contains(':'))
        .map(|t| {
            let (a, b) = t.split_once(':').unwrap();
            let idx = |name: &str| table.lists().iter().position(|l| l == name).unwrap();
            (idx(a), idx(b))
        })
        .collect()
}

fn near(actual: f64, expected: &str, tolerance: f64, what: &str) {
    let expected: f64 = expected.parse().unwrap();
    assert!((actual - expected).abs() <= tolerance, "{what}: {actual:.3} vs {expected}");
}

#[test]
fn reproduces_every_published_estimate() {
    let (header, rows) = read_csv(&reference("mse/expected.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 10);
    for row in &rows {
        let (dataset, method, terms, ci) =
            (&row[col("dataset")], &row[col("method")], &row[col("model_terms")], &row[col("ci_method")]);
        let what = format!("{dataset} / {method}");
        if dataset.ends_with("_freq") {
            let CaptureData::Frequencies(f) = read(&reference(&format!("mse/{dataset}.csv"))).unwrap() else {
                panic!()
            };
            let n: f64 = f.iter().sum();
            near(n, &row[col("n_observed")], 0.0, &what);
            let est = chao_lower_bound(n, f[1], f[2], 0.95);
            near(est.point, &row[col("N_poisson")], 0.05, &what);
            near(est.lower, &row[col("lower95")], 0.05, &what);
            near(est.upper, &row[col("upper95")], 0.05, &what);
            continue;
        }
        let table = histories(dataset);
        near(table.n_observed(), &row[col("n_observed")], 0.0, &what);
        let model = if method.starts_with("SparseMSE stepwise") {
            let f = stepwise(&table, 0.02).unwrap();
            assert_eq!(f.pairs, pairs_named(&table, terms), "{what}: chosen model");
            f
        } else if terms.starts_with("nbcap") {
            let etas: Vec<usize> = if terms.contains("eta3") { vec![3] } else { vec![] };
            fit_capture_count_model(&table, &etas).unwrap()
        } else {
            fit(&table, &pairs_named(&table, terms)).unwrap()
        };
        near(model.n_poisson(), &row[col("N_poisson")], 0.05, &what);
        if ci.starts_with("profile likelihood") {
            let p = profile_likelihood(&model, 0.95).unwrap();
            near(p.point, &row[col("N_reported")], 0.05, &what);
            near(p.lower, &row[col("lower95")], 0.5, &what);
            near(p.upper, &row[col("upper95")], 0.5, &what);
        } else {
            let (lo, hi) = model.lognormal_interval(0.95);
            near(model.n_poisson(), &row[col("N_reported")], 0.05, &what);
            near(lo, &row[col("lower95")], 0.05, &what);
            near(hi, &row[col("upper95")], 0.05, &what);
        }
    }
}

#[test]
fn artificial_three_lists_existence_and_identifiability() {
    let t = histories("artificial_3lists");
    let (ab, ac, bc) = ((0, 1), (0, 2), (1, 2));
    assert!(matches!(check(&t, &[ab]), Err(ModelError::NoEstimate { .. })));
    assert!(matches!(check(&t, &[ab, ac]), Err(ModelError::NoEstimate { .. } | ModelError::NotIdentifiable { .. })));
    assert!(matches!(check(&t, &[ab, ac, bc]), Err(ModelError::NotIdentifiable { .. })));
    assert_eq!(check(&t, &[ac, bc]), Ok(()));
    assert_eq!(check(&t, &[]), Ok(()));
    let err = fit(&t, &[ab]).unwrap_err().to_string();
    assert!(err.contains("A:B") && err.contains("no finite estimate"), "{err}");
}

fn rome_permuted(order: &[usize]) -> CaptureTable {
    let t = histories("rome_hiv_4lists");
    let mut counts = vec![0.0; 16];
    for mask in 1..16usize {
        let new_mask = order.iter().enumerate().fold(0, |acc, (new, &old)| acc | ((mask >> old & 1) << new));
        counts[new_mask] = t.count(mask);
    }
    CaptureTable::new(order.iter().map(|&i| t.lists()[i].clone()).collect(), counts).unwrap()
}

#[test]
fn permuting_lists_changes_nothing() {
    let base = fit(&rome_permuted(&[0, 1, 2, 3]), &[(0, 1)]).unwrap();
    let perm = rome_permuted(&[3, 1, 0, 2]); // c1 is now index 2, c2 index 1
    let permuted = fit(&perm, &[(1, 2)]).unwrap();
    assert!((base.n_poisson() - permuted.n_poisson()).abs() < 1e-6);
    let (a, b) = (base.lognormal_interval(0.95), permuted.lognormal_interval(0.95));
    assert!((a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6);
    let (pa, pb) = (profile_likelihood(&base, 0.95).unwrap(), profile_likelihood(&permuted, 0.95).unwrap());
    assert!((pa.lower - pb.lower).abs() < 1e-3 && (pa.upper - pb.upper).abs() < 1e-3);
    let sa = stepwise(&rome_permuted(&[0, 1, 2, 3]), 0.02).unwrap();
    let sb = stepwise(&perm, 0.02).unwrap();
    assert!((sa.n_poisson() - sb.n_poisson()).abs() < 1e-6);
}

#[test]
fn scaling_counts_scales_the_dark_figure() {
    let t = histories("new_orleans_5lists");
    let scaled = CaptureTable::new(t.lists().to_vec(), (0..32).map(|m| 3.0 * t.count(m)).collect()).unwrap();
    let (a, b) = (fit(&t, &[]).unwrap(), fit(&scaled, &[]).unwrap());
    assert!((3.0 * a.dark_figure() - b.dark_figure()).abs() < 1e-6 * b.dark_figure());
}

#[test]
fn two_lists_equal_lincoln_petersen_and_bounds_hold() {
    let mut rng = Rng::new(99);
    for _ in 0..50 {
        let (a, b, ab) = (1 + rng.below(60), 1 + rng.below(60), 1 + rng.below(30));
        let t = CaptureTable::new(vec!["A".into(), "B".into()], vec![0.0, a as f64, b as f64, ab as f64]).unwrap();
        let f = fit(&t, &[]).unwrap();
        let lp = lincoln_petersen((a + ab) as f64, (b + ab) as f64, ab as f64).unwrap();
        assert!((f.n_poisson() - lp).abs() < 1e-6 * lp);
        let n = t.n_observed();
        let (lo, _) = f.lognormal_interval(0.95);
        let p = profile_likelihood(&f, 0.95).unwrap();
        assert!(f.n_poisson() >= n && lo >= n && p.lower >= n && p.point >= n);
        assert!(p.lower <= p.point && p.point <= p.upper);
        let c = chao_lower_bound(n, (a + b) as f64, ab as f64, 0.95);
        assert!(c.point >= n && c.lower >= n);
    }
}

/// Simulate independent lists with known N and count how often the 95% interval covers N.
#[test]
fn profile_interval_covers_the_truth_at_about_the_nominal_rate() {
    let mut rng = Rng::new(2014);
    let (truth, probs) = (400u64, [0.25, 0.2, 0.3]);
    let simulations = 200;
    let mut covered = 0;
    for _ in 0..simulations {
        let mut counts = vec![0.0; 8];
        for _ in 0..truth {
            let mask = (0..3).fold(0, |acc, j| acc | (usize::from(rng.bernoulli(probs[j])) << j));
            if mask != 0 {
                counts[mask] += 1.0;
            }
        }
        let t = CaptureTable::new(vec!["A".into(), "B".into(), "C".into()], counts).unwrap();
        let f = fit(&t, &[]).unwrap();
        let p = profile_likelihood(&f, 0.95).unwrap();
        covered += usize::from(p.lower <= truth as f64 && truth as f64 <= p.upper);
    }
    let coverage = covered as f64 / f64::from(simulations);
    println!("profile-likelihood 95% interval coverage over {simulations} populations: {coverage:.3}");
    assert!((0.90..=0.99).contains(&coverage), "coverage {coverage}");
}

#[test]
fn mse_command_json_has_the_documented_keys() {
    let table = reference("mse/new_orleans_8lists.csv");
    let out = crate::harness::safestat_ok(&["mse", "--table", crate::harness::s(&table), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "n_observed",
        "lists",
        "model",
        "n_poisson",
        "n_profile",
        "ci_profile",
        "ci_lognormal",
        "aic",
        "chao_lower_bound",
        "warnings",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["model"], serde_json::json!(["D:E"]));
    assert!((json["n_poisson"].as_f64().unwrap() - 1183.7).abs() < 0.05);
    let refused = crate::harness::safestat(&[
        "mse",
        "--table",
        crate::harness::s(&reference("mse/artificial_3lists.csv")),
        "--model",
        "A:B",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert!(json["n_poisson"].is_null());
    assert!(json["warnings"][0].as_str().unwrap().contains("A:B"), "{json}");
}
