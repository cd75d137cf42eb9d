//! DfE's data screener (`eesyscreener` 0.3.1), one test per check it runs before Explore
//! Education Statistics accepts a file, over every open-data file of the sample release. Each
//! test is named after the screener's check (a few closely related checks share a test), and
//! each also breaks a copy of a file the way the check exists to catch and asserts that the
//! check fails on it, so no check passes by being unable to fail. The rules were read from the
//! screener's R sources (`R/check_*.R`, `R/precheck_*.R`, `data-raw/acceptable_values.R`); no
//! code is copied. The GSS ethnicity list and the geography codes below are the published
//! standards (GSS harmonised ethnicity standard; ONS and DfE codes of the sample's authority).

use std::collections::BTreeSet;
use std::path::Path;

use crate::harness::{read_csv, sample_release};

/// A CSV file in memory.
#[derive(Debug, Clone)]
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let (header, rows) = read_csv(path);
        Csv { header, rows }
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The values of column `name` (none when there is no such column).
    fn values(&self, name: &str) -> Vec<&str> {
        self.col(name).map(|i| self.rows.iter().map(|r| r[i].as_str()).collect()).unwrap_or_default()
    }

    fn distinct(&self, name: &str) -> BTreeSet<&str> {
        self.values(name).into_iter().collect()
    }

    fn set(&mut self, name: &str, row: usize, value: &str) {
        let i = self.col(name).unwrap_or_else(|| panic!("no column {name}"));
        self.rows[row][i] = value.to_string();
    }

    fn set_all(&mut self, name: &str, value: &str) {
        for r in 0..self.rows.len() {
            self.set(name, r, value);
        }
    }

    fn drop_column(&mut self, name: &str) {
        let i = self.col(name).unwrap_or_else(|| panic!("no column {name}"));
        self.header.remove(i);
        for r in &mut self.rows {
            r.remove(i);
        }
    }

    fn rename(&mut self, from: &str, to: &str) {
        let i = self.col(from).unwrap_or_else(|| panic!("no column {from}"));
        self.header[i] = to.to_string();
    }
}

/// One open-data file: its name, data and metadata.
#[derive(Debug, Clone)]
struct File {
    name: String,
    data: Csv,
    meta: Csv,
}

impl File {
    /// `col_name` of the meta rows of type `kind`.
    fn meta_names(&self, kind: &str) -> Vec<String> {
        let (name, ty) = (self.meta.col("col_name").unwrap(), self.meta.col("col_type").unwrap());
        self.meta.rows.iter().filter(|r| r[ty] == kind).map(|r| r[name].clone()).collect()
    }

    fn filters(&self) -> Vec<String> {
        self.meta_names("Filter")
    }

    fn indicators(&self) -> Vec<String> {
        self.meta_names("Indicator")
    }

    /// The meta value of `field` for column `col_name`.
    fn meta_field(&self, col_name: &str, field: &str) -> String {
        let (name, f) = (self.meta.col("col_name").unwrap(), self.meta.col(field));
        f.and_then(|f| self.meta.rows.iter().find(|r| r[name] == col_name).map(|r| r[f].clone())).unwrap_or_default()
    }

    fn filter_groups(&self) -> Vec<String> {
        self.meta.values("filter_grouping_column").into_iter().filter(|g| !g.is_empty()).map(String::from).collect()
    }

    /// Set the meta `field` of column `col_name`.
    fn set_meta(&mut self, col_name: &str, field: &str, value: &str) {
        let row = self.meta.values("col_name").iter().position(|n| *n == col_name).expect("meta row");
        self.meta.set(field, row, value);
    }
}

/// Every open-data file of the sample release, read once.
fn files() -> Vec<File> {
    let dir = sample_release().join("release/data");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "csv") && !n.ends_with(".meta.csv"))
        .collect();
    names.sort();
    assert!(names.len() >= 12, "the release has its open-data files: {names:?}");
    names
        .into_iter()
        .map(|name| {
            let stem = name.trim_end_matches(".csv").to_string();
            File { data: Csv::read(&dir.join(&name)), meta: Csv::read(&dir.join(format!("{stem}.meta.csv"))), name }
        })
        .collect()
}

