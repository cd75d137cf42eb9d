//! The sample release, byte for byte: the SHA-256 of every file that `safestat run` leaves in
//! `release/` and `private/`, as an insta snapshot. A change to any published or private byte
//! shows up here and must be reviewed (`cargo insta review`).
//!
//! Two things are normalised so the snapshot does not change with every version bump: the
//! version string ("safestat 0.1.0" becomes "safestat [version]" in pages and in the Parquet
//! files' `created_by`), and the manifest, which is compared without its `version` and its
//! `outputs` hashes (those hash the other files, which are compared one by one here, and
//! `safestat verify` checks them).

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::harness::{files_under, s, safestat_ok, sample_release};

fn normalised(rel: &str, bytes: &[u8]) -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION");
    if rel == "private/manifest.json" {
        let mut manifest: serde_json::Value = serde_json::from_slice(bytes).expect("manifest is JSON");
        let object = manifest.as_object_mut().expect("manifest is an object");
        assert_eq!(object.remove("version"), Some(serde_json::Value::from(version)));
        assert!(object.remove("outputs").is_some_and(|o| o.as_array().is_some_and(|a| !a.is_empty())));
        return serde_json::to_vec_pretty(&manifest).expect("encodes");
    }
    let needle = format!("safestat {version}").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(i) = rest.windows(needle.len()).position(|w| w == needle.as_slice()) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"safestat [version]");
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[test]
fn sample_release_is_byte_identical() {
    let out = sample_release();
    safestat_ok(&["verify", s(out)]);
    let mut digest = String::new();
    for folder in ["release", "private"] {
        let root = out.join(folder);
        for path in files_under(&root) {
            let rel = format!("{folder}/{}", path.strip_prefix(&root).expect("under root").to_string_lossy());
            let bytes = normalised(&rel, &std::fs::read(&path).expect("readable"));
            let _ = writeln!(digest, "{}  {rel}", hex(&Sha256::digest(&bytes)));
        }
    }
    insta::assert_snapshot!("sample_release_sha256", digest);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
