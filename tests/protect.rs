//! `safestat protect` and `safestat audit`: random tables with hierarchies and linked tables are
//! protected so that every primary meets its protection interval under the LP audit, every
//! witness verifies (the audit re-checks both from the published files), and no published count
//! is in 1..T.

use std::fmt::Write as _;
use std::path::Path;

use safestat::stats::rng::Rng;

use crate::harness::{read_csv, s, safestat, safestat_ok, temp_dir};

/// A random spec and cells file: 1 to 3 dimensions of 2 to 4 leaves, some with a two-group
/// hierarchy, and 1 or 2 tables over them (linked through shared margins).
fn random_case(rng: &mut Rng, dir: &Path) {
    let dims = 1 + rng.below(3) as usize;
    let mut spec = String::from("policy = \"uk-children\"\n");
    let mut leaves: Vec<Vec<String>> = Vec::new();
    let mut hierarchies: Vec<Option<String>> = Vec::new();
    for d in 0..dims {
        // Up to 4 leaves, 3 in three-dimensional cases (keeps the LP audit quick in the suite).
        let n = 2 + rng.below(if dims == 3 { 2 } else { 3 }) as usize;
        let names: Vec<String> = (0..n).map(|i| format!("d{d}l{i}")).collect();
        let _ = writeln!(spec, "\n[[dimension]]\nname = \"d{d}\"");
        if n >= 3 && rng.bernoulli(0.6) {
            let split = 1 + rng.below(n as u64 - 1) as usize;
            let quote = |v: &[String]| v.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(", ");
            let _ = writeln!(
                spec,
                "[[dimension.hierarchy]]\nname = \"h\"\ntotal = \"Total\"\ngroups = {{ \"g{d}a\" = [{}], \"g{d}b\" = [{}] }}",
                quote(&names[..split]),
                quote(&names[split..])
            );
            hierarchies.push(Some("h".into()));
        } else {
            hierarchies.push(None);
        }
        leaves.push(names);
    }
    let h = |d: usize| hierarchies[d].clone().unwrap_or_else(|| "flat".into());
    let all: Vec<String> = (0..dims).map(|d| format!("d{d} = \"{}\"", h(d))).collect();
    let _ = writeln!(spec, "\n[[table]]\nname = \"full\"\nhierarchies = {{ {} }}", all.join(", "));
    if dims > 1 {
        let _ = writeln!(spec, "\n[[table]]\nname = \"first\"\nhierarchies = {{ d0 = \"{}\" }}", h(0));
    }
    std::fs::write(dir.join("spec.toml"), spec).unwrap();
    let mut cells = (0..dims).map(|d| format!("d{d}")).collect::<Vec<_>>().join(",") + ",count\n";
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for names in &leaves {
        combos = combos.iter().flat_map(|c| names.iter().map(move |n| [c.clone(), vec![n.clone()]].concat())).collect();
    }
    for combo in combos {
        let count = match rng.below(4) {
            0 => 0,
            1 => 1 + rng.below(5),
            _ => 6 + rng.below(60),
        };
        let _ = writeln!(cells, "{},{count}", combo.join(","));
    }
    std::fs::write(dir.join("cells.csv"), cells).unwrap();
}

#[test]
fn random_tables_are_protected_audited_and_certified() {
    let mut rng = Rng::new(5);
    let mut with_suppression = 0;
    for case in 0..20 {
        let dir = temp_dir();
        random_case(&mut rng, &dir);
        // Every case on both paths: exact (auto, at this size) and hypercube.
        for method in ["auto", "hypercube"] {
            let out = dir.join(method);
            let run = protect_with(&dir, &out, method);
            assert!(run.status.success(), "case {case}, {method}: {}", String::from_utf8_lossy(&run.stderr));
            // No published count in 1..5.
            for table in ["full.csv", "first.csv"] {
                if !out.join(table).exists() {
                    continue;
                }
                let (_, rows) = read_csv(&out.join(table));
                for row in rows {
                    let shown = row.last().unwrap();
                    if shown == "c" {
                        with_suppression += 1;
                    } else {
                        let v: u64 = shown.parse().unwrap();
                        assert!(!(1..=5).contains(&v), "case {case}: {row:?}");
                    }
                }
            }
            // The independent re-check: LP intervals and witnesses from the published files.
            safestat_ok(&["audit", s(&out)]);
        }
    }
    assert!(with_suppression > 20, "the random cases must exercise suppression");
}

