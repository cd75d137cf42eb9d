//! Any bytes as a funnel-plot input (`safestat funnel`), as proportions and as ratios: limits or
//! an error naming the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safestat::analysis::funnel::{Kind, compute};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("safestat-fuzz-funnel-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("funnel.csv");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for kind in [Kind::Proportion, Kind::Ratio] {
        let _ = compute(&path, kind, 100.0);
    }
});
