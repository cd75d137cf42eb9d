//! How often the published yearly intervals cover the generator's truth (issue #20): for 20
//! seeds, a borough-sized sample is generated, released with `safestat run`'s own code, and each
//! financial year's published 95% interval (`estimates_by_financial_year.csv`) is compared with
//! the victims whose exploitation overlaps that year (`truth.json`,
//! `children_by_financial_year`). The whole period's interval is compared with all victims.
//!
//! Run: `cargo bench --profile dev --bench yearly_coverage [-- SEEDS]` (default 20). Prints
//! figures; asserts nothing.

// A benchmark converts counts to floats for its figures.
#![allow(clippy::cast_precision_loss)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use safestat::config::Config;
use safestat::synth::{GenerateOptions, generate};

/// One seed's figures: per financial year (truth, published estimate and interval), and the
/// whole period's (truth, interval).
struct Outcome {
    years: Vec<(String, f64, [f64; 3])>,
    whole: (f64, [f64; 2]),
}

fn read_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("a published table");
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_string).collect();
    reader
        .records()
        .map(|r| header.iter().cloned().zip(r.expect("a row").iter().map(str::to_string)).collect())
        .collect()
}

fn number(row: &BTreeMap<String, String>, name: &str) -> Option<f64> {
    row.get(name).and_then(|v| v.parse().ok())
}

fn one_seed(seed: u64) -> Outcome {
    let dir = tempfile::tempdir().expect("a temp dir");
    let options = GenerateOptions { seed, children: 1_700, from: 1997, to: 2013, as_of: None };
    generate(&options, &dir.path().join("sample")).expect("generate");
    let config = Config::load(&dir.path().join("sample/release.toml")).expect("the sample's config");
    let out = dir.path().join("out");
    safestat::release::run(&config, &out).expect("a release");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sample/truth.json")).expect("truth.json"))
            .expect("truth.json is JSON");
    let by_year = &truth["children_by_financial_year"];
    let years = read_rows(&out.join("release/data/estimates_by_financial_year.csv"))
        .iter()
        .filter_map(|row| {
            let label = row.get("financial_year")?.clone();
            let start = label.get(..4)?;
            let values = [
                number(row, "estimated_children")?,
                number(row, "estimate_lower95")?,
                number(row, "estimate_upper95")?,
            ];
            Some((label.clone(), by_year[start].as_f64().unwrap_or(0.0), values))
        })
        .collect();
    let prevalence = read_rows(&out.join("release/data/prevalence.csv"));
    let all = prevalence.iter().find(|r| r.get("ethnicity_major").is_some_and(|g| g == "Total"));
    let whole = (
        truth["children"].as_f64().unwrap_or(0.0),
        [
            all.and_then(|r| number(r, "estimate_lower95")).unwrap_or(f64::NAN),
            all.and_then(|r| number(r, "estimate_upper95")).unwrap_or(f64::NAN),
        ],
    );
    Outcome { years, whole }
}

fn main() {
    let seeds: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20);
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let queue = Mutex::new((1..=seeds).collect::<Vec<u64>>());
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    // The guard is dropped here, before the seed runs.
                    let Some(seed) = queue.lock().expect("queue").pop() else { break };
                    let outcome = one_seed(seed);
                    results.lock().expect("results").insert(seed, outcome);
                }
            });
        }
    });
    let results = results.into_inner().expect("results");
    let (mut years, mut covered, mut below, mut ratio) = (0usize, 0usize, 0usize, 0.0);
    let mut whole_covered = 0usize;
    for (seed, outcome) in &results {
        let hits = outcome.years.iter().filter(|(_, t, [_, lo, hi])| lo <= t && t <= hi).count();
        let under = outcome.years.iter().filter(|(_, t, [_, _, hi])| hi < t).count();
        let (t, [lo, hi]) = outcome.whole;
        let whole = lo <= t && t <= hi;
        println!(
            "seed {seed:>2}: {hits:>2} of {:>2} years covered ({under} with the interval below the truth); \
             whole period {t:.0} in [{lo:.0}, {hi:.0}]: {}",
            outcome.years.len(),
            if whole { "covered" } else { "not covered" }
        );
        years += outcome.years.len();
        covered += hits;
        below += under;
        whole_covered += usize::from(whole);
        ratio += outcome.years.iter().map(|(_, t, [e, _, _])| e / t).sum::<f64>();
    }
    println!(
        "yearly 95% intervals: {covered} of {years} years cover the truth ({:.1}%); {below} lie below it; \
         mean estimate / truth {:.3}",
        100.0 * covered as f64 / years.max(1) as f64,
        ratio / years.max(1) as f64
    );
    println!("whole period: {whole_covered} of {} seeds covered", results.len());
}