#[test]
fn audit_fails_when_a_published_file_reveals_a_withheld_cell() {
    let dir = temp_dir();
    std::fs::write(dir.join("spec.toml"), "policy = \"uk-children\"\n\n[[dimension]]\nname = \"g\"\n\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n").unwrap();
    std::fs::write(dir.join("cells.csv"), "g,count\na,3\nb,40\nc,25\n").unwrap();
    let out = dir.join("out");
    safestat_ok(&[
        "protect",
        "--input",
        s(&dir.join("cells.csv")),
        "--spec",
        s(&dir.join("spec.toml")),
        "--out",
        s(&out),
    ]);
    let table = std::fs::read_to_string(out.join("t.csv")).unwrap();
    assert_eq!(table, "g,count\na,c\nb,40\nc,c\nTotal,68\n");
    safestat_ok(&["audit", s(&out)]);
    std::fs::write(out.join("t.csv"), "g,count\na,c\nb,40\nc,25\nTotal,68\n").unwrap();
    let audit = safestat(&["audit", s(&out)]);
    assert_eq!(audit.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&audit.stderr).contains("publication differs from the audit model"));
    // File and model agree that `c` is published: the LP recovers a = 68 - 40 - 25 = 3.
    let model_path = out.join("private/audit/model.json");
    let mut model: serde_json::Value = crate::harness::read_json(&model_path);
    let rows = model["tables"][0]["rows"].as_array().unwrap().clone();
    let c_cell = rows.iter().find(|r| r["key"][0] == "c").unwrap()["counts"][0][1].as_u64().unwrap() as usize;
    model["cells"][c_cell]["status"] = "published".into();
    std::fs::write(&model_path, serde_json::to_vec(&model).unwrap()).unwrap();
    let audit = safestat(&["audit", s(&out)]);
    assert_eq!(audit.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&audit.stderr);
    assert!(stderr.contains("can be narrowed to (3, 3)"), "{stderr}");
}

