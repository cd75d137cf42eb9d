//! Bytes to disk: hashing, writing, listing, and the atomic swaps that make an output folder
//! appear whole or not at all. Knows nothing about what the bytes mean; what may be written
//! where is decided by [`crate::output`] (typed writers for public and private files).
//!
//! Owns: file system access for outputs. May not touch: tables, values or templates.

mod publish;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
pub use publish::{publish_atomically, replace_folder};

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let file = File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf).map_err(|e| Error::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Hex SHA-256 of bytes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Fault injection for tests where no small file system can be mounted: with
/// `SAFESTAT_FAULT_DISK_BYTES=N`, writes through [`write_file`] fail as on a full disk once N bytes
/// have been written. Unset, it costs one check per file.
fn simulated_disk_full(len: usize) -> bool {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static BUDGET: OnceLock<Option<AtomicU64>> = OnceLock::new();
    let Some(budget) =
        BUDGET.get_or_init(|| std::env::var("SAFESTAT_FAULT_DISK_BYTES").ok()?.parse().ok().map(AtomicU64::new))
    else {
        return false;
    };
    let len = len as u64;
    budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(len)).is_err()
}

/// Write bytes to a file, creating its folder.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    }
    if simulated_disk_full(bytes.len()) {
        return Err(Error::io("cannot write", path, std::io::Error::from(std::io::ErrorKind::StorageFull)));
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}

/// Write pretty JSON (with a final newline) to a file.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::encoding(path, e))?;
    text.push('\n');
    write_file(path, text.as_bytes())
}

/// Every file under `root`, as sorted paths relative to it (with `/` separators).
pub fn list_files(root: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot list", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot list", dir, e))?;
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if root.exists() {
        walk(root, root, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// A CSV writer with `\n` line ends, the format of every CSV safestat writes.
pub fn csv_writer<W: std::io::Write>(inner: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(inner)
}

/// A CSV file built in memory, then written whole to `path` by [`CsvFile::write`].
pub struct CsvFile {
    path: std::path::PathBuf,
    writer: csv::Writer<Vec<u8>>,
}

impl CsvFile {
    /// An empty file that will be written to `path`.
    pub fn new(path: &Path) -> CsvFile {
        CsvFile { path: path.to_path_buf(), writer: csv_writer(Vec::new()) }
    }

    /// Append one record.
    pub fn row<I, T>(&mut self, record: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(record).map_err(|e| Error::encoding(&self.path, e))
    }

    /// The encoded bytes.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        let path = self.path;
        self.writer.into_inner().map_err(|e| Error::encoding(&path, e.into_error()))
    }

    /// Write the file.
    pub fn write(self) -> Result<()> {
        let path = self.path.clone();
        write_file(&path, &self.into_bytes()?)
    }
}

/// Neutralise a text cell for spreadsheets: a leading `=`, `+`, `-`, `@`, tab or carriage return
/// is prefixed with `'` so the cell is never run as a formula.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
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

    #[test]
    fn csv_files_end_lines_with_newline_and_quote_commas() {
        let mut file = CsvFile::new(Path::new("t.csv"));
        file.row(["a", "b,c"]).unwrap();
        file.row(["1", "2"]).unwrap();
        assert_eq!(file.into_bytes().unwrap(), b"a,\"b,c\"\n1,2\n");
    }
}