type Check = fn(&File) -> Result<(), String>;
type Break = (&'static str, fn(&mut File));

/// The check passes on every file of the sample release and fails on each broken copy.
fn screen(check: Check, breaks: &[Break]) {
    let files = files();
    for f in &files {
        if let Err(e) = check(f) {
            panic!("{}: {e}", f.name);
        }
    }
    assert!(!breaks.is_empty(), "every check shows that it can fail");
    for (name, damage) in breaks {
        let mut f = files.iter().find(|f| f.name == *name).unwrap_or_else(|| panic!("no file {name}")).clone();
        damage(&mut f);
        assert!(check(&f).is_err(), "{name}: the check passes a broken file");
    }
}

/// The geography columns EES knows (observational units); the time columns too.
const OB_UNITS: [&str; 10] = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
];

/// The GSS harmonised ethnicity (major, minor) pairs, as EES accepts them.
const GSS_ETHNICITY: [(&str, &str); 26] = [
    ("Total", "Total"),
    ("White", "Total"),
    ("White", "English / Welsh / Scottish / Northern Irish / British"),
    ("White", "Irish"),
    ("White", "Gypsy or Irish Traveller"),
    ("White", "Roma"),
    ("White", "Any other White background"),
    ("Mixed / Multiple ethnic groups", "Total"),
    ("Mixed / Multiple ethnic groups", "White and Black Caribbean"),
    ("Mixed / Multiple ethnic groups", "White and Black African"),
    ("Mixed / Multiple ethnic groups", "White and Asian"),
    ("Mixed / Multiple ethnic groups", "Any other Mixed / Multiple ethnic background"),
    ("Asian / Asian British", "Total"),
    ("Asian / Asian British", "Indian"),
    ("Asian / Asian British", "Pakistani"),
    ("Asian / Asian British", "Bangladeshi"),
    ("Asian / Asian British", "Chinese"),
    ("Asian / Asian British", "Any other Asian background"),
    ("Black / African / Caribbean / Black British", "Total"),
    ("Black / African / Caribbean / Black British", "African"),
    ("Black / African / Caribbean / Black British", "Caribbean"),
    ("Black / African / Caribbean / Black British", "Any other Black / African / Caribbean background"),
    ("Other ethnic group", "Total"),
    ("Other ethnic group", "Arab"),
    ("Other ethnic group", "Any other ethnic group"),
    ("Unknown", "Unknown"),
];

// ---- prechecks ---------------------------------------------------------------------------

fn col_req_data(f: &File) -> Result<(), String> {
    for name in ["geographic_level", "time_period", "time_identifier", "country_code", "country_name"] {
        f.data.col(name).ok_or(format!("no column {name}"))?;
    }
    Ok(())
}

/// `precheck_col_req_data`: the five columns every data file has.
#[test]
fn precheck_col_req_data() {
    screen(col_req_data, &[("children_by_year.csv", |f| f.data.drop_column("time_identifier"))]);
}

fn col_req_meta(f: &File) -> Result<(), String> {
    for name in [
        "col_name",
        "col_type",
        "label",
        "indicator_grouping",
        "indicator_unit",
        "indicator_dp",
        "filter_hint",
        "filter_grouping_column",
    ] {
        f.meta.col(name).ok_or(format!("meta has no column {name}"))?;
    }
    Ok(())
}

/// `precheck_col_req_meta` and `precheck_col_invalid_meta`: the meta columns, and no others but
/// the optional `filter_default` and `parent_filter`.
#[test]
fn precheck_col_req_meta() {
    fn check(f: &File) -> Result<(), String> {
        col_req_meta(f)?;
        let allowed = [
            "col_name",
            "col_type",
            "label",
            "indicator_grouping",
            "indicator_unit",
            "indicator_dp",
            "filter_hint",
            "filter_grouping_column",
            "filter_default",
            "parent_filter",
        ];
        match f.meta.header.iter().find(|h| !allowed.contains(&h.as_str())) {
            Some(h) => Err(format!("meta column {h} is not one EES knows")),
            None => Ok(()),
        }
    }
    screen(
        check,
        &[
            ("children_by_year.csv", |f| f.meta.drop_column("filter_hint")),
            ("prevalence.csv", |f| f.meta.rename("filter_default", "default")),
        ],
    );
}

