//! The annual series (issue #20): every run leaves its state for the next release, and an
//! earlier release's folder is refused, naming the file and what differs, unless it is of the
//! same series and earlier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safestat::config::Config;
use safestat::disclosure::series::{ReleaseState, STATE_FILE};

use crate::harness::{read_csv, read_json, run_release, s, safestat_ok, sample_release, temp_dir};

/// A release of seed 21's extract as of `as_of` (its period ends the calendar year before).
fn release_as_of(as_of: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir();
    safestat_ok(&["generate", "--out", s(&dir), "--seed", "21", "--children", "600", "--as-of", as_of]);
    let (out, output) = run_release(&dir.join("release.toml"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (dir, out)
}

fn header(dir: &Path) -> safestat::disclosure::series::SeriesHeader {
    safestat::release::series_header(&Config::load(&dir.join("release.toml")).unwrap())
}

#[test]
fn a_release_leaves_its_published_figures_and_true_cells_for_the_next() {
    let out = sample_release();
    let state: ReleaseState = serde_json::from_value(read_json(&out.join(STATE_FILE))).unwrap();
    let manifest = read_json(&out.join("private/manifest.json"));
    assert!(manifest["outputs"].as_array().unwrap().iter().any(|e| e["file"] == STATE_FILE));
    assert!(!out.join("release/series").exists(), "the state is private");
    // Each count once, where it is first shown: every figure is a number its open-data file
    // shows, and the first table's figures are all it shows.
    let mut figures: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for f in &state.figures {
        assert_eq!(f.bounds, (f.published, f.published), "uk-children publishes exact counts");
        figures.entry((f.table.clone(), f.column.clone())).or_default().push(f.published);
    }
    assert!(figures.len() >= 10, "{:?}", figures.keys());
    assert!(!figures.keys().any(|(t, _)| t == "prevalence"), "the estimate table repeats counts");
    for ((table, column), mut values) in figures {
        let (header, rows) = read_csv(&out.join(format!("release/data/{table}.csv")));
        let c = header.iter().position(|h| *h == column).unwrap();
        let mut shown: Vec<u64> = rows.iter().filter_map(|r| r[c].parse().ok()).collect();
        shown.sort_unstable();
        values.sort_unstable();
        if table == "children_by_year" {
            assert_eq!(values, shown, "{table}.{column}");
        }
        for v in values {
            let at = shown.iter().position(|&x| x == v).unwrap_or_else(|| panic!("{table}.{column}: {v}"));
            shown.remove(at);
        }
    }
    // The true inner cells add up to the published total.
    let (header, rows) = read_csv(&out.join("release/data/children_by_year.csv"));
    let c = header.iter().position(|h| h == "children").unwrap();
    let total: u64 = rows.last().unwrap()[c].parse().unwrap();
    assert_eq!(state.inner_cells.iter().map(|c| c.children).sum::<u64>(), total);
    assert!(state.inner_cells.iter().any(|c| (1..=5).contains(&c.children)), "true small counts stay private");
}

#[test]
fn an_earlier_folder_must_be_of_the_same_series_whole_and_earlier() {
    let (dir12, out12) = release_as_of("2012-03-31");
    let (dir13, out13) = release_as_of("2013-03-31");
    let now = header(&dir13);
    let state = ReleaseState::load_earlier(&out12, &now).unwrap().state;
    assert_eq!(state.header.period_to, "2011-12-31");
    assert_eq!(header(&dir12), state.header);

    let refusal = |dir: &Path, current: &safestat::disclosure::series::SeriesHeader| {
        ReleaseState::load_earlier(dir, current).expect_err("refused").to_string()
    };
    // Not earlier: the release itself.
    let message = refusal(&out13, &now);
    assert!(message.contains("state.json") && message.contains("period_to"), "{message}");
    // Another area or policy.
    let other_area = safestat::disclosure::series::SeriesHeader { area_code: "E08000019".into(), ..now.clone() };
    assert!(refusal(&out12, &other_area).contains("header.area_code"));
    let other_policy = safestat::disclosure::series::SeriesHeader { policy: "health".into(), ..now.clone() };
    assert!(refusal(&out12, &other_policy).contains("header.policy"));
    let other_contract = safestat::disclosure::series::SeriesHeader { contract_sha256: "0".repeat(64), ..now.clone() };
    assert!(refusal(&out12, &other_contract).contains("header.contract_sha256"));
    // A state changed after its release, or missing; a folder that is no release.
    let copy = temp_dir().join("copy");
    copy_dir(&out12, &copy);
    let path = copy.join(STATE_FILE);
    let text = std::fs::read_to_string(&path).unwrap().replacen("\"published\": ", "\"published\": 1", 1);
    std::fs::write(&path, text).unwrap();
    let message = refusal(&copy, &now);
    assert!(message.contains("state.json") && message.contains("differs from the hash"), "{message}");
    std::fs::remove_file(&path).unwrap();
    assert!(refusal(&copy, &now).contains("is missing"));
    assert!(refusal(&dir12, &now).contains("manifest"), "the extract folder is no release");
}

fn copy_dir(from: &Path, to: &Path) {
    for file in crate::harness::files_under(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

/// Per calendar year of first referral, the children of an extract (`dir`, as `generate` wrote
/// it) whose first referral in the period falls in it: computed from the agency files alone.
fn children_by_first_year(dir: &Path) -> BTreeMap<i32, u64> {
    let config = Config::load(&dir.join("release.toml")).unwrap();
    let (from, to) = (config.period_from.to_string(), config.period_to.to_string());
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for source in &config.sources {
        let (header, rows) = read_csv(&source.path);
        let (pid, date) = (
            header.iter().position(|h| h == "child_pid").unwrap(),
            header.iter().position(|h| h == "referral_date").unwrap(),
        );
        for r in rows.iter().filter(|r| r[date] >= from && r[date] <= to) {
            let entry = first.entry(r[pid].clone()).or_insert_with(|| r[date].clone());
            if r[date] < *entry {
                entry.clone_from(&r[date]);
            }
        }
    }
    let mut by_year = BTreeMap::new();
    for date in first.values() {
        *by_year.entry(date[..4].parse().unwrap()).or_insert(0) += 1;
    }
    by_year
}

/// Seed 21's extracts as of 31 March 2012 and 2013 (`generate` options `options` besides), the
/// second run with `--earlier` on the first: (extracts, outputs).
fn two_releases(options: &[&str]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let root = temp_dir();
    let (mut extracts, mut outs): (Vec<PathBuf>, Vec<PathBuf>) = (Vec::new(), Vec::new());
    for year in [2012, 2013] {
        let dir = root.join(format!("extract-{year}"));
        let as_of = format!("{year}-03-31");
        let mut args = vec!["generate", "--out", s(&dir), "--seed", "21", "--as-of", &as_of];
        args.extend(options);
        safestat_ok(&args);
        let out = root.join(format!("out-{year}"));
        let config = dir.join("release.toml");
        let mut args = vec!["run", "--config", s(&config), "--out", s(&out), "--quiet"];
        if let Some(earlier) = outs.last() {
            args.extend(["--earlier", s(earlier)]);
        }
        safestat_ok(&args);
        extracts.push(dir);
        outs.push(out);
    }
    (extracts, outs)
}

#[test]
fn the_revisions_table_shows_the_true_revisions_and_withholds_small_ones() {
    let (extracts, outs) = two_releases(&["--children", "1200", "--from", "2009"]);
    assert!(!outs[0].join("release/data/revisions.csv").exists(), "no revisions without an earlier release");
    assert!(!std::fs::read_to_string(outs[0].join("release/index.html")).unwrap().contains("Revisions since"));
    let (then, now) = (children_by_first_year(&extracts[0]), children_by_first_year(&extracts[1]));
    let (header, rows) = read_csv(&outs[1].join("release/data/revisions.csv"));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (year, last, current, revision) =
        (column("first_referral_year"), column("children_last_release"), column("children"), column("revision"));
    let years: Vec<i32> = rows.iter().map(|r| r[year].parse().unwrap()).collect();
    assert_eq!(years, then.keys().copied().collect::<Vec<_>>(), "one row per year the last release covered");
    let (mut shown, mut small) = (0, 0);
    for r in &rows {
        let y: i32 = r[year].parse().unwrap();
        let truth = i64::try_from(now[&y]).unwrap() - i64::try_from(then[&y]).unwrap();
        if let (Ok(a), Ok(b)) = (r[last].parse::<i64>(), r[current].parse::<i64>()) {
            assert_eq!((a, b), (i64::try_from(then[&y]).unwrap(), i64::try_from(now[&y]).unwrap()), "{y}");
            assert_eq!(r[revision].parse::<i64>().unwrap(), truth, "{y}");
            shown += 1;
        } else {
            assert_eq!(r[revision], "c", "{y}: a revision is shown only beside both counts");
        }
        if (1..=5).contains(&truth.abs()) {
            assert_eq!(r[current], "c", "{y}: a revision of {truth} children is withheld");
            small += 1;
        }
    }
    assert!(shown > 0 && small > 0, "the series shows {shown} revisions and withholds {small} small ones");
    // The release's hidden complements include those between its own nested figures.
    let log = read_json(&outs[1].join("private/disclosure-log.json"));
    let nested = log["series"]["nested_complements"].as_u64().expect("nested_complements in the series record");
    assert!(log["hidden_complements"].as_u64().unwrap() >= nested, "{log}");
    let page = std::fs::read_to_string(outs[1].join("release/index.html")).unwrap();
    assert!(
        page.contains("Revisions since the last release") && page.contains("The last release covered 2009 to 2011")
    );
}

/// A revision whose children have few partners across the earlier release: seed 21 at 20,000
/// children, released as of 31 March 2012 and then 2013. The second release's first cycle
/// search finds no certificate for a revised figure (the run was refused before the deeper
/// searches); a deeper search protects it, and the release's own audit of the whole series'
/// system holds.
#[test]
fn a_revision_the_first_cycle_search_cannot_hide_is_protected_by_a_deeper_one() {
    let (_, outs) = two_releases(&["--children", "20000"]);
    let log = read_json(&outs[1].join("private/disclosure-log.json"));
    assert_eq!(log["method"], "hypercube");
    assert!(log["deeper_searches"].as_u64().unwrap() >= 1, "{}", log["deeper_searches"]);
    assert_eq!(log["pass"], true);
    assert!(log["series"]["revisions_protected"].as_u64().unwrap() > 0, "{}", log["series"]);
    // No figure of the first release is published again differing by 1..5.
    let state = crate::series_audit::state;
    let (then, now) = (state(&outs[0]), state(&outs[1]));
    let earlier: BTreeMap<_, _> = then.figures.iter().map(|f| ((&f.table, &f.code, &f.column), f.published)).collect();
    let mut again = 0;
    for f in &now.figures {
        if let Some(&before) = earlier.get(&(&f.table, &f.code, &f.column)) {
            assert!(!(1..=5).contains(&before.abs_diff(f.published)), "{} {} {}", f.table, f.code, f.column);
            again += 1;
        }
    }
    assert!(again > 50, "{again} figures published in both releases");
    safestat_ok(&["audit", s(&outs[1])]);
}
