//! Reading capture-history tables in the reference format: one 0/1 column per list plus a
//! `count` column (absent histories are zero), or frequency-of-capture data (`nbcap,freq`).
//!
//! Owns: the capture-history CSV formats. May not touch: estimation.

use std::path::Path;

use crate::error::{Error, Result};
use crate::stats::mse::CaptureTable;

/// What a capture file holds.
#[derive(Debug, Clone)]
pub enum CaptureData {
    /// Counts per capture history.
    Histories(CaptureTable),
    /// `freq[k]` individuals seen on exactly k occasions (index 0 unused).
    Frequencies(Vec<f64>),
}

/// Open an analyst's CSV file and read its header (names trimmed). Errors name the file.
pub(crate) fn open_analysis_csv(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>)> {
    let fail = |message: String| Error::Analysis { path: path.to_path_buf(), message };
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    Ok((reader, header))
}

/// Read a capture-history or frequency table.
pub fn read(path: &Path) -> Result<CaptureData> {
    let fail = |message: String| Error::Analysis { path: path.to_path_buf(), message };
    let (mut reader, header) = open_analysis_csv(path)?;
    let count_col = header
        .iter()
        .position(|h| h == "count" || h == "freq")
        .ok_or_else(|| fail("no `count` column (one 0/1 column per list plus `count`, or `nbcap,freq`)".into()))?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|_| fail(format!("line {line}: not a valid CSV row")))?;
        let values: Vec<f64> = record
            .iter()
            .enumerate()
            .map(|(c, v)| {
                let refuse = |why: String| fail(format!("line {line}, field `{}`: {why}", header[c]));
                let x = v.trim().parse::<f64>().map_err(|_| refuse("not a non-negative number".into()))?;
                crate::domain::count::check_number(x).map_err(|why| match why {
                    crate::domain::count::CountRefusal::NotWhole => refuse("not a non-negative number".into()),
                    crate::domain::count::CountRefusal::TooLarge => refuse(why.to_string()),
                })
            })
            .collect::<Result<_>>()?;
        rows.push(values);
    }
    if header.len() == 2 && header[0] == "nbcap" {
        if let Some(i) = rows.iter().position(|r| r[0].fract() != 0.0 || !(1.0..=64.0).contains(&r[0])) {
            return Err(fail(format!("line {}, field `nbcap`: not a number of captures from 1 to 64", i + 2)));
        }
        let max = rows.iter().map(|r| r[0] as usize).max().unwrap_or(0);
        let mut freq = vec![0.0; max + 1];
        for r in &rows {
            freq[r[0] as usize] += r[1];
        }
        return Ok(CaptureData::Frequencies(freq));
    }
    let lists: Vec<String> =
        header.iter().enumerate().filter(|(c, _)| *c != count_col).map(|(_, h)| h.clone()).collect();
    if lists.len() > 16 {
        return Err(fail("more than 16 lists".into()));
    }
    let mut counts = vec![0.0; 1 << lists.len()];
    for (i, r) in rows.iter().enumerate() {
        let mut mask = 0usize;
        for (bit, (_, v)) in r.iter().enumerate().filter(|(c, _)| *c != count_col).enumerate() {
            if (*v - 1.0).abs() < f64::EPSILON {
                mask |= 1 << bit;
            } else if v.abs() >= f64::EPSILON {
                return Err(fail(format!("line {}, field `{}`: a list column holds 0 or 1", i + 2, lists[bit])));
            }
        }
        if mask == 0 && r[count_col] > 0.0 {
            return Err(fail(format!("line {}: the all-zero history cannot be observed", i + 2)));
        }
        counts[mask] += r[count_col];
    }
    CaptureTable::new(lists, counts).map(CaptureData::Histories).map_err(fail)
}
