//! Issue 10: the same release on Apache DataFusion Ballista. Tests that need Ballista run with
//! `--features distributed` (the README's test command); the others check what a build without
//! it says.

#[cfg(feature = "distributed")]
use std::path::Path;

#[cfg(feature = "distributed")]
use crate::harness::files_under;
use crate::harness::{repo, s, safestat, temp_dir};

/// Every file of two outputs (release/ and private/) is byte-identical.
#[cfg(feature = "distributed")]
fn assert_identical_outputs(expected: &Path, actual: &Path) {
    let files = files_under(expected);
    assert!(files.len() >= 20, "{files:?}");
    let actual_files = files_under(actual);
    let relative = |root: &Path, files: &[std::path::PathBuf]| -> Vec<std::path::PathBuf> {
        files.iter().map(|f| f.strip_prefix(root).unwrap().to_path_buf()).collect()
    };
    assert_eq!(relative(expected, &files), relative(actual, &actual_files));
    for file in files {
        let rel = file.strip_prefix(expected).unwrap();
        assert!(std::fs::read(&file).unwrap() == std::fs::read(actual.join(rel)).unwrap(), "{} differs", rel.display());
    }
}

#[cfg(feature = "distributed")]
#[test]
fn standalone_ballista_gives_the_local_release_byte_for_byte() {
    let local = crate::harness::sample_release();
    let out = temp_dir().join("out");
    let config = repo().join("data-samples").join("release.toml");
    let output = safestat(&["run", "--config", s(&config), "--out", s(&out), "--engine", "ballista-standalone"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("running the queries on Ballista (ballista-standalone)"), "{stderr}");
    assert_identical_outputs(local, &out);
}

#[cfg(feature = "distributed")]
#[test]
fn cluster_demo_script_gives_the_local_release_and_stops_its_processes() {
    let work = temp_dir();
    let output = std::process::Command::new("bash")
        .arg(repo().join("scripts/cluster-demo.sh"))
        .arg(&work)
        .env("SAFESTAT", env!("CARGO_BIN_EXE_safestat"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("identical:"), "{stdout}");
    // The script's own comparison, repeated here so this test does not trust the script.
    assert_identical_outputs(&work.join("local"), &work.join("cluster"));
    // The cluster really ran the queries: both executors registered and the run said so.
    let scheduler_log = std::fs::read_to_string(work.join("scheduler.log")).unwrap();
    assert!(scheduler_log.contains("Ballista scheduler listening on 127.0.0.1:"), "{scheduler_log}");
    // Everything the script started has stopped.
    let pids = std::fs::read_to_string(work.join("pids")).unwrap();
    assert_eq!(pids.lines().count(), 3);
    for pid in pids.lines() {
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "process {pid} is still running");
    }
}

#[cfg(feature = "distributed")]
#[test]
fn an_unreachable_scheduler_is_one_clear_error_and_nothing_is_published() {
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = temp_dir().join("out");
    let config = repo().join("data-samples").join("release.toml");
    let engine = format!("ballista://127.0.0.1:{port}");
    let output = safestat(&["run", "--config", s(&config), "--out", s(&out), "--engine", &engine]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("no Ballista scheduler answers at df://127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("safestat scheduler"), "{stderr}");
    assert!(!out.join("release").exists());
}

#[cfg(not(feature = "distributed"))]
#[test]
fn a_build_without_ballista_says_how_to_get_it() {
    let out = temp_dir().join("out");
    let config = repo().join("data-samples").join("release.toml");
    for engine in ["ballista-standalone", "ballista://127.0.0.1:50050"] {
        let output = safestat(&["run", "--config", s(&config), "--out", s(&out), "--engine", engine]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--features distributed"), "{stderr}");
        assert!(!out.join("release").exists());
    }
}

#[test]
fn a_bad_engine_value_is_refused_before_anything_runs() {
    let out = temp_dir().join("out");
    let config = repo().join("data-samples").join("release.toml");
    let output = safestat(&["run", "--config", s(&config), "--out", s(&out), "--engine", "spark://host"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--engine") && stderr.contains("ballista-standalone"), "{stderr}");
    assert!(!out.exists());
}
