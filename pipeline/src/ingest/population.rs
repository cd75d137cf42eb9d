//! Child population denominators (0-17) by area x ethnic group x age x sex.
//!
//! Owns: the population file format. May not touch: rates (computed from protected counts).

use std::path::Path;

use serde::Serialize;

use crate::domain::is_gss_code;
use crate::domain::{Sex, ethnic_group};
use crate::error::{Error, Result};

/// One denominator row.
#[derive(Debug, Clone, Serialize)]
pub struct PopulationRow {
    /// ONS GSS code of the area.
    pub la_code: String,
    /// ONS 2021 detailed ethnic group identifier.
    pub ethnic_group: &'static str,
    /// Age 0-17.
    pub age: u8,
    /// Sex code.
    pub sex: &'static str,
    /// Number of children.
    pub population: u64,
}

/// Read and validate a population file; keep only rows for `area_code`.
pub fn load(path: &Path, area_code: &str) -> Result<Vec<PopulationRow>> {
    let fail = |line: u64, field: &str, message: &str| Error::Population {
        path: path.to_path_buf(),
        line,
        field: field.to_string(),
        message: message.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| Error::io("cannot read the population file", path, std::io::Error::other(e.to_string())))?;
    let headers = reader.headers().map_err(|_| fail(1, "", "the header row is not readable CSV"))?.clone();
    let position = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| fail(1, name, "required column is missing"))
    };
    let (la, eth, age, sex, pop) =
        (position("la_code")?, position("ethnicity")?, position("age")?, position("sex")?, position("population")?);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            fail(line, "", "the row is not valid CSV (wrong number of fields or not UTF-8)")
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let la_code = record[la].trim();
        if !is_gss_code(la_code) {
            return Err(fail(line, "la_code", "not an ONS GSS code"));
        }
        if la_code != area_code {
            continue;
        }
        let group = ethnic_group(record[eth].trim())
            .ok_or_else(|| fail(line, "ethnicity", "not an ONS 2021 ethnic group identifier"))?;
        let age: u8 =
            record[age].trim().parse().ok().filter(|a| *a <= 17).ok_or_else(|| fail(line, "age", "not an age 0-17"))?;
        let sex = Sex::from_code(record[sex].trim())
            .filter(|s| *s != Sex::U)
            .ok_or_else(|| fail(line, "sex", "not F or M"))?;
        let population = crate::domain::count::parse_count(&record[pop]).map_err(|why| match why {
            crate::domain::count::CountRefusal::NotWhole => fail(line, "population", "not a whole number"),
            crate::domain::count::CountRefusal::TooLarge => {
                fail(line, "population", "above the largest count accepted, 1,000,000,000")
            }
        })?;
        rows.push(PopulationRow {
            la_code: la_code.to_string(),
            ethnic_group: group.id,
            age,
            sex: sex.code(),
            population,
        });
    }
    if rows.is_empty() {
        return Err(fail(0, "la_code", "no rows for the release's area_code"));
    }
    Ok(rows)
}
