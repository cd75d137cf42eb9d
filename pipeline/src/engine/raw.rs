//! Query results before disclosure control.
//!
//! A [`RawTable`] holds unprotected counts. It deliberately implements neither `Display` nor
//! `Serialize`, and its `Debug` shows column names and lengths, never a value: the only way from
//! a raw count to a file or a page is through [`crate::disclosure`]. Counts are decoded from it
//! with checked conversions where they are used ([`crate::tables::inner`]).
//!
//! Owns: the typed, unprintable form of query results. May not touch: their meaning.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int32Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;

use super::queries::{Query, Role};

/// One column of a raw result.
#[derive(Clone, PartialEq)]
pub enum RawColumn {
    /// Text values.
    Text(Vec<String>),
    /// Integer values (including years and dates as days since the epoch).
    Int(Vec<i64>),
    /// Boolean values.
    Bool(Vec<bool>),
    /// Floating-point values.
    Float(Vec<f64>),
}

impl std::fmt::Debug for RawColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            RawColumn::Text(_) => "Text",
            RawColumn::Int(_) => "Int",
            RawColumn::Bool(_) => "Bool",
            RawColumn::Float(_) => "Float",
        };
        write!(f, "{kind}({} values)", self.len())
    }
}

impl RawColumn {
    fn len(&self) -> usize {
        match self {
            RawColumn::Text(v) => v.len(),
            RawColumn::Int(v) => v.len(),
            RawColumn::Bool(v) => v.len(),
            RawColumn::Float(v) => v.len(),
        }
    }
}

/// The result of a `cells` query: named, typed columns with their disclosure roles.
#[derive(Clone)]
pub struct RawTable {
    name: String,
    columns: Vec<(String, Role, RawColumn)>,
    rows: usize,
}

impl std::fmt::Debug for RawTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawTable")
            .field("name", &self.name)
            .field("rows", &self.rows)
            .field("columns", &self.columns.iter().map(|(name, _, column)| (name, column)).collect::<Vec<_>>())
            .finish()
    }
}

impl RawTable {
    pub(super) fn from_batches(query: &Query, batches: &[RecordBatch]) -> Result<RawTable, String> {
        let mut columns: Vec<(String, Role, RawColumn)> = Vec::new();
        for (i, contract) in query.contract.columns.iter().enumerate() {
            let arrays: Vec<&ArrayRef> = batches.iter().map(|b| b.column(i)).collect();
            if arrays.iter().any(|a| a.null_count() > 0) {
                return Err(format!("column `{}` has missing values; cells must be complete", contract.name));
            }
            let column = match arrays.first().map(|a| a.data_type().clone()) {
                None => empty_column(&contract.data_type),
                Some(DataType::Utf8) => RawColumn::Text(
                    arrays
                        .iter()
                        .flat_map(|a| a.as_string::<i32>().iter().map(|v| v.unwrap_or_default().to_string()))
                        .collect(),
                ),
                Some(DataType::Utf8View) => RawColumn::Text(
                    arrays
                        .iter()
                        .flat_map(|a| a.as_string_view().iter().map(|v| v.unwrap_or_default().to_string()))
                        .collect(),
                ),
                Some(DataType::Int32) => RawColumn::Int(
                    arrays
                        .iter()
                        .flat_map(|a| a.as_primitive::<Int32Type>().values().iter().map(|&v| i64::from(v)))
                        .collect(),
                ),
                Some(DataType::Date32) => RawColumn::Int(
                    arrays
                        .iter()
                        .flat_map(|a| a.as_primitive::<Date32Type>().values().iter().map(|&v| i64::from(v)))
                        .collect(),
                ),
                Some(DataType::Int64) => RawColumn::Int(
                    arrays.iter().flat_map(|a| a.as_primitive::<Int64Type>().values().iter().copied()).collect(),
                ),
                Some(DataType::Boolean) => RawColumn::Bool(
                    arrays.iter().flat_map(|a| a.as_boolean().iter().map(Option::unwrap_or_default)).collect(),
                ),
                Some(DataType::Float64) => RawColumn::Float(
                    arrays
                        .iter()
                        .flat_map(|a| {
                            a.as_primitive::<datafusion::arrow::datatypes::Float64Type>().values().iter().copied()
                        })
                        .collect(),
                ),
                Some(other) => return Err(format!("column `{}` has unsupported type {other}", contract.name)),
            };
            columns.push((contract.name.clone(), contract.role.clone(), column));
        }
        let rows = columns.first().map_or(0, |c| c.2.len());
        Ok(RawTable { name: query.name.to_string(), columns, rows })
    }

    /// The query that produced this table.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The column called `name`, if the result has it.
    pub fn column(&self, name: &str) -> Option<&RawColumn> {
        self.columns.iter().find(|c| c.0 == name).map(|c| &c.2)
    }
}

fn empty_column(data_type: &str) -> RawColumn {
    match data_type {
        "Utf8" => RawColumn::Text(Vec::new()),
        "Boolean" => RawColumn::Bool(Vec::new()),
        "Float64" => RawColumn::Float(Vec::new()),
        _ => RawColumn::Int(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_values() {
        let table = RawTable {
            name: "cells".into(),
            columns: vec![("children".into(), Role::Count, RawColumn::Int(vec![3, 41]))],
            rows: 2,
        };
        let text = format!("{table:?}");
        assert!(text.contains("Int(2 values)"), "{text}");
        assert!(!text.contains('3') && !text.contains("41"), "{text}");
    }
}
