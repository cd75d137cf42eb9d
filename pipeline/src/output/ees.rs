//! Open-data CSV in the Explore Education Statistics style, as DfE's screener (`eesyscreener`)
//! accepts it: mandatory time and geography columns (with the old DfE code and the region),
//! ethnicity in the harmonised `ethnicity_major` / `ethnicity_minor` columns and GSS names,
//! one column per filter (each with a `Total` or a declared default) and indicator, symbols
//! (`c`, `x`, `z`, `u`) instead of blanks, and a `<name>.meta.csv` describing every column.

//!
//! Owns: the EES file layout. May not touch: values (it writes the [`SafeValue`] text it is
//! given) or any folder but the one it is handed.

use std::path::Path;

use crate::disclosure::audit::{ModelRow, TableModel};
use crate::disclosure::{ProtectedRow, ProtectedTable, SafeValue};
use crate::domain::{Agency, ethnic_group, gss_major_name, gss_minor_name, high_level_label};
use crate::error::Result;
use crate::files::{CsvFile, spreadsheet_safe};
use crate::tables::Coverage;

/// What [`write_table`] wrote.
#[derive(Debug, Clone)]
pub struct WrittenTable {
    /// File name of the data CSV.
    pub data: String,
    /// File name of the metadata CSV.
    pub meta: String,
    /// The data CSV's header.
    pub header: Vec<String>,
    /// The data CSV's rows, as written (one per table row).
    pub rows: Vec<Vec<String>>,
    /// Its filter and indicator columns for the data guidance: (name, type, description, unit).
    pub columns: Vec<(String, String, String, String)>,
}

/// One filter column of an open-data file.
struct EesFilter {
    col_name: String,
    label: String,
    hint: String,
    /// The filter that groups this one (`filter_grouping_column`).
    group: Option<&'static str>,
}

/// How a table's filter is written: as it is, or split into the harmonised ethnicity columns
/// (`ethnicity_major`, `ethnicity_minor`) and a second filter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One filter column; the total row's item is `Total`.
    Plain,
    /// `ethnicity_major` only.
    Major,
    /// `ethnicity_major` grouping `ethnicity_minor`.
    MajorMinor,
    /// `ethnicity_major` and the age band (codes `group:band`).
    MajorAndAge,
    /// `ethnicity_major` and the agency (codes `group:agency`).
    MajorAndAgency,
}

fn layout(table: &ProtectedTable) -> Layout {
    match table.filter().col_name.as_str() {
        // Detailed groups beside the high-level ones ("not_known" is both, so it does not count).
        "ethnic_group" if table.rows().iter().any(|r| is_detailed(&r.category.0)) => Layout::MajorMinor,
        "ethnic_group" => Layout::Major,
        "ethnic_group_detailed" => Layout::MajorMinor,
        "ethnic_group_and_age" => Layout::MajorAndAge,
        "ethnic_group_and_agency" => Layout::MajorAndAgency,
        _ => Layout::Plain,
    }
}

fn is_detailed(code: &str) -> bool {
    ethnic_group(code).is_some() && high_level_label(code).is_none()
}

const MAJOR_HINT: &str = "Major ethnic group, in the GSS harmonised names (the pages use the ONS 2021 names)";

fn filters(table: &ProtectedTable, layout: Layout) -> Vec<EesFilter> {
    let f = table.filter();
    let major = |label: &str| EesFilter {
        col_name: "ethnicity_major".into(),
        label: label.to_string(),
        hint: MAJOR_HINT.to_string(),
        group: None,
    };
    match layout {
        Layout::Plain => {
            vec![EesFilter { col_name: f.col_name.clone(), label: f.label.clone(), hint: f.hint.clone(), group: None }]
        }
        Layout::Major => vec![major("Ethnic group")],
        Layout::MajorMinor => vec![
            major("Ethnic group (major)"),
            EesFilter {
                col_name: "ethnicity_minor".into(),
                label: "Ethnic group (minor)".into(),
                hint: "Minor ethnic group within the major group, GSS harmonised names; 'Total' is the major group"
                    .into(),
                group: Some("ethnicity_major"),
            },
        ],
        Layout::MajorAndAge => vec![
            major("Ethnic group"),
            EesFilter {
                col_name: "age_band".into(),
                label: "Age at first referral".into(),
                hint: "Age band of the child at their first referral in the period".into(),
                group: None,
            },
        ],
        Layout::MajorAndAgency => vec![
            major("Ethnic group"),
            EesFilter {
                col_name: "agency".into(),
                label: "Agency".into(),
                hint: "The agency that recorded the child (a child recorded by several agencies appears in each)"
                    .into(),
                group: None,
            },
        ],
    }
}

/// The filter items of one row, in the order of [`filters`]. Every code of the catalogue has
/// its items; a code without one (never made by the catalogue) keeps the row's label.
fn filter_items(layout: Layout, row: &ProtectedRow) -> Vec<String> {
    const TOTAL: &str = "Total";
    let (code, label) = (&row.category.0, &row.category.1);
    let or_label = |item: Option<&str>| item.map_or_else(|| label.clone(), str::to_string);
    let width = if matches!(layout, Layout::Plain | Layout::Major) { 1 } else { 2 };
    if row.is_total {
        return vec![TOTAL.to_string(); width];
    }
    let (group, rest) = code.split_once(':').unwrap_or((code.as_str(), ""));
    match layout {
        Layout::Plain => vec![label.clone()],
        Layout::Major => vec![or_label(gss_major_name(code))],
        Layout::MajorMinor => match ethnic_group(code) {
            Some(g) => vec![or_label(gss_major_name(g.high_id)), or_label(gss_minor_name(g.id))],
            // A high-level group: its minor item is the major group's total ("Unknown" has no
            // minor groups, so it is its own minor item, as the GSS list pairs it).
            None if code == "not_known" => vec!["Unknown".into(), "Unknown".into()],
            None => vec![or_label(gss_major_name(code)), TOTAL.into()],
        },
        Layout::MajorAndAge => vec![or_label(gss_major_name(group)), format!("{rest} years")],
        Layout::MajorAndAgency => {
            vec![or_label(gss_major_name(group)), or_label(Agency::from_code(rest).map(Agency::label))]
        }
    }
}