/// `precheck_meta_col_type`: every meta row is a Filter or an Indicator.
#[test]
fn precheck_meta_col_type() {
    fn check(f: &File) -> Result<(), String> {
        match f.meta.values("col_type").into_iter().find(|t| !["Filter", "Indicator"].contains(t)) {
            Some(t) => Err(format!("col_type {t}")),
            None => Ok(()),
        }
    }
    screen(check, &[("community_rates.csv", |f| f.meta.set("col_type", 0, "Text"))]);
}

/// `precheck_cross_data_to_meta` and `precheck_cross_meta_to_data`: every data column that is
/// not a time or geography column and has more than one value is in the metadata, and every
/// column the metadata names is in the data.
#[test]
fn precheck_cross_data_to_meta_and_meta_to_data() {
    fn check(f: &File) -> Result<(), String> {
        let mut described: Vec<String> = f.meta.values("col_name").into_iter().map(String::from).collect();
        described.extend(f.filter_groups());
        for name in &f.data.header {
            if !OB_UNITS.contains(&name.as_str()) && f.data.distinct(name).len() > 1 && !described.contains(name) {
                return Err(format!("data column {name} is not in the metadata"));
            }
        }
        match described.iter().find(|n| f.data.col(n).is_none()) {
            Some(n) => Err(format!("meta names {n}, which the data does not have")),
            None => Ok(()),
        }
    }
    screen(
        check,
        &[
            ("children_by_age_band.csv", |f| f.data.rename("age_band", "age")),
            ("prevalence.csv", |f| f.set_meta("ethnicity_major", "col_name", "ethnicity")),
        ],
    );
}

/// `precheck_filter_not_singular`: every filter has at least two items.
#[test]
fn precheck_filter_not_singular() {
    fn check(f: &File) -> Result<(), String> {
        match f.filters().into_iter().find(|c| f.data.distinct(c).len() < 2) {
            Some(c) => Err(format!("filter {c} has one item")),
            None => Ok(()),
        }
    }
    screen(check, &[("children_by_community.csv", |f| f.data.set_all("ethnicity_major", "White"))]);
}

fn geog_level_present(f: &File) -> Result<(), String> {
    let levels = f.data.distinct("geographic_level");
    if levels.contains("Local authority") {
        for name in ["new_la_code", "la_name", "old_la_code"] {
            f.data.col(name).ok_or(format!("local authority rows without {name}"))?;
        }
    }
    if levels.contains("Regional") {
        for name in ["region_code", "region_name"] {
            f.data.col(name).ok_or(format!("regional rows without {name}"))?;
        }
    }
    Ok(())
}

/// `precheck_geog_level` and `precheck_geog_level_present`: a known geographic level, with the
/// columns that level needs (`old_la_code` beside `new_la_code` and `la_name`).
#[test]
fn precheck_geog_level_present() {
    fn check(f: &File) -> Result<(), String> {
        let known = ["National", "Regional", "Local authority"];
        if let Some(l) = f.data.values("geographic_level").into_iter().find(|l| !known.contains(l)) {
            return Err(format!("geographic level {l}"));
        }
        geog_level_present(f)
    }
    screen(
        check,
        &[
            ("children_by_year.csv", |f| f.data.drop_column("old_la_code")),
            ("children_by_year.csv", |f| f.data.set_all("geographic_level", "Borough")),
        ],
    );
}

/// `precheck_time_id_valid` and `precheck_time_id_mix`: one time identifier EES knows.
#[test]
fn precheck_time_id_valid_and_time_id_mix() {
    fn check(f: &File) -> Result<(), String> {
        let ids = f.data.distinct("time_identifier");
        let known = ["Calendar year", "Reporting year", "Financial year", "Academic year", "Tax year"];
        if let Some(id) = ids.iter().find(|id| !known.contains(id)) {
            return Err(format!("time identifier {id}"));
        }
        if ids.len() > 1 {
            return Err(format!("time identifiers mixed: {ids:?}"));
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("prevalence.csv", |f| f.data.set_all("time_identifier", "Calendar years")),
            ("prevalence.csv", |f| {
                f.data.set("time_identifier", 0, "Calendar year");
            }),
        ],
    );
}

