//! The data contract (`contract.toml`) and the ethnicity code mapping (`ethnicity_codes.csv`),
//! both shipped in the binary. Validation and the Parquet schema are derived from them.
//!
//! Owns: the data contract. May not touch: files.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::{self, EthnicGroup};

const CONTRACT_TOML: &str = include_str!("contract.toml");
const ETHNICITY_CSV: &str = include_str!("ethnicity_codes.csv");

/// How a field's text is validated and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A record identifier: non-empty printable text up to `max_length`.
    TextId,
    /// A pseudonymous child identifier: 64 lowercase hex digits.
    Pid,
    /// An agency code.
    Agency,
    /// An ISO date, not in the future.
    Date,
    /// An integer between `min` and `max`.
    Integer,
    /// One of `values`.
    Enum,
    /// true/false, 1/0, Y/N.
    Boolean,
    /// A code of one of the agencies' ethnicity code sets.
    EthnicityCode,
    /// An ONS GSS area code.
    GssCode,
}

/// One field of the contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Column name in the input.
    pub name: String,
    /// How the value is validated.
    pub kind: FieldKind,
    /// Whether the column must be present and every value non-empty.
    pub required: bool,
    /// Allowed values (`enum`).
    #[serde(default)]
    pub values: Vec<String>,
    /// Smallest allowed value (`integer`).
    pub min: Option<i64>,
    /// Largest allowed value (`integer`).
    pub max: Option<i64>,
    /// Longest allowed text (`text_id`).
    pub max_length: Option<usize>,
}

/// SHA-256 of the shipped data contract and of the ethnicity code mapping: releases of one
/// series must have read their extracts alike.
pub fn shipped_hashes() -> (String, String) {
    (crate::files::sha256_bytes(CONTRACT_TOML.as_bytes()), crate::files::sha256_bytes(ETHNICITY_CSV.as_bytes()))
}

/// The data contract for agency extracts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Column names refused as direct identifiers or free text.
    pub refused_columns: Vec<String>,
    /// The fields, in schema order.
    #[serde(rename = "field")]
    pub fields: Vec<Field>,
}

impl Contract {
    /// The contract shipped with this build.
    pub fn shipped() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT
            .get_or_init(|| toml::from_str(CONTRACT_TOML).expect("the shipped contract.toml is valid (unit-tested)"))
    }

    /// The field called `name`, if the contract has one.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether a column name looks like a direct identifier or free text.
    pub fn is_refused_column(&self, column: &str) -> bool {
        let lower = column.trim().to_ascii_lowercase();
        let compact: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
        self.refused_columns.iter().any(|refused| {
            let refused_compact: String = refused.chars().filter(char::is_ascii_alphanumeric).collect();
            lower == *refused
                || compact == refused_compact
                || lower.split(['_', '-', ' ', '.']).any(|part| part == refused)
        })
    }
}

/// One row of the ethnicity mapping table.
#[derive(Debug, Clone)]
pub struct EthnicityCode {
    /// The agency's code, e.g. `APKN`, `A2`, `J`.
    pub code: String,
    /// The code set: `dfe`, `police` or `nhs`.
    pub code_set: String,
    /// The ONS 2021 group it maps to.
    pub group: &'static EthnicGroup,
}

/// The ethnicity code mapping, keyed by code (code sets do not overlap).
pub fn ethnicity_codes() -> &'static HashMap<String, EthnicityCode> {
    static MAP: OnceLock<HashMap<String, EthnicityCode>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(ETHNICITY_CSV.as_bytes());
        let mut map = HashMap::new();
        for row in reader.records() {
            let row = row.expect("the shipped ethnicity_codes.csv is valid (unit-tested)");
            let group =
                domain::ethnic_group(&row[3]).expect("every mapped group in ethnicity_codes.csv exists (unit-tested)");
            let code = row[0].to_string();
            map.insert(code.clone(), EthnicityCode { code, code_set: row[1].to_string(), group });
        }
        map
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_parse() {
        let c = Contract::shipped();
        for required in [
            "record_id",
            "child_pid",
            "source_agency",
            "referral_date",
            "age_at_referral",
            "sex",
            "ethnicity_code",
            "la_code",
            "cse_status",
            "known_to_services",
        ] {
            assert!(c.field(required).is_some_and(|f| f.required), "{required}");
        }
        let codes = ethnicity_codes();
        assert_eq!(codes["APKN"].group.id, "asian_pakistani");
        assert_eq!(codes["A2"].group.id, "asian_pakistani");
        assert_eq!(codes["J"].group.id, "asian_pakistani");
        assert_eq!(codes["WROR"].group.id, "white_roma");
        assert_eq!(codes["NS"].group.id, "not_known");
    }

    #[test]
    fn identifier_columns_are_recognised() {
        let c = Contract::shipped();
        for col in
            ["Name", "child_name", "DOB", "Date of Birth", "postcode", "NHS_Number", "e-mail", "Email", "case_notes"]
        {
            assert!(c.is_refused_column(col), "{col}");
        }
        for col in ["record_id", "child_pid", "la_code", "outcome", "sex"] {
            assert!(!c.is_refused_column(col), "{col}");
        }
    }
}
