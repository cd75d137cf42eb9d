//! `safestat generate`: reproducible, seed-sensitive, and its truth agrees with its records.

use std::collections::{BTreeMap, HashMap};

use crate::harness::{files_under, generate, read_csv, repo};

const AGENCIES: [&str; 5] = ["police", "childrens_social_care", "health", "voluntary_sector", "education"];

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = generate(11, 300);
    let b = generate(11, 300);
    let c = generate(12, 300);
    let files = files_under(&a);
    assert_eq!(files.len(), 8, "{files:?}");
    for file in &files {
        let rel = file.strip_prefix(&a).unwrap();
        assert_eq!(std::fs::read(file).unwrap(), std::fs::read(b.join(rel)).unwrap(), "{}", rel.display());
    }
    assert_ne!(std::fs::read(a.join("police.csv")).unwrap(), std::fs::read(c.join("police.csv")).unwrap());
}

#[test]
fn bundled_sample_is_the_generators_default_output() {
    let fresh = generate(2014, 1700);
    let bundled = repo().join("data-samples");
    for file in files_under(&fresh) {
        let rel = file.strip_prefix(&fresh).unwrap();
        let committed =
            std::fs::read(bundled.join(rel)).unwrap_or_else(|_| panic!("data-samples/{} is missing", rel.display()));
        assert!(
            std::fs::read(&file).unwrap() == committed,
            "data-samples/{} differs from `safestat generate`",
            rel.display()
        );
    }
}

fn high_level_of_codes() -> HashMap<String, String> {
    let (_, rows) = read_csv(&repo().join("pipeline/src/ingest/ethnicity_codes.csv"));
    rows.into_iter()
        .map(|r| {
            let high = r[3].split('_').next().unwrap().to_string();
            let high = if r[3] == "not_known" { "not_known".to_string() } else { high };
            (r[0].clone(), high)
        })
        .collect()
}

#[test]
fn truth_agrees_with_records() {
    let dir = generate(5, 1700);
    let truth: serde_json::Value = crate::harness::read_json(&dir.join("truth.json"));
    let codes = high_level_of_codes();

    // Capture histories and groups recomputed from the agency files alone.
    let mut masks: HashMap<String, u32> = HashMap::new();
    let mut groups: BTreeMap<String, std::collections::HashSet<String>> = BTreeMap::new();
    let mut records = BTreeMap::new();
    for (bit, agency) in AGENCIES.iter().enumerate() {
        let (header, rows) = read_csv(&dir.join(format!("{agency}.csv")));
        let pid = header.iter().position(|h| h == "child_pid").unwrap();
        let eth = header.iter().position(|h| h == "ethnicity_code").unwrap();
        records.insert(agency.to_string(), rows.len() as u64);
        for row in rows {
            *masks.entry(row[pid].clone()).or_insert(0) |= 1 << bit;
            let high = codes.get(&row[eth]).unwrap_or_else(|| panic!("unmapped code in {agency}.csv")).clone();
            groups.entry(high).or_default().insert(row[pid].clone());
        }
    }
    let mut histories: BTreeMap<String, u64> = BTreeMap::new();
    for mask in masks.values() {
        *histories.entry(mask.to_string()).or_insert(0) += 1;
    }
    let truth_histories: BTreeMap<String, u64> =
        truth["capture_histories"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect();
    assert_eq!(histories, truth_histories);
    assert_eq!(masks.len() as u64, truth["observed_children"].as_u64().unwrap());
    for (agency, n) in &records {
        assert_eq!(truth["records"][agency].as_u64().unwrap(), *n, "{agency}");
    }

    // Per stratum, observed <= true; per high-level group, children recorded there <= true.
    let mut true_by_high: BTreeMap<String, u64> = BTreeMap::new();
    let mut strata_total = 0;
    for stratum in truth["strata"].as_array().unwrap() {
        let t = stratum["true_children"].as_u64().unwrap();
        assert!(stratum["observed_children"].as_u64().unwrap() <= t);
        strata_total += t;
        let group = stratum["ethnic_group"].as_str().unwrap();
        *true_by_high.entry(group.split('_').next().unwrap().to_string()).or_insert(0) += t;
    }
    assert_eq!(strata_total, 1700);
    for (high, children) in &groups {
        if high != "not_known" {
            assert!(children.len() as u64 <= true_by_high[high], "{high}: {} > {}", children.len(), true_by_high[high]);
        }
    }
    // Under-capture is visible: fewer than all true victims were recorded.
    assert!(masks.len() < 1700 && masks.len() > 500, "{}", masks.len());
}

/// `generate --as-of` (issue #20): extracts of one seed at consecutive dates hold the records
/// entered by then, the later one revises earlier years, and the same seed and date give the same
/// bytes; without the flag the sample has no `recorded_date` column.
#[test]
fn extracts_as_of_a_date_revise_earlier_years() {
    let extract = |as_of: &str| {
        let dir = crate::harness::temp_dir();
        crate::harness::safestat_ok(&[
            "generate",
            "--out",
            crate::harness::s(&dir),
            "--seed",
            "21",
            "--children",
            "600",
            "--as-of",
            as_of,
        ]);
        dir
    };
    let (first, second, again) = (extract("2012-03-31"), extract("2013-03-31"), extract("2012-03-31"));
    let full = generate(21, 600);
    let mut revised_years = std::collections::BTreeSet::new();
    for agency in AGENCIES {
        let file = format!("{agency}.csv");
        assert_eq!(std::fs::read(first.join(&file)).unwrap(), std::fs::read(again.join(&file)).unwrap(), "{file}");
        let (header, early) = read_csv(&first.join(&file));
        let (_, late) = read_csv(&second.join(&file));
        let (full_header, all) = read_csv(&full.join(&file));
        assert_eq!(header.last().map(String::as_str), Some("recorded_date"));
        assert!(!full_header.iter().any(|h| h == "recorded_date"), "the default sample is unchanged");
        let (referral, recorded) = (column(&header, "referral_date"), header.len() - 1);
        // Every record of the earlier extract is in the later one unchanged, and in the full
        // sample; none was recorded after its extract's date or before its referral.
        let later: HashMap<&str, &Vec<String>> = late.iter().map(|r| (r[0].as_str(), r)).collect();
        let everything: HashMap<&str, &Vec<String>> = all.iter().map(|r| (r[0].as_str(), r)).collect();
        for r in &early {
            assert_eq!(later.get(r[0].as_str()), Some(&r), "{file}: {} changed", r[0]);
            assert_eq!(everything[r[0].as_str()][..], r[..recorded]);
            assert!(r[recorded].as_str() <= "2012-03-31" && r[recorded] >= r[referral], "{file}: {}", r[0]);
        }
        let earlier: std::collections::HashSet<&str> = early.iter().map(|r| r[0].as_str()).collect();
        for r in late.iter().filter(|r| !earlier.contains(r[0].as_str()) && r[referral].as_str() <= "2012-03-31") {
            revised_years.insert(r[referral][..4].to_string());
        }
    }
    assert!(revised_years.contains("2011"), "late records revise the last year: {revised_years:?}");
    let toml = std::fs::read_to_string(first.join("release.toml")).unwrap();
    assert!(toml.contains("to = \"2011-12-31\""), "the period ends before the extract's date: {toml}");
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}