/// `precheck_time_period_num` and `check_time_period` / `check_time_period_six`: a number of
/// four digits for a calendar or reporting year, six for a financial year (`201314`).
#[test]
fn check_time_period() {
    fn check(f: &File) -> Result<(), String> {
        for (id, period) in f.data.values("time_identifier").into_iter().zip(f.data.values("time_period")) {
            let digits = if ["Calendar year", "Reporting year"].contains(&id) { 4 } else { 6 };
            if period.len() != digits || !period.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("time_period {period} for {id}"));
            }
        }
        Ok(())
    }
    screen(check, &[("children_by_financial_year.csv", |f| f.data.set_all("time_period", "2013-14"))]);
}

// ---- meta --------------------------------------------------------------------------------

/// `meta_ind_unit_validation`: an indicator's unit is blank or one of EES's units.
#[test]
fn meta_ind_unit_validation() {
    fn check(f: &File) -> Result<(), String> {
        const ACCEPTED: [&str; 6] = ["", "%", "pp", "£", "£m", "numberstring"];
        for name in f.indicators() {
            let unit = f.meta_field(&name, "indicator_unit");
            if !ACCEPTED.contains(&unit.as_str()) {
                return Err(format!("{name} has unit {unit:?}"));
            }
        }
        Ok(())
    }
    screen(check, &[("community_rates.csv", |f| f.set_meta("rate_per_10000", "indicator_unit", "per 10,000"))]);
}

/// `meta_ind_dp_set`: every indicator has its decimal places.
#[test]
fn meta_ind_dp_set() {
    fn check(f: &File) -> Result<(), String> {
        match f.indicators().into_iter().find(|n| f.meta_field(n, "indicator_dp").trim().parse::<u8>().is_err()) {
            Some(n) => Err(format!("{n} has no decimal places")),
            None => Ok(()),
        }
    }
    screen(check, &[("prevalence.csv", |f| f.set_meta("estimated_children", "indicator_dp", ""))]);
}

/// `meta_label` and `meta_dupe_label`: every column has a label, and no two share one.
#[test]
fn meta_label_and_meta_dupe_label() {
    fn check(f: &File) -> Result<(), String> {
        let labels = f.meta.values("label");
        if labels.iter().any(|l| l.trim().is_empty()) {
            return Err("a blank label".into());
        }
        let distinct: BTreeSet<&str> = labels.iter().copied().collect();
        if distinct.len() == labels.len() { Ok(()) } else { Err("two columns share a label".into()) }
    }
    screen(
        check,
        &[
            ("children_by_year.csv", |f| f.meta.set("label", 0, " ")),
            ("prevalence.csv", |f| {
                let first = f.meta.rows[1][f.meta.col("label").unwrap()].clone();
                f.meta.set("label", 2, &first);
            }),
        ],
    );
}

/// `meta_col_name_dupe` and `meta_col_name_spaces`: column names are unique and have no spaces.
#[test]
fn meta_col_name_dupe_and_meta_col_name_spaces() {
    fn check(f: &File) -> Result<(), String> {
        let names = f.meta.values("col_name");
        if names.iter().any(|n| n.contains(' ')) {
            return Err("a col_name with a space".into());
        }
        let distinct: BTreeSet<&str> = names.iter().copied().collect();
        if distinct.len() == names.len() { Ok(()) } else { Err("a col_name twice".into()) }
    }
    screen(check, &[("prevalence.csv", |f| f.meta.set("col_name", 1, "ethnicity major"))]);
}

