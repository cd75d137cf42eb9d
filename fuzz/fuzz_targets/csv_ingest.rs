//! Any bytes as an agency extract: ingest must return a report or a refusal, never panic, and
//! always reconcile (rows read = accepted + quarantined).
#![no_main]

use libfuzzer_sys::fuzz_target;
use safestat::config::Source;
use safestat::domain::date::Date;
use safestat::domain::Agency;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("safestat-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("police.csv");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let source = Source { agency: Agency::Police, path };
    let today = Date::parse_iso("2026-11-29").expect("valid date");
    if let Ok(report) = safestat::ingest::ingest_source(&source, &dir.join("dataset"), &dir.join("quarantine"), today) {
        assert_eq!(report.rows_read, report.accepted + report.quarantined);
    }
});
