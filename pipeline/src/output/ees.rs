//! Open-data CSV in the Explore Education Statistics style: mandatory time and geography
//! columns, one column per filter and indicator, symbols (`c`, `x`, `z`, `u`) instead of blanks,
//! and a `<name>.meta.csv` describing every column.

use std::path::Path;

use crate::disclosure::ProtectedTable;
use crate::error::{Error, Result};

/// The geography and period every row of a release's files carries.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// ONS code of the area (a local authority).
    pub area_code: String,
    /// Name of the area.
    pub area_name: String,
    /// First calendar year covered.
    pub from_year: i32,
    /// Last calendar year covered.
    pub to_year: i32,
}

impl Coverage {
    fn country(&self) -> (&'static str, &'static str) {
        match self.area_code.as_bytes().first() {
            Some(b'W') => ("W92000004", "Wales"),
            Some(b'S') => ("S92000003", "Scotland"),
            Some(b'N') => ("N92000002", "Northern Ireland"),
            _ => ("E92000001", "England"),
        }
    }

    /// "1997 to 2013".
    pub fn period_label(&self) -> String {
        if self.from_year == self.to_year {
            self.from_year.to_string()
        } else {
            format!("{} to {}", self.from_year, self.to_year)
        }
    }
}

/// Neutralise a text cell for spreadsheets: a leading `=`, `+`, `-`, `@`, tab or carriage return
/// is prefixed with `'` so the cell is never run as a formula.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

fn csv_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).map_err(|e| Error::Engine(format!("cannot encode CSV: {e}")))?;
    }
    writer.into_inner().map_err(|e| Error::Engine(format!("cannot encode CSV: {e}")))
}

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
pub fn write_table(table: &ProtectedTable, coverage: &Coverage, dir: &Path) -> Result<WrittenTable> {
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
        cells.extend(row.values.iter().map(crate::disclosure::SafeValue::csv_text));
        rows.push(cells);
    }
    let data_name = format!("{}.csv", table.name());
    crate::output::write_file(&dir.join(&data_name), &csv_bytes(&rows)?)?;

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
            i.unit.clone(),
            i.dp.to_string(),
            String::new(),
            String::new(),
        ]);
    }
    let meta_name = format!("{}.meta.csv", table.name());
    crate::output::write_file(&dir.join(&meta_name), &csv_bytes(&meta)?)?;
    let header = rows.remove(0);
    Ok(WrittenTable { data: data_name, meta: meta_name, header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(spreadsheet_safe("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("Example Borough"), "Example Borough");
    }
}
