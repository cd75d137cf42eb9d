//! Open-data CSV in the Explore Education Statistics style: mandatory time and geography
//! columns, one column per filter and indicator, symbols (`c`, `x`, `z`, `u`) instead of blanks,
//! and a `<name>.meta.csv` describing every column.

//!
//! Owns: the EES file layout. May not touch: values (it writes the [`SafeValue`] text it is
//! given) or any folder but the one it is handed.

use std::path::Path;

use crate::disclosure::audit::{ModelRow, TableModel};
use crate::disclosure::{ProtectedTable, SafeValue};
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
}

/// Write `dir/<table>.csv` and `dir/<table>.meta.csv`.
pub(super) fn write_table(table: &ProtectedTable, coverage: &Coverage, dir: &Path) -> Result<WrittenTable> {
    let (country_code, country_name) = coverage.country();
    let by_year = table.filter().col_name == "time_period";
    let mut header: Vec<String> = [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "new_la_code",
        "la_name",
        "period_covered",
    ]
    .map(String::from)
    .to_vec();
    if !by_year {
        header.push(table.filter().col_name.clone());
    }
    header.extend(table.indicators().iter().map(|i| i.col_name.clone()));
    let mut rows = vec![header];
    for row in table.rows() {
        let (time_period, covered) = if by_year && !row.is_total {
            (row.category.0.clone(), row.category.0.clone())
        } else {
            (coverage.to_year.to_string(), coverage.period_label())
        };
        let mut cells = vec![
            time_period,
            "Calendar year".to_string(),
            "Local authority".to_string(),
            country_code.to_string(),
            country_name.to_string(),
            coverage.area_code.clone(),
            spreadsheet_safe(&coverage.area_name),
            covered,
        ];
        if !by_year {
            cells.push(spreadsheet_safe(&row.category.1));
        }
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
        ]
        .map(String::from)
        .to_vec(),
        vec![
            "period_covered".into(),
            "Filter".into(),
            "Period covered".into(),
            String::new(),
            String::new(),
            String::new(),
            "The calendar years the figures cover".into(),
            String::new(),
        ],
    ];
    if !by_year {
        let f = table.filter();
        meta.push(vec![
            f.col_name.clone(),
            "Filter".into(),
            spreadsheet_safe(&f.label),
            String::new(),
            String::new(),
            String::new(),
            spreadsheet_safe(&f.hint),
            String::new(),
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
        ]);
    }
    let meta_name = format!("{}.meta.csv", table.name());
    write_csv(&dir.join(&meta_name), &meta)?;
    let header = rows.remove(0);
    Ok(WrittenTable { data: data_name, meta: meta_name, header, rows })
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
