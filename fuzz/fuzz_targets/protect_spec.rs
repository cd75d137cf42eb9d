//! Any bytes as a `protect` spec and cells file (split at the first NUL byte): `protect` returns
//! an error naming the problem or a protected output, never panics; every output it writes passes
//! `audit` from its own files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (spec, cells) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let dir = std::env::temp_dir().join(format!("safestat-fuzz-protect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    let (spec_path, cells_path, out) = (dir.join("spec.toml"), dir.join("cells.csv"), dir.join("out"));
    if std::fs::write(&spec_path, spec).is_err() || std::fs::write(&cells_path, cells).is_err() {
        return;
    }
    let method = safestat::disclosure::system::Method::Auto;
    let written = safestat::disclosure::spec::protect(&cells_path, &spec_path, method)
        .and_then(|protected| safestat::output::protect::write(&out, &protected));
    if written.is_ok() {
        safestat::disclosure::audit::audit_output(&out).expect("a protected output passes its audit");
    }
});
