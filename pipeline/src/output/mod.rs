//! Typed writers for everything a command leaves behind, in two kinds of folder:
//!
//! - a [`PublicDir`] takes only what passed disclosure control: [`ProtectedTable`]s (open-data
//!   CSV with its `.meta.csv`, [`ees`]), protected spec tables ([`protect`]) and pages rendered
//!   from them ([`Page`]);
//! - a [`PrivateDir`] takes the private record: logs, the audit model, the manifest
//!   ([`manifest`]), the analyst report.
//!
//! Raw counts cannot reach either: no writer takes a `RawCount` or plain bytes for a public file.
//!
//! Owns: what goes in which file. May not touch: values (already protected) or rendering.

pub mod ees;
pub mod manifest;
pub mod protect;

use std::path::{Path, PathBuf};

use crate::disclosure::ProtectedTable;
use crate::disclosure::audit::{AuditModel, TableModel};
use crate::error::{Error, Result};
use crate::files;
use crate::report::Page;
use crate::tables::Coverage;
pub use manifest::verify;

/// A folder of published files.
#[derive(Debug)]
pub struct PublicDir {
    root: PathBuf,
    /// The folder's path inside the output, for the audit model (e.g. `release`).
    name: &'static str,
}

impl PublicDir {
    /// The public folder `root`, called `name` inside its output.
    pub(crate) fn new(root: PathBuf, name: &'static str) -> PublicDir {
        PublicDir { root, name }
    }

    /// Write a protected table as `data/<name>.csv` with its `.meta.csv`; returns where its
    /// counts sit, for the audit model.
    pub fn write_table(&self, table: &ProtectedTable, coverage: &Coverage) -> Result<(ees::WrittenTable, TableModel)> {
        let written = ees::write_table(table, coverage, &self.root.join("data"))?;
        let model = written.model(table, &format!("{}/data", self.name));
        Ok((written, model))
    }

    /// Write a rendered page at `rel`.
    pub fn write_page(&self, rel: &str, page: &Page) -> Result<()> {
        files::write_file(&self.root.join(rel), page.as_bytes())
    }
}

/// A folder of private files: never published.
#[derive(Debug)]
pub struct PrivateDir {
    root: PathBuf,
}

impl PrivateDir {
    /// The private folder `root`.
    pub fn new(root: PathBuf) -> PrivateDir {
        PrivateDir { root }
    }

    /// The folder, for stages that keep their own private files (the dataset, the quarantine).
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Write pretty JSON at `rel`.
    pub fn write_json<T: serde::Serialize>(&self, rel: &str, value: &T) -> Result<()> {
        files::write_json(&self.root.join(rel), value)
    }

    /// Write a rendered page at `rel` (the analyst report).
    pub fn write_page(&self, rel: &str, page: &Page) -> Result<()> {
        files::write_file(&self.root.join(rel), page.as_bytes())
    }

    /// Write the audit model (`audit/model.json`, compact: witnesses are long).
    pub fn write_audit_model(&self, model: &AuditModel) -> Result<()> {
        let path = self.root.join("audit").join("model.json");
        let mut bytes = serde_json::to_vec(model).map_err(|e| Error::encoding(&path, e))?;
        bytes.push(b'\n');
        files::write_file(&path, &bytes)
    }
}