/// `meta_fil_grp`, `meta_fil_grp_is_fil` and `meta_fil_grp_match`: only filters have a filter
/// group, every group is itself a filter of the metadata, and is a column of the data.
#[test]
fn meta_fil_grp_and_fil_grp_is_fil_and_fil_grp_match() {
    fn check(f: &File) -> Result<(), String> {
        for name in f.indicators() {
            if !f.meta_field(&name, "filter_grouping_column").is_empty() {
                return Err(format!("indicator {name} has a filter group"));
            }
        }
        for group in f.filter_groups() {
            if !f.filters().contains(&group) {
                return Err(format!("filter group {group} is not a filter"));
            }
            f.data.col(&group).ok_or(format!("filter group {group} is not in the data"))?;
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("prevalence.csv", |f| f.set_meta("estimated_children", "filter_grouping_column", "ethnicity_major")),
            ("children_by_detailed_group.csv", |f| f.set_meta("ethnicity_minor", "filter_grouping_column", "ethnic")),
        ],
    );
}

// ---- names -------------------------------------------------------------------------------

/// `col_snake_case`: column names use only a-z, 0-9 and `_`.
#[test]
fn col_snake_case() {
    fn check(f: &File) -> Result<(), String> {
        match f
            .data
            .header
            .iter()
            .find(|n| !n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            Some(n) => Err(format!("column {n:?}")),
            None => Ok(()),
        }
    }
    screen(check, &[("children_by_year.csv", |f| f.data.rename("children", "Children"))]);
}

/// `filename_spaces` and `filename_special`: no spaces, only letters, digits, `-` and `_`.
#[test]
fn filename_spaces_and_filename_special() {
    fn check(f: &File) -> Result<(), String> {
        let stem = f.name.trim_end_matches(".csv");
        if stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            Ok(())
        } else {
            Err(format!("file name {:?}", f.name))
        }
    }
    screen(check, &[("children_by_year.csv", |f| f.name = "children by year.csv".into())]);
}

// ---- indicators --------------------------------------------------------------------------

/// `ind_invalid_entry`: no indicator value is blank or a legacy symbol (`~`, `:`).
#[test]
fn ind_invalid_entry() {
    fn check(f: &File) -> Result<(), String> {
        for name in f.indicators() {
            f.data.col(&name).ok_or(format!("no column {name}"))?;
            if let Some(v) = f.data.values(&name).into_iter().find(|v| ["", "~", ":"].contains(&v.trim())) {
                return Err(format!("{name} has {v:?}"));
            }
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("children_by_year.csv", |f| f.data.set("children", 0, "")),
            ("prevalence.csv", |f| f.data.set("estimated_children", 0, ":")),
        ],
    );
}

// ---- filters -----------------------------------------------------------------------------

/// `filter_defaults`: every filter (and filter group) has a `Total` item, or the default its
/// meta row names is one of its items.
#[test]
fn filter_defaults() {
    fn check(f: &File) -> Result<(), String> {
        let mut columns = f.filters();
        columns.extend(f.filter_groups());
        for name in columns {
            let declared = f.meta_field(&name, "filter_default");
            let default = if declared.is_empty() { "Total".to_string() } else { declared };
            if !f.data.distinct(&name).contains(default.as_str()) {
                return Err(format!("filter {name} has no item {default:?}"));
            }
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("children_by_age_band.csv", |f| {
                let last = f.data.rows.len() - 1;
                f.data.set("age_band", last, "All ages");
            }),
            ("agency_capture_by_community.csv", |f| f.set_meta("agency", "filter_default", "Schools")),
        ],
    );
}

/// `filter_group_level`: a filter group has no more items than the filter it groups.
#[test]
fn filter_group_level() {
    fn check(f: &File) -> Result<(), String> {
        for name in f.filters() {
            let group = f.meta_field(&name, "filter_grouping_column");
            if !group.is_empty() && f.data.distinct(&group).len() > f.data.distinct(&name).len() {
                return Err(format!("group {group} has more items than {name}"));
            }
        }
        Ok(())
    }
    screen(
        check,
        &[("children_by_detailed_group.csv", |f| {
            f.set_meta("ethnicity_minor", "filter_grouping_column", "");
            f.set_meta("ethnicity_major", "filter_grouping_column", "ethnicity_minor");
        })],
    );
}

