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
