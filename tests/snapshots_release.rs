//! Snapshots of the sample release's published files (reviewed when they change:
//! `cargo insta review`). The figures themselves are checked independently in `e2e`.

use crate::harness::sample_release;

/// The page without the version string, which changes with every release of safestat.
fn without_version(text: &str) -> String {
    text.replace(&format!("safestat {}", env!("CARGO_PKG_VERSION")), "safestat [version]")
}

#[test]
fn release_page_snapshot() {
    let page = std::fs::read_to_string(sample_release().join("release/index.html")).unwrap();
    assert!(page.contains(&format!("safestat {}", env!("CARGO_PKG_VERSION"))), "the page names the version");
    insta::assert_snapshot!("index_html", without_version(&page));
}

#[test]
fn open_data_snapshots() {
    for table in ["children_by_year", "community_rates", "prevalence", "known_to_services_by_community"] {
        let csv = std::fs::read_to_string(sample_release().join(format!("release/data/{table}.csv"))).unwrap();
        insta::assert_snapshot!(table, csv);
    }
}