/// `filter_blanks` and `filter_whitespace`: no filter item is blank or has spaces around it.
#[test]
fn filter_blanks_and_filter_whitespace() {
    fn check(f: &File) -> Result<(), String> {
        let mut columns = f.filters();
        columns.extend(f.filter_groups());
        columns.extend(OB_UNITS[3..].iter().map(|s| (*s).to_string()));
        for name in columns {
            if let Some(v) = f.data.values(&name).into_iter().find(|v| v.is_empty() || v.trim() != *v) {
                return Err(format!("{name} has {v:?}"));
            }
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("children_by_community.csv", |f| f.data.set("ethnicity_major", 0, "")),
            ("known_to_services_by_agency.csv", |f| f.data.set("agency", 0, "Police ")),
        ],
    );
}

/// `filter_ob_total`: no `Total` or `All` in a geography column (those rows are blank there).
#[test]
fn filter_ob_total() {
    fn check(f: &File) -> Result<(), String> {
        for name in &OB_UNITS[3..] {
            if let Some(v) = f.data.values(name).into_iter().find(|v| ["Total", "total", "All", "all"].contains(v)) {
                return Err(format!("{name} has {v}"));
            }
        }
        Ok(())
    }
    screen(check, &[("children_by_year.csv", |f| f.data.set("la_name", 0, "Total"))]);
}

/// `filter_item_limit`: no filter has more than 25,000 items.
#[test]
fn filter_item_limit() {
    fn check(f: &File) -> Result<(), String> {
        match f.filters().into_iter().find(|n| f.data.distinct(n).len() > 25_000) {
            Some(n) => Err(format!("{n} has over 25,000 items")),
            None => Ok(()),
        }
    }
    screen(
        check,
        &[("children_by_year.csv", |f| {
            let row = f.data.rows[0].clone();
            let i = f.data.col("first_referral_year").unwrap();
            f.data.rows = (0..25_001)
                .map(|k| {
                    let mut r = row.clone();
                    r[i] = k.to_string();
                    r
                })
                .collect();
        })],
    );
}

// ---- geography ---------------------------------------------------------------------------

/// `geog_la_col_present` and `geog_region_col_present`: when any column of a level is present,
/// all of its columns are.
#[test]
fn geog_la_col_present_and_geog_region_col_present() {
    fn check(f: &File) -> Result<(), String> {
        for level in [&["old_la_code", "new_la_code", "la_name"][..], &["region_code", "region_name"][..]] {
            let present = level.iter().filter(|c| f.data.col(c).is_some()).count();
            if present != 0 && present != level.len() {
                return Err(format!("only some of {level:?}"));
            }
        }
        Ok(())
    }
    screen(check, &[("prevalence.csv", |f| f.data.drop_column("region_name"))]);
}

/// `geog_region_for_la`: local authority rows give their region, code and name.
#[test]
fn geog_region_for_la() {
    fn check(f: &File) -> Result<(), String> {
        let (codes, names) = (f.data.values("region_code"), f.data.values("region_name"));
        if codes.is_empty() || names.is_empty() {
            return Err("no region columns".into());
        }
        let la = f.data.values("geographic_level");
        if la
            .iter()
            .zip(codes.iter().zip(&names))
            .any(|(l, (c, n))| *l == "Local authority" && (c.is_empty() || n.is_empty()))
        {
            return Err("a local authority row without its region".into());
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("prevalence.csv", |f| f.data.set_all("region_code", "")),
            ("prevalence.csv", |f| {
                f.data.drop_column("region_code");
                f.data.drop_column("region_name");
            }),
        ],
    );
}

