//! The sample release in real Chromium (Debian's `chromium`, driven by playwright-core): every
//! page loads from the file system with no console error and no request; every SVG text lies
//! inside its chart and overlaps no other; every `<details>` section opens; axe-core finds no
//! moderate or worse accessibility violation. Screenshots go to `target/tmp/browser-screenshots`.
//! A page made to break each rule shows that the checks can fail.
//!
//! `.ci/run` installs Chromium and the npm packages, so under CI a missing browser is a failure;
//! on a developer machine without them the test says so and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{files_under, repo, sample_release};

/// Whether Chromium and the npm packages are here (they must be under CI).
fn browser_ready(checks: &Path) -> bool {
    let ready = Path::new("/usr/bin/chromium").exists()
        && checks.join("node_modules").join("playwright-core").exists()
        && Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have /usr/bin/chromium, node and tests/browser/node_modules (.ci/run installs them)"
        );
        eprintln!("browser checks skipped: install chromium and run `npm ci --prefix tests/browser`");
    }
    ready
}

/// Run check.mjs over the pages under `dir`; its JSON report and whether it passed.
fn check_pages(dir: &Path, shots: &Path) -> (serde_json::Value, bool) {
    let checks = repo().join("tests").join("browser");
    let output = Command::new("node").arg(checks.join("check.mjs")).arg(dir).arg(shots).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let passed = output.status.success() && report["ok"] == true;
    (report, passed)
}

#[test]
fn release_pages_pass_in_real_chromium() {
    if !browser_ready(&repo().join("tests").join("browser")) {
        return;
    }
    let release = sample_release().join("release");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    // The folder outlives the run (a cached target directory): screenshots of an earlier run's
    // pages must not be counted.
    if shots.exists() {
        std::fs::remove_dir_all(&shots).unwrap();
    }
    let (report, passed) = check_pages(&release, &shots);
    assert!(passed, "{report:#}");
    let html = files_under(&release).iter().filter(|p| p.extension().is_some_and(|e| e == "html")).count();
    let pages = report["pages"].as_array().unwrap();
    assert_eq!(pages.len(), html);
    assert!(html >= 5, "index, methodology, data guidance and community pages");
    assert_eq!(std::fs::read_dir(&shots).unwrap().count(), html, "one screenshot per page");
    let index = pages.iter().find(|p| p["page"] == "index.html").unwrap();
    // About, the findings, summaries, and every table (with the charts' data tables).
    assert!(index["sections"].as_u64().unwrap() >= 4 + 14, "{index:#}");
    assert!(index["svgTexts"].as_u64().unwrap() > 40, "the charts' labels were checked: {index:#}");
}

/// The checks fail on a page whose chart labels overlap or leave the chart, and whose section
/// does not show its content when opened.
#[test]
fn the_browser_checks_can_fail() {
    if !browser_ready(&repo().join("tests").join("browser")) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-broken");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("broken.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Broken</title></head><body><main>\
         <h1>Broken</h1><svg id=\"c\" viewBox=\"0 0 200 100\" width=\"200\" height=\"100\" role=\"img\" aria-label=\"c\">\
         <text x=\"10\" y=\"50\">first label</text><text x=\"14\" y=\"52\">second label</text>\
         <text x=\"190\" y=\"20\">outside</text></svg>\
         <details><summary>Section</summary><div style=\"display:none\">hidden content</div></details></main></body></html>",
    )
    .unwrap();
    let (report, passed) = check_pages(&dir, &dir.join("shots"));
    assert!(!passed, "{report:#}");
    let page = &report["pages"][0];
    let problems: Vec<&str> = page["textProblems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(problems.iter().any(|p| p.contains("overlaps")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("\"outside\" is outside")), "{problems:?}");
    assert_eq!(page["unopened"].as_array().unwrap().len(), 1, "{page:#}");
    // Its details has no print style of its own: base.html's rule is what prints sections open.
    assert_eq!(page["printedClosed"].as_array().unwrap().len(), 1, "{page:#}");
}

/// The analyst report in Chromium: its charts' labels inside their boxes and apart, axe clean,
/// and its warnings section lists every warning `estimates.json` holds.
#[test]
fn analyst_report_passes_in_real_chromium_and_lists_every_warning() {
    if !browser_ready(&repo().join("tests").join("browser")) {
        return;
    }
    let private = sample_release().join("private");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("analyst-screenshots");
    let (report, passed) = check_pages(&private, &shots);
    assert!(passed, "{report:#}");
    let page = &report["pages"][0];
    assert_eq!(page["page"], "analyst.html");
    assert!(page["svgTexts"].as_u64().unwrap() > 20, "the charts were checked: {page:#}");
    let estimates = crate::harness::read_json(&private.join("estimates.json"));
    let expected: Vec<String> =
        estimates["warnings"].as_array().unwrap().iter().map(|w| w["message"].as_str().unwrap().to_string()).collect();
    let html = scraper::Html::parse_document(&std::fs::read_to_string(private.join("analyst.html")).unwrap());
    let items = scraper::Selector::parse("ul.warnings li").unwrap();
    let shown: Vec<String> = html.select(&items).map(|li| li.text().collect::<String>()).collect();
    assert_eq!(shown.len(), expected.len(), "{shown:#?}");
    for (item, message) in shown.iter().zip(&expected) {
        assert!(item.starts_with(message.as_str()), "{item} / {message}");
    }
}
