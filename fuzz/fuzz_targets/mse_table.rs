//! Any bytes as an analyst's capture-history table (`safestat mse --table`): the estimates or an
//! error naming the file, never a panic; whatever it reports is no larger than the counts allow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safestat::analysis::mse::{ModelChoice, run};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("safestat-fuzz-mse-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("table.csv");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    // Both selections: from main effects, and from main effects with the heterogeneity term.
    let model = ModelChoice::Stepwise { heterogeneity: data.len() % 2 == 0 };
    if let Ok(report) = run(&path, &model, 0.02, 0.95, None) {
        assert!(report.n_observed <= 16.0 * 65_536.0 * 1e9, "observed beyond the largest counts");
    }
});