/// `geog_country_combos`, `geog_region_combos` and `geog_la_combos`: each code and name pair is
/// the published one (the sample's authority: ONS E08000018, DfE 372, Rotherham, in Yorkshire
/// and The Humber, E12000003).
#[test]
fn geog_country_combos_and_region_combos_and_la_combos() {
    fn check(f: &File) -> Result<(), String> {
        let published = [
            (&["country_code", "country_name"][..], &["E92000001", "England"][..]),
            (&["region_code", "region_name"][..], &["E12000003", "Yorkshire and The Humber"][..]),
            (&["old_la_code", "new_la_code", "la_name"][..], &["372", "E08000018", "Rotherham"][..]),
        ];
        for (columns, values) in published {
            let found: BTreeSet<Vec<&str>> = (0..f.data.rows.len())
                .map(|r| columns.iter().map(|c| f.data.col(c).map_or("", |i| f.data.rows[r][i].as_str())).collect())
                .collect();
            if found != BTreeSet::from([values.to_vec()]) {
                return Err(format!("{columns:?} are {found:?}"));
            }
        }
        Ok(())
    }
    screen(
        check,
        &[
            ("children_by_year.csv", |f| f.data.set_all("la_name", "Example Borough")),
            ("children_by_year.csv", |f| f.data.set_all("old_la_code", "373")),
        ],
    );
}

// ---- harmonised variables ----------------------------------------------------------------

/// `harmonised_variables`: a column about ethnicity has one of the harmonised names.
#[test]
fn harmonised_variables() {
    fn check(f: &File) -> Result<(), String> {
        let harmonised = ["ethnicity_major", "ethnicity_minor", "ethnicity_detailed", "minority_ethnic"];
        let mut columns: Vec<String> = f.meta.values("col_name").into_iter().map(String::from).collect();
        columns.extend(f.filter_groups());
        match columns.iter().find(|c| c.to_lowercase().contains("ethnic") && !harmonised.contains(&c.as_str())) {
            Some(c) => Err(format!("column {c} is not a harmonised name")),
            None => Ok(()),
        }
    }
    screen(
        check,
        &[("prevalence.csv", |f| {
            f.set_meta("ethnicity_major", "col_name", "ethnic_group");
        })],
    );
}

/// `harmonised_eth_vals`: ethnicity items are the GSS harmonised names, in the pairs the
/// standard has (or, with `ethnicity_major` alone, its major names).
#[test]
fn harmonised_eth_vals() {
    fn check(f: &File) -> Result<(), String> {
        let (major, minor) = (f.data.values("ethnicity_major"), f.data.values("ethnicity_minor"));
        if !minor.is_empty() && !major.is_empty() {
            match major.iter().zip(&minor).find(|(a, b)| !GSS_ETHNICITY.contains(&(**a, **b))) {
                Some((a, b)) => Err(format!("({a}, {b}) is not a GSS pair")),
                None => Ok(()),
            }
        } else {
            match major.iter().find(|a| !GSS_ETHNICITY.iter().any(|(m, _)| m == *a)) {
                Some(a) => Err(format!("{a} is not a GSS major group")),
                None => Ok(()),
            }
        }
    }
    let with_ethnicity: Vec<String> =
        files().into_iter().filter(|f| f.data.col("ethnicity_major").is_some()).map(|f| f.name).collect();
    assert!(with_ethnicity.len() >= 7, "the ethnicity tables use the harmonised column: {with_ethnicity:?}");
    screen(
        check,
        &[
            ("children_by_community.csv", |f| f.data.set("ethnicity_major", 0, "Asian, Asian British or Asian Welsh")),
            ("children_by_detailed_group.csv", |f| f.data.set("ethnicity_minor", 0, "Chinese and Bangladeshi")),
        ],
    );
}

// ---- general -----------------------------------------------------------------------------

/// `general_dupes`: no two rows have the same time, geography and filter items.
#[test]
fn general_dupes() {
    fn check(f: &File) -> Result<(), String> {
        let mut columns: Vec<String> = OB_UNITS.iter().map(|s| (*s).to_string()).collect();
        columns.extend(f.filters());
        columns.extend(f.filter_groups());
        let keys: Vec<usize> = columns.iter().filter_map(|c| f.data.col(c)).collect();
        let mut seen = BTreeSet::new();
        for row in &f.data.rows {
            if !seen.insert(keys.iter().map(|&i| row[i].as_str()).collect::<Vec<_>>()) {
                return Err("two rows with the same time, geography and filters".into());
            }
        }
        Ok(())
    }
    screen(
        check,
        &[("community_rates.csv", |f| {
            let row = f.data.rows[0].clone();
            f.data.rows.push(row);
        })],
    );
}
