//! `safestat pseudonymise`: raw linkage identifiers to a keyed pseudonym.
//!
//! The named identifier columns of each row are normalised (trimmed, case-folded), joined with
//! the unit separator, and turned into `child_pid` = hex HMAC-SHA256 under a secret key. The raw
//! columns are dropped. The key is read from a file or from the `SAFESTAT_PSEUDONYM_KEY`
//! environment variable, never from the command line or a configuration, and never appears in
//! any output, log or error; only a fingerprint (the first 16 hex digits of its SHA-256) does.
//!
//! Owns: keys and pseudonyms. May not touch: the key in any output, log or error.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The environment variable that may hold the key.
pub const KEY_VARIABLE: &str = "SAFESTAT_PSEUDONYM_KEY";
/// Shortest accepted key, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// A pseudonymisation key. Its `Debug` never shows the key.
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key(fingerprint {})", self.fingerprint())
    }
}

impl Key {
    /// Read the key from `file` (trailing line breaks removed), or from the environment.
    pub fn load(file: Option<&Path>) -> Result<Key> {
        let usage = |message: String| Error::usage(format!("pseudonymisation key: {message}"));
        let bytes = match file {
            Some(path) => {
                let mut bytes = std::fs::read(path).map_err(|e| Error::io("cannot read the key file", path, e))?;
                while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    bytes.pop();
                }
                bytes
            }
            None => std::env::var(KEY_VARIABLE)
                .map_err(|_| {
                    usage(format!(
                        "give --key-file FILE or set {KEY_VARIABLE}; the key is never taken from the command line"
                    ))
                })?
                .into_bytes(),
        };
        if bytes.len() < MIN_KEY_BYTES {
            return Err(usage(format!("the key is shorter than {MIN_KEY_BYTES} bytes")));
        }
        Ok(Key(bytes))
    }

    /// First 16 hex digits of the key's SHA-256: identifies a key without revealing it.
    pub fn fingerprint(&self) -> String {
        crate::files::hex(&Sha256::digest(&self.0)[..8])
    }

    /// The pseudonym of one person's identifiers.
    pub fn pseudonym(&self, identifiers: &[&str]) -> String {
        let normalised: Vec<String> = identifiers.iter().map(|v| v.trim().to_lowercase()).collect();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(normalised.join("\u{1f}").as_bytes());
        crate::files::hex(&mac.finalize().into_bytes())
    }
}

/// Pseudonymise `input` into `output`; returns the number of rows written.
pub fn run(key: &Key, input: &Path, output: &Path, id_columns: &[String]) -> Result<u64> {
    let refuse = |message: String| Error::InputRefused { path: input.to_path_buf(), message };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .map_err(|e| Error::io("cannot read", input, std::io::Error::other(e.to_string())))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|_| refuse("the header row is not readable CSV".into()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    if id_columns.is_empty() {
        return Err(refuse("--id-columns names no column".into()));
    }
    let ids: Vec<usize> = id_columns
        .iter()
        .map(|c| {
            header.iter().position(|h| h == c).ok_or_else(|| refuse(format!("identifier column `{c}` is missing")))
        })
        .collect::<Result<_>>()?;
    if header.iter().any(|h| h == "child_pid") {
        return Err(refuse("the file already has a `child_pid` column".into()));
    }
    let kept: Vec<usize> = (0..header.len()).filter(|i| !ids.contains(i)).collect();
    let mut writer = crate::files::CsvFile::new(output);
    let mut out_header = vec!["child_pid".to_string()];
    out_header.extend(kept.iter().map(|&i| header[i].clone()));
    writer.row(&out_header)?;
    let mut rows = 0;
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|_| refuse(format!("line {line}: not valid UTF-8 CSV")))?;
        if record.len() != header.len() {
            return Err(refuse(format!("line {line}: {} fields, the header has {}", record.len(), header.len())));
        }
        let values: Vec<&str> = ids.iter().map(|&i| &record[i]).collect();
        if let Some(pos) = values.iter().position(|v| v.trim().is_empty()) {
            return Err(refuse(format!("line {line}, field `{}`: empty identifier", header[ids[pos]])));
        }
        let mut out = vec![key.pseudonym(&values)];
        out.extend(kept.iter().map(|&i| record[i].to_string()));
        writer.row(&out)?;
        rows += 1;
    }
    writer.write()?;
    Ok(rows)
}
