//! DfE's data screener (`eesyscreener` 0.3.1), one test per check it runs before Explore
//! Education Statistics accepts a file, over every open-data file of the sample release. Each
//! test is named after the screener's check; the rules were read from its R sources
//! (`R/check_*.R`, `data-raw/acceptable_values.R`). Issue #21: the checks not yet here are listed
//! in its note.

use std::path::{Path, PathBuf};

use crate::harness::{read_csv, sample_release};

/// Every (data file, its meta file) pair of the sample release.
fn files() -> Vec<(PathBuf, PathBuf)> {
    let dir = sample_release().join("release/data");
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv") && !p.to_string_lossy().ends_with(".meta.csv"))
        .map(|p| {
            let meta = p.with_extension("meta.csv");
            (p, meta)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 12, "the release has its open-data files: {out:?}");
    out
}

/// `(col_name, col_type, label, indicator_unit, indicator_dp)` of each meta row.
fn meta_rows(meta: &Path) -> Vec<[String; 5]> {
    let (header, rows) = read_csv(meta);
    let col =
        |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{}: no {name}", meta.display()));
    rows.iter()
        .map(|r| {
            [
                r[col("col_name")].clone(),
                r[col("col_type")].clone(),
                r[col("label")].clone(),
                r[col("indicator_unit")].clone(),
                r[col("indicator_dp")].clone(),
            ]
        })
        .collect()
}

/// `meta_ind_unit_validation`: an indicator's unit is blank or one of EES's units.
#[test]
fn meta_ind_unit_validation() {
    const ACCEPTED: [&str; 6] = ["", "%", "pp", "£", "£m", "numberstring"];
    for (_, meta) in files() {
        for [name, kind, _, unit, _] in meta_rows(&meta) {
            if kind == "Indicator" {
                assert!(ACCEPTED.contains(&unit.as_str()), "{}: {name} has unit {unit:?}", meta.display());
            }
        }
    }
}

/// `meta_ind_dp_set`: every indicator has its decimal places.
#[test]
fn meta_ind_dp_set() {
    for (_, meta) in files() {
        for [name, kind, _, _, dp] in meta_rows(&meta) {
            if kind == "Indicator" {
                assert!(dp.trim().parse::<u8>().is_ok(), "{}: {name} has dp {dp:?}", meta.display());
            }
        }
    }
}

/// `meta_label`: no blank labels.
#[test]
fn meta_label() {
    for (_, meta) in files() {
        for [name, _, label, _, _] in meta_rows(&meta) {
            assert!(!label.trim().is_empty(), "{}: {name} has no label", meta.display());
        }
    }
}

/// `col_snake_case`: column names use only a-z, 0-9 and `_`.
#[test]
fn col_snake_case() {
    for (data, _) in files() {
        let (header, _) = read_csv(&data);
        for name in header {
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}: column {name:?}",
                data.display()
            );
        }
    }
}

/// `filename_spaces` and `filename_special`: no spaces, only letters, digits, `-` and `_`.
#[test]
fn filename_spaces_and_filename_special() {
    for (data, meta) in files() {
        for file in [data, meta] {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let stem = name.trim_end_matches(".csv").trim_end_matches(".meta");
            assert!(!stem.contains(' '), "{name}");
            assert!(stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{name}");
        }
    }
}

/// `ind_invalid_entry`: no indicator value is blank or a legacy symbol (`~`, `:`).
#[test]
fn ind_invalid_entry() {
    for (data, meta) in files() {
        let indicators: Vec<String> =
            meta_rows(&meta).into_iter().filter(|r| r[1] == "Indicator").map(|r| r[0].clone()).collect();
        let (header, rows) = read_csv(&data);
        for name in &indicators {
            let i =
                header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{}: no column {name}", data.display()));
            for row in &rows {
                assert!(!["", "~", ":"].contains(&row[i].trim()), "{}: {name} has {:?}", data.display(), row[i]);
            }
        }
    }
}
