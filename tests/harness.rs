//! A small harness: run the real `safestat` binary, share one generated sample release across
//! tests, and read CSV files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/reference/<rel>`.
pub fn reference(rel: &str) -> PathBuf {
    repo().join("..").join("shared").join("reference").join(rel)
}

/// A fresh temporary folder that lives until the end of the test process.
pub fn temp_dir() -> PathBuf {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    std::mem::forget(dir);
    path
}

/// Run `safestat` with arguments.
pub fn safestat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_safestat")).args(args).output().expect("safestat runs")
}

/// Run `safestat`, panicking with its stderr if it fails.
pub fn safestat_ok(args: &[&str]) -> Output {
    let out = safestat(args);
    assert!(out.status.success(), "safestat {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Generate a sample into a new folder.
pub fn generate(seed: u64, children: u64) -> PathBuf {
    let dir = temp_dir();
    safestat_ok(&["generate", "--out", s(&dir), "--seed", &seed.to_string(), "--children", &children.to_string()]);
    dir
}

/// Run a release; returns the output folder and the process output.
pub fn run_release(config: &Path) -> (PathBuf, Output) {
    let out = temp_dir().join("out");
    let output = safestat(&["run", "--config", s(config), "--out", s(&out)]);
    (out, output)
}

/// The bundled sample's release, run once per test process.
pub fn sample_release() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let (out, output) = run_release(&repo().join("data-samples").join("release.toml"));
        assert!(output.status.success(), "sample release failed: {}", String::from_utf8_lossy(&output.stderr));
        out
    })
}

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Path as &str.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// A CSV file as a header and rows of strings.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().expect("header").iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect();
    (header, rows)
}

/// Every file under `root`, relative and sorted.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

/// A whole number written with thousands separators, as the pages write it (`1705` as `1,705`).
pub fn thousands(digits: &str) -> String {
    let digits = digits.trim();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
