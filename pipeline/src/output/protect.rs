//! The output folder of `safestat protect`: `<table>.csv` (one column per dimension, then
//! `count`: a number or `c`), `private/disclosure-log.json` (rules, counts per rule, audited
//! intervals, witness hashes) and `private/audit/model.json` (the cell structure, the
//! primaries' true values and their witness tables; never published). The folder is replaced
//! whole, so it never holds a half-written output.
//!
//! Owns: the layout of a `protect` output folder. May not touch: protection.

use std::path::Path;

use super::PrivateDir;
use crate::disclosure::SafeValue;
use crate::disclosure::audit::{self, ModelRow, TableModel};
use crate::disclosure::spec::SpecRelease;
use crate::error::Result;
use crate::files::{self, CsvFile, spreadsheet_safe};

/// Write a protected spec into `out` (a new folder, or an earlier `protect` output it replaces).
pub fn write(out: &Path, release: &SpecRelease) -> Result<()> {
    files::replace_folder(out, |dir| audit::model_path(dir).exists(), |staging| write_into(staging, release))
}

fn write_into(dir: &Path, release: &SpecRelease) -> Result<()> {
    let mut models = Vec::new();
    for t in &release.tables {
        let mut file = CsvFile::new(&dir.join(format!("{}.csv", t.name)));
        file.row(t.dimensions.iter().map(String::as_str).chain(["count"]))?;
        for row in &t.rows {
            file.row(row.codes.iter().map(|c| spreadsheet_safe(c)).chain([SafeValue::csv_text(&row.value)]))?;
        }
        file.write()?;
        models.push(TableModel {
            file: format!("{}.csv", t.name),
            key_columns: t.dimensions.clone(),
            rows: t
                .rows
                .iter()
                .map(|r| ModelRow {
                    key: r.codes.iter().map(|c| spreadsheet_safe(c)).collect(),
                    counts: vec![("count".into(), r.cell)],
                })
                .collect(),
        });
    }
    let private = PrivateDir::new(dir.join("private"));
    private.write_json("disclosure-log.json", &release.log)?;
    private.write_audit_model(&release.model.clone().with_tables(models))
}
