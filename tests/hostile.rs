//! Hostile numbers (issue #26): counts at and past the largest count accepted reach every
//! command that reads counts, and each is refused with one line that names the file, line and
//! field (or says why a table has no estimate), writes nothing, and never panics.

use std::fmt::Write as _;
use std::path::Path;

use proptest::prelude::*;

use crate::harness::{s, safestat, temp_dir};

/// The largest count accepted (README, Input data).
const MAX: u64 = 1_000_000_000;

/// Counts that reach boundaries: zero, one, the threshold and one past it, the maximum and one
/// past it, 2^63 and the 64-bit limit.
const BOUNDARY: [u64; 8] = [0, 1, 5, 6, MAX, MAX + 1, 1 << 63, u64::MAX];

fn write_protect_case(dir: &Path, counts: &[u64]) {
    std::fs::write(
        dir.join("spec.toml"),
        "policy = \"uk-children\"\n\n[[dimension]]\nname = \"g\"\n\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n",
    )
    .unwrap();
    let mut cells = String::from("g,count\n");
    for (i, c) in counts.iter().enumerate() {
        let _ = writeln!(cells, "g{i},{c}");
    }
    std::fs::write(dir.join("cells.csv"), cells).unwrap();
}

fn protect(dir: &Path) -> std::process::Output {
    crate::protect::protect(dir, &dir.join("out"))
}

/// A refusal: exit 1, one line on stderr holding every `needle`, and no output folder.
fn assert_refused(output: &std::process::Output, out: Option<&Path>, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
    if let Some(out) = out {
        assert!(!out.exists(), "nothing may be written on a refusal");
    }
}

#[test]
fn protect_refuses_counts_past_the_maximum_naming_line_and_field() {
    for (counts, line) in [
        (vec![3, u64::MAX, 40], "line 3"),
        (vec![1 << 62, 1 << 62, 1 << 62, 1 << 62], "line 2"),
        (vec![7, 9, MAX + 1], "line 4"),
    ] {
        let dir = temp_dir();
        write_protect_case(&dir, &counts);
        assert_refused(&protect(&dir), Some(&dir.join("out")), &["cells.csv", line, "field `count`", "largest count"]);
    }
    // At the maximum the counts are protected and their total is exact, not wrapped.
    let dir = temp_dir();
    write_protect_case(&dir, &[MAX, MAX, MAX, 2]);
    let run = protect(&dir);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let table = std::fs::read_to_string(dir.join("out/t.csv")).unwrap();
    assert!(table.contains("g3,c"), "{table}");
    assert!(table.contains(&format!("Total,{}", 3 * MAX + 2)), "{table}");
}

#[test]
fn protect_refuses_a_column_that_is_neither_a_dimension_nor_count() {
    let dir = temp_dir();
    write_protect_case(&dir, &[10, 20]);
    std::fs::write(dir.join("cells.csv"), "g,region,count\ng0,north,10\ng1,south,20\n").unwrap();
    assert_refused(&protect(&dir), Some(&dir.join("out")), &["cells.csv", "column `region`", "neither a dimension"]);
}

/// Two tables (or dimensions) of one name: the second table's file would overwrite the first's,
/// and the output would fail its own audit (a `protect_spec` fuzz find). Refused, naming the
/// spec, the entry and the field.
#[test]
fn protect_refuses_two_tables_or_dimensions_of_one_name() {
    let dir = temp_dir();
    write_protect_case(&dir, &[10, 20]);
    let spec = "policy = \"uk-children\"\n\n[[dimension]]\nname = \"g\"\n\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n";
    std::fs::write(
        dir.join("spec.toml"),
        format!("{spec}\n[[table]]\nname = \"t\"\nhierarchies = {{ g = \"flat\" }}\n"),
    )
    .unwrap();
    // A spec error, like every other spec error: exit 2, one line, nothing written.
    let spec_refused = |needles: &[&str]| {
        let output = protect(&dir);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(needles.iter().all(|n| stderr.contains(n)), "{stderr}");
        assert!(!dir.join("out").exists());
    };
    spec_refused(&["spec.toml", "[[table]] number 2", "field `name`", "`t`"]);
    let twice = spec.replace("[[table]]", "[[dimension]]\nname = \"g\"\n\n[[table]]");
    std::fs::write(dir.join("spec.toml"), twice).unwrap();
    spec_refused(&["spec.toml", "[[dimension]] number 2", "field `name`"]);
}

/// A table nothing can protect (its only count is 1, and its total is that 1) is refused naming
/// the table and row, not an internal cell number.
#[test]
fn a_table_nothing_can_protect_is_refused_naming_its_row() {
    let dir = temp_dir();
    write_protect_case(&dir, &[0, 0, 1]);
    assert_refused(&protect(&dir), Some(&dir.join("out")), &["table `t`", "row `g2`", "cannot be protected"]);
    assert!(!String::from_utf8_lossy(&protect(&dir).stderr).contains("cell 2"));
}