#[test]
fn spec_errors_name_the_problem() {
    let dir = temp_dir();
    std::fs::write(dir.join("cells.csv"), "g,count\na,3\n").unwrap();
    std::fs::write(
        dir.join("spec.toml"),
        "policy = \"none\"\n[[dimension]]\nname = \"g\"\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n",
    )
    .unwrap();
    let out = safestat(&[
        "protect",
        "--input",
        s(&dir.join("cells.csv")),
        "--spec",
        s(&dir.join("spec.toml")),
        "--out",
        s(&dir.join("o")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be turned off"));
    std::fs::write(dir.join("spec.toml"), "policy = \"uk-children\"\n[[dimension]]\nname = \"g\"\n[[dimension.hierarchy]]\nname = \"h\"\ngroups = { x = [\"y\"], y = [\"x\"] }\n[[table]]\nname = \"t\"\nhierarchies = { g = \"h\" }\n").unwrap();
    let out = safestat(&[
        "protect",
        "--input",
        s(&dir.join("cells.csv")),
        "--spec",
        s(&dir.join("spec.toml")),
        "--out",
        s(&dir.join("o")),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cycle"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The large-system path (issue #5) never solves the whole system: the hypercube path passes a
/// cell on its witnesses alone. It is sound only if every primary it passes also passes the
/// whole-system LP audit, and its witnesses must hold for insiders too.
#[test]
fn large_system_paths_pass_the_whole_system_lp_audit() {
    use safestat::disclosure::Policy;
    use safestat::disclosure::interval::{self, Constraint, Knowledge};
    use safestat::disclosure::system::{self, Method, Status};
    use safestat::disclosure::witness::SparseVerifier;
    let mut rng = Rng::new(17);
    let (mut primaries_checked, mut insiders_checked) = (0, 0);
    for case in 0..12 {
        let leaves: Vec<usize> = match case % 3 {
            0 => vec![3 + rng.below(3) as usize, 3 + rng.below(3) as usize],
            1 => vec![2 + rng.below(2) as usize, 3, 2 + rng.below(3) as usize],
            _ => vec![4, 2, 2, 3],
        };
        let (cells, _) = system::full_cross(&leaves);
        let inner: Vec<u64> = (0..leaves.iter().product::<usize>())
            .map(|_| match rng.below(4) {
                0 => 0,
                1 => 1 + rng.below(5),
                _ => 6 + rng.below(40),
            })
            .collect();
        let runs = [
            (Method::Exact, Policy::UkChildren),
            (Method::Hypercube, Policy::UkChildren),
            // T = 7 and rounding: the attacker here knows the exact values, which is stricter.
            (Method::Hypercube, Policy::Health),
        ];
        for (method, policy) in runs {
            let out = safestat::disclosure::protection::protect_system_with(&inner, &cells, policy, method)
                .unwrap_or_else(|e| panic!("case {case}, {method:?}: {e}"));
            let value = |c: usize| cells[c].inner.iter().map(|&i| inner[i]).sum::<u64>();
            let knowledge = Knowledge {
                inner_cells: inner.len(),
                constraints: (0..cells.len())
                    .filter(|&c| out.status[c] == Status::Published)
                    .map(|c| Constraint { cells: cells[c].inner.clone(), lo: value(c) as i64, hi: value(c) as i64 })
                    .collect(),
                cap: out.knowledge.cap,
            };
            let verifier = SparseVerifier::new(&knowledge, &out.truth).expect("the truth meets every figure");
            let p = system::protection(policy);
            for c in 0..cells.len() {
                let v = value(c);
                if (1..=policy.threshold()).contains(&v) {
                    assert_eq!(out.status[c], Status::Primary, "case {case}: a small cell is published");
                    let interval = interval::feasible(&knowledge, &cells[c].inner, &[]).expect("feasible");
                    assert!(
                        interval::protected(v as i64, interval, p),
                        "case {case}, {method:?}: cell {c} = {v} narrowed to {interval:?} by the whole-system LP"
                    );
                    primaries_checked += 1;
                    if method == Method::Hypercube {
                        // Insiders: another withheld cell (sharing no inner cell with this one)
                        // known to be ≥ 1; the first few around each primary, by the LP.
                        let insiders = (0..cells.len())
                            .filter(|&j| out.status[j] != Status::Published && j != c && value(j) >= 1)
                            .filter(|&j| cells[j].inner.iter().all(|i| !cells[c].inner.contains(i)))
                            .take(4);
                        for j in insiders {
                            let knows = Constraint { cells: cells[j].inner.clone(), lo: 1, hi: out.knowledge.cap };
                            let interval = interval::feasible(&knowledge, &cells[c].inner, &[knows]).expect("feasible");
                            assert!(
                                interval::protected(v as i64, interval, p),
                                "case {case}: cell {c} = {v} narrowed to {interval:?} by an insider of cell {j}"
                            );
                            insiders_checked += 1;
                        }
                    }
                }
            }
            assert_eq!(out.audits.len(), out.status.iter().filter(|s| **s == Status::Primary).count());
            for a in &out.audits {
                assert!(verifier.verify(&a.witnesses.0) && verifier.verify(&a.witnesses.1), "case {case}");
                let target = &cells[a.cell].inner;
                let span = (verifier.value_in(&a.witnesses.0, target), verifier.value_in(&a.witnesses.1, target));
                assert!(interval::protected(a.value, span, p), "case {case}: witnesses of {} span {span:?}", a.cell);
                // A witness that breaks a published figure is refused.
                let mut broken = a.witnesses.0.clone();
                match broken.iter_mut().find(|ch| knowledge.constraints.iter().any(|k| k.cells.contains(&ch.0))) {
                    Some(change) => change.1 += 1,
                    None => continue,
                }
                assert!(!verifier.verify(&broken), "case {case}: a broken witness verified");
            }
        }
    }
    assert!(primaries_checked > 100 && insiders_checked > 100, "{primaries_checked}, {insiders_checked}");
}

/// `safestat protect` on `dir`'s `cells.csv` and `spec.toml`, into `out`.
pub fn protect(dir: &Path, out: &Path) -> std::process::Output {
    safestat(&["protect", "--input", s(&dir.join("cells.csv")), "--spec", s(&dir.join("spec.toml")), "--out", s(out)])
}

fn protect_with(dir: &Path, out: &Path, method: &str) -> std::process::Output {
    let (cells, spec) = (dir.join("cells.csv"), dir.join("spec.toml"));
    safestat(&["protect", "--input", s(&cells), "--spec", s(&spec), "--out", s(out), "--method", method])
}

/// Differencing between releases: an earlier release published `c` exactly. The pattern this
/// release would choose alone (withhold a = 3 and c) then gives a away as Total - b - c - d;
/// with the earlier release in the spec, c is treated as known and another partner is withheld.
#[test]
fn an_earlier_release_is_a_constraint_and_differencing_is_caught() {
    let dir = temp_dir();
    let spec = "policy = \"uk-children\"\n\n[[dimension]]\nname = \"g\"\n\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n";
    std::fs::write(dir.join("spec.toml"), spec).unwrap();
    std::fs::write(dir.join("cells.csv"), "g,count\na,3\nb,40\nc,25\nd,30\n").unwrap();
    let alone = dir.join("alone");
    assert!(protect(&dir, &alone).status.success());
    let (_, rows) = read_csv(&alone.join("t.csv"));
    let shown = |rows: &[Vec<String>], g: &str| rows.iter().find(|r| r[0] == g).unwrap()[1].clone();
    assert_eq!((shown(&rows, "a"), shown(&rows, "c")), ("c".to_string(), "c".to_string()));
    // This release alone, read with the earlier figure c = 25, gives a away.
    let known = |g: &str| shown(&rows, g).parse::<i64>().unwrap();
    assert_eq!(known("Total") - known("b") - known("d") - 25, 3);

    std::fs::write(dir.join("earlier.csv"), "g,count\nc,25\na,c\n").unwrap();
    std::fs::write(dir.join("spec.toml"), format!("{spec}\n[[earlier]]\nfile = \"earlier.csv\"\n")).unwrap();
    let out = dir.join("out");
    let run = protect(&dir, &out);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let (_, rows) = read_csv(&out.join("t.csv"));
    // c is public anyway, so it is published; a's partner is now d: a + d = 98 - 40 - 25.
    assert_eq!(rows.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["c", "40", "25", "c", "98"], "{rows:?}");
    let log = crate::harness::read_json(&out.join("private/disclosure-log.json"));
    assert_eq!(log["earlier_figures"], 1);
    safestat_ok(&["audit", s(&out)]);
    // The audit reads the earlier figure from the model: without it, b withheld as well
    // would still pass; with it, publishing d turns the audit red.
    std::fs::write(out.join("t.csv"), "g,count\na,c\nb,40\nc,c\nd,30\nTotal,98\n").unwrap();
    let model_path = out.join("private/audit/model.json");
    let mut model: serde_json::Value = crate::harness::read_json(&model_path);
    let cell_of = |model: &serde_json::Value, g: &str| {
        let rows = model["tables"][0]["rows"].as_array().unwrap();
        rows.iter().find(|r| r["key"][0] == g).unwrap()["counts"][0][1].as_u64().unwrap() as usize
    };
    let (c, d) = (cell_of(&model, "c"), cell_of(&model, "d"));
    model["cells"][c]["status"] = "secondary".into();
    model["cells"][d]["status"] = "published".into();
    std::fs::write(&model_path, serde_json::to_vec(&model).unwrap()).unwrap();
    let audit = safestat(&["audit", s(&out)]);
    let stderr = String::from_utf8_lossy(&audit.stderr);
    assert_eq!(audit.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("can be narrowed to (3, 3)"), "{stderr}");
}

/// Earlier releases over random two-dimensional tables: a random set of cells above the
/// threshold (inner cells and margins) was published exactly before. After protection, the
/// LP over this release's published counts *and* the earlier figures, built here from the
/// CSV files, leaves every primary its protection interval.
#[test]
fn random_earlier_releases_leave_every_primary_protected() {
    use safestat::disclosure::Policy;
    use safestat::disclosure::interval::{self, Constraint, Knowledge};
    use safestat::disclosure::system;
    let mut rng = Rng::new(29);
    let (mut checked, mut refused) = (0, 0);
    for case in 0..24 {
        let dir = temp_dir();
        let (rows, cols) = (3 + rng.below(2) as usize, 3 + rng.below(2) as usize);
        let spec = "policy = \"uk-children\"\n\n[[dimension]]\nname = \"r\"\n\n[[dimension]]\nname = \"k\"\n\n[[table]]\nname = \"t\"\nhierarchies = { r = \"flat\", k = \"flat\" }\n\n[[earlier]]\nfile = \"earlier.csv\"\n";
        std::fs::write(dir.join("spec.toml"), spec).unwrap();
        let inner: Vec<u64> = (0..rows * cols)
            .map(|_| match rng.below(4) {
                0 => 0,
                1 => 1 + rng.below(5),
                _ => 6 + rng.below(40),
            })
            .collect();
        let code = |i: usize, n: usize, p: &str| if i == n { "Total".to_string() } else { format!("{p}{i}") };
        let mut cells = String::from("r,k,count\n");
        for r in 0..rows {
            for k in 0..cols {
                let _ = writeln!(cells, "r{r},k{k},{}", inner[r * cols + k]);
            }
        }
        std::fs::write(dir.join("cells.csv"), cells).unwrap();
        // Cells of the full cross (Total as index rows/cols), as inner index sets.
        let set = |r: usize, k: usize| -> Vec<usize> {
            let rs: Vec<usize> = if r == rows { (0..rows).collect() } else { vec![r] };
            let ks: Vec<usize> = if k == cols { (0..cols).collect() } else { vec![k] };
            rs.iter().flat_map(|&r| ks.iter().map(move |&k| r * cols + k)).collect()
        };
        let value = |cells: &[usize]| cells.iter().map(|&i| inner[i]).sum::<u64>();
        let mut earlier = String::from("r,k,count\n");
        let mut earlier_constraints = Vec::new();
        for r in 0..=rows {
            for k in 0..=cols {
                let v = value(&set(r, k));
                if v > 5 && rng.bernoulli(0.3) {
                    let _ = writeln!(earlier, "{},{},{v}", code(r, rows, "r"), code(k, cols, "k"));
                    earlier_constraints.push(Constraint { cells: set(r, k), lo: v as i64, hi: v as i64 });
                }
            }
        }
        std::fs::write(dir.join("earlier.csv"), earlier).unwrap();
        for method in ["auto", "hypercube"] {
            let mut constraints = earlier_constraints.clone();
            let out = dir.join(method);
            let run = protect_with(&dir, &out, method);
            if !run.status.success() {
                // Earlier figures alone may pin a primary down; then nothing is written.
                let stderr = String::from_utf8_lossy(&run.stderr);
                assert!(stderr.contains("earlier release"), "case {case}: {stderr}");
                assert!(!out.join("t.csv").exists(), "case {case}");
                refused += 1;
                continue;
            }
            let (_, published) = read_csv(&out.join("t.csv"));
            for row in &published {
                let index = |c: &str, n: usize, p: &str| if c == "Total" { n } else { c[p.len()..].parse().unwrap() };
                let (r, k) = (index(&row[0], rows, "r"), index(&row[1], cols, "k"));
                if let Ok(v) = row[2].parse::<i64>() {
                    assert_eq!(v as u64, value(&set(r, k)), "case {case}");
                    constraints.push(Constraint { cells: set(r, k), lo: v, hi: v });
                }
            }
            let knowledge =
                Knowledge { inner_cells: inner.len(), constraints, cap: 2 * value(&set(rows, cols)) as i64 + 2 };
            let p = system::protection(Policy::UkChildren);
            for r in 0..=rows {
                for k in 0..=cols {
                    let v = value(&set(r, k));
                    if (1..=5).contains(&v) {
                        let interval = interval::feasible(&knowledge, &set(r, k), &[]).expect("feasible");
                        assert!(
                            interval::protected(v as i64, interval, p),
                            "case {case}: ({r}, {k}) = {v}: {interval:?}"
                        );
                        checked += 1;
                    }
                }
            }
            safestat_ok(&["audit", s(&out)]);
        }
    }
    assert!(checked > 100 && refused <= 12, "{checked} primaries checked, {refused} cases refused");
}

#[test]
fn earlier_release_errors_name_the_file_line_and_field() {
    let dir = temp_dir();
    let spec = "policy = \"uk-children\"\n\n[[dimension]]\nname = \"g\"\n\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n\n[[earlier]]\nfile = \"earlier.csv\"\n";
    std::fs::write(dir.join("spec.toml"), spec).unwrap();
    std::fs::write(dir.join("cells.csv"), "g,count\na,3\nb,40\nc,25\nd,30\n").unwrap();
    for (earlier, expected) in [
        ("g,count\nb,40\nc,26\n", "line 3, field `count`: does not agree"),
        ("g,count\nb,40\na,3\n", "line 3, field `count`: a count in 1..5"),
        ("g,count\nq,40\n", "line 2, field `g`: not a leaf, group or total"),
        ("g,count\nb,forty\n", "line 2, field `count`: neither a whole number"),
        ("g,size,count\nb,1,40\n", "column `size` is not a dimension"),
        ("g,count\nb,1000000001\n", "line 2, field `count`: above the largest count accepted"),
    ] {
        std::fs::write(dir.join("earlier.csv"), earlier).unwrap();
        let out = dir.join("out");
        let run = protect(&dir, &out);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{earlier}: {stderr}");
        assert!(stderr.contains("earlier.csv") && stderr.contains(expected), "{earlier}: {stderr}");
        assert!(!stderr.contains("26") && !stderr.contains("forty"), "values stay out of errors: {stderr}");
        assert!(!out.exists(), "{earlier}");
    }
}

/// `protect` writes into a staging folder and puts it in place whole: an earlier protect output
/// is replaced, a folder holding anything else is refused and left alone, and a failed run
/// leaves the previous output as it was.
#[test]
fn protect_replaces_its_output_whole_and_never_touches_other_folders() {
    let dir = temp_dir();
    let spec = "policy = \"uk-children\"\n\n[[dimension]]\nname = \"g\"\n\n[[table]]\nname = \"t\"\nhierarchies = { g = \"flat\" }\n";
    std::fs::write(dir.join("spec.toml"), spec).unwrap();
    std::fs::write(dir.join("cells.csv"), "g,count\na,3\nb,40\nc,25\n").unwrap();
    let out = dir.join("out");
    assert!(protect(&dir, &out).status.success());
    std::fs::write(out.join("stale.csv"), "left from before\n").unwrap();
    std::fs::write(dir.join("cells.csv"), "g,count\na,30\nb,40\nc,25\n").unwrap();
    assert!(protect(&dir, &out).status.success());
    assert!(!out.join("stale.csv").exists(), "the output is replaced whole");
    assert_eq!(std::fs::read_to_string(out.join("t.csv")).unwrap(), "g,count\na,30\nb,40\nc,25\nTotal,95\n");
    // A failing run (a bad count) leaves the last output as it was.
    std::fs::write(dir.join("cells.csv"), "g,count\na,-1\n").unwrap();
    assert_eq!(protect(&dir, &out).status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(out.join("t.csv")).unwrap(), "g,count\na,30\nb,40\nc,25\nTotal,95\n");
    // A folder with other files is refused.
    std::fs::write(dir.join("cells.csv"), "g,count\na,30\nb,40\nc,25\n").unwrap();
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine\n").unwrap();
    let run = protect(&dir, &other);
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stderr).contains("holds other files"));
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("safestat-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders are removed: {leftovers:?}");
}
