//! Any bytes as a release configuration: parsing returns a configuration or an error naming the
//! problem, never panics. A configuration that parses has a period whose start is not after its
//! end and at least one source.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = std::env::temp_dir().join(format!("safestat-fuzz-config-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(config) = safestat::config::Config::parse(&dir.join("release.toml"), text) {
        assert!(config.period_from <= config.period_to);
        assert!(!config.sources.is_empty());
    }
});