fn mse(table: &Path) -> std::process::Output {
    safestat(&["mse", "--table", s(table)])
}

#[test]
fn mse_explains_tables_it_cannot_estimate_from_and_refuses_huge_counts() {
    let dir = temp_dir();
    let path = dir.join("table.csv");
    std::fs::write(&path, "A,count\n1,55\n").unwrap();
    assert_refused(&mse(&path), None, &["table.csv", "only 1 list", "two lists or more"]);
    std::fs::write(&path, "A,B,count\n1,0,40\n0,1,0\n1,1,0\n").unwrap();
    assert_refused(&mse(&path), None, &["table.csv", "only 1 list", "1 empty removed"]);
    std::fs::write(&path, "A,B,count\n1,0,0\n0,1,0\n1,1,0\n").unwrap();
    assert_refused(&mse(&path), None, &["table.csv", "nobody is counted"]);
    std::fs::write(&path, "A,B,count\n1,0,18446744073709551615\n0,1,3\n1,1,4\n").unwrap();
    assert_refused(&mse(&path), None, &["table.csv", "line 2", "field `count`", "largest count"]);
    std::fs::write(&path, "A,B,count\n1,0,30\n0,1,20\n1,1,0\n").unwrap();
    let run = crate::harness::safestat(&["mse", "--table", s(&path), "--format", "json"]);
    assert_eq!(run.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert!(json["chao_lower_bound"].is_null(), "{json}");
    assert!(json["warnings"].to_string().contains("nobody is on two lists"), "{json}");
    std::fs::write(&path, "nbcap,freq\n1000000000000000,3\n").unwrap();
    assert_refused(&mse(&path), None, &["table.csv", "line 2", "field `nbcap`"]);
}

#[test]
fn funnel_refuses_huge_numbers() {
    let dir = temp_dir();
    let input = dir.join("funnel.csv");
    std::fs::write(&input, "area,numerator,denominator\na,3,100\nb,4,1e300\n").unwrap();
    let out = dir.join("limits.csv");
    let run = safestat(&["funnel", "--input", s(&input), "--kind", "proportion", "--out", s(&out)]);
    assert_refused(&run, Some(&out), &["funnel.csv", "line 3", "field `denominator`", "largest count"]);
}

#[test]
fn a_population_past_the_maximum_is_refused_naming_line_and_field() {
    let dir = crate::harness::generate(3, 200);
    let path = dir.join("population.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines[1].rsplit_once(',').unwrap().0.to_string();
    lines[1] = format!("{last},{}", MAX + 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = dir.join("out");
    let run = safestat(&["run", "--config", s(&dir.join("release.toml")), "--out", s(&out)]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    for needle in ["population.csv", "line 2", "population", "largest count"] {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
    assert!(!out.join("release").exists());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any mix of boundary counts: `protect` and `mse` either answer or refuse with exit 1
    /// naming the field; neither panics (exit 101), and `mse` prints no number past ten digits
    /// (six counts of at most 10^9 observed; no estimate above 10^9 is given).
    #[test]
    fn boundary_counts_never_panic(picks in proptest::collection::vec(0..BOUNDARY.len(), 3..6)) {
        let counts: Vec<u64> = picks.iter().map(|&i| BOUNDARY[i]).collect();
        let dir = temp_dir();
        write_protect_case(&dir, &counts);
        let run = protect(&dir);
        let too_large = counts.iter().any(|&c| c > MAX);
        // A table whose only counts are tiny may be refused (nothing can protect it): exit 1 too.
        prop_assert!(matches!(run.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&run.stderr));
        if too_large {
            prop_assert_eq!(run.status.code(), Some(1));
            prop_assert!(String::from_utf8_lossy(&run.stderr).contains("field `count`"));
        }
        // The same counts as a three-list capture table.
        let path = dir.join("table.csv");
        let rows = ["1,0,0", "0,1,0", "0,0,1", "1,1,0", "1,0,1", "0,1,1"];
        let mut table = String::new();
        for (c, r) in counts.iter().zip(rows) {
            let _ = writeln!(table, "{r},{c}");
        }
        std::fs::write(&path, format!("A,B,C,count\n{table}")).unwrap();
        let run = mse(&path);
        prop_assert!(matches!(run.status.code(), Some(0 | 1)), "{:?}", run.status);
        if too_large {
            prop_assert_eq!(run.status.code(), Some(1));
        }
        let stdout = String::from_utf8_lossy(&run.stdout);
        let longest = stdout
            .split(|ch: char| !ch.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        prop_assert!(longest <= 10, "a number past the maximum was printed: {}", stdout);
    }
}