/// Write `dir/<table>.csv` and `dir/<table>.meta.csv`.
///
/// Every row has the release's reporting year (`time_period`, the last calendar year of the
/// period, `time_identifier` "Reporting year"); years within the period (of first referral,
/// financial years) are filters with a `Total`, so each file keeps its total row.
pub(super) fn write_table(table: &ProtectedTable, coverage: &Coverage, dir: &Path) -> Result<WrittenTable> {
    let (country_code, country_name) = coverage.country();
    let layout = layout(table);
    let filters = filters(table, layout);
    let mut header: Vec<String> = [
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
    ]
    .map(String::from)
    .to_vec();
    header.extend(filters.iter().map(|f| f.col_name.clone()));
    header.extend(table.indicators().iter().map(|i| i.col_name.clone()));
    // GSS "not available" where the configuration does not give the codes.
    let (region_code, region_name) = coverage.region.clone().unwrap_or_else(|| ("x".into(), "x".into()));
    let old_la_code = coverage.old_la_code.clone().unwrap_or_else(|| "x".into());
    let mut rows = vec![header];
    for row in table.rows() {
        let mut cells = vec![
            coverage.to_year.to_string(),
            "Reporting year".to_string(),
            "Local authority".to_string(),
            country_code.to_string(),
            country_name.to_string(),
            region_code.clone(),
            spreadsheet_safe(&region_name),
            old_la_code.clone(),
            coverage.area_code.clone(),
            spreadsheet_safe(&coverage.area_name),
        ];
        cells.extend(filter_items(layout, row).iter().map(|item| spreadsheet_safe(item)));
        cells.extend(row.values.iter().map(SafeValue::csv_text));
        rows.push(cells);
    }
    let data_name = format!("{}.csv", table.name());
    write_csv(&dir.join(&data_name), &rows)?;

    let mut meta = vec![
        [
            "col_name",
            "col_type",
            "label",
            "indicator_grouping",
            "indicator_unit",
            "indicator_dp",
            "filter_hint",
            "filter_grouping_column",
            "filter_default",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let first_filter = rows[0].len() - table.indicators().len() - filters.len();
    for (k, f) in filters.iter().enumerate() {
        // A filter without a `Total` item (a table with no total row) opens on its first item.
        let items = || rows[1..].iter().map(|r| r[first_filter + k].as_str());
        let default = if items().any(|item| item == "Total") { "" } else { items().next().unwrap_or_default() };
        meta.push(vec![
            f.col_name.clone(),
            "Filter".into(),
            spreadsheet_safe(&f.label),
            String::new(),
            String::new(),
            String::new(),
            spreadsheet_safe(&f.hint),
            f.group.unwrap_or_default().to_string(),
            default.to_string(),
        ]);
    }
    for i in table.indicators() {
        meta.push(vec![
            i.col_name.clone(),
            "Indicator".into(),
            spreadsheet_safe(&i.label),
            String::new(),
            ees_unit(&i.unit).to_string(),
            i.dp.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    let meta_name = format!("{}.meta.csv", table.name());
    write_csv(&dir.join(&meta_name), &meta)?;
    let header = rows.remove(0);
    let columns = filters
        .iter()
        .map(|f| (f.col_name.clone(), "Filter".to_string(), format!("{}: {}", f.label, f.hint), String::new()))
        .chain(
            table
                .indicators()
                .iter()
                .map(|i| (i.col_name.clone(), "Indicator".into(), i.label.clone(), i.unit.clone())),
        )
        .collect();
    Ok(WrittenTable { data: data_name, meta: meta_name, header, rows, columns })
}

fn write_csv(path: &Path, rows: &[Vec<String>]) -> Result<()> {
    let mut file = CsvFile::new(path);
    for row in rows {
        file.row(row)?;
    }
    file.write()
}

impl WrittenTable {
    /// Where the counts of `table` (as written here, from `folder`) sit, for the audit model:
    /// the key is every column that is not an indicator.
    pub(super) fn model(&self, table: &ProtectedTable, folder: &str) -> TableModel {
        let indicators: Vec<&str> = table.indicators().iter().map(|i| i.col_name.as_str()).collect();
        let key: Vec<usize> =
            (0..self.header.len()).filter(|&i| !indicators.contains(&self.header[i].as_str())).collect();
        TableModel {
            file: format!("{folder}/{}", self.data),
            key_columns: key.iter().map(|&i| self.header[i].clone()).collect(),
            rows: self
                .rows
                .iter()
                .enumerate()
                .map(|(r, row)| ModelRow {
                    key: key.iter().map(|&i| row[i].clone()).collect(),
                    counts: table
                        .count_cells()
                        .iter()
                        .filter(|(row, _, _)| *row == r)
                        .map(|&(_, i, cell)| (indicators[i].to_string(), cell))
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The indicator unit as EES accepts it: `%`, `pp`, `£`, `£m`, `numberstring` or blank (DfE
/// screener check `meta_ind_unit_validation`). Other units (`per 10,000`, `ratio`, `text`) are
/// left blank in the metadata; the label and the data guidance say them.
fn ees_unit(unit: &str) -> &str {
    match unit {
        "%" | "pp" | "£" | "£m" | "numberstring" => unit,
        _ => "",
    }
}
