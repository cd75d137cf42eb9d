//! Inner cells: the finest classification every count a release publishes is a sum of, decoded
//! from the `inner_cells` query.
//!
//! Owns: the decoding of that one query result (checked: a negative or out-of-range count is a
//! query error, not a wrapped number). May not touch: which tables sum which cells
//! ([`super::catalogue`]).

use crate::domain::RawCount;
use crate::engine::{RawColumn, RawTable};
use crate::error::{Error, Result};

/// The classification of an inner cell: the finest one every published count is a sum of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CellKey {
    /// Calendar year of the child's first referral in the period.
    pub year: i32,
    /// ONS 2021 detailed ethnic group identifier.
    pub ethnic_group: String,
    /// Sex code.
    pub sex: String,
    /// Age band at first referral.
    pub age_band: String,
    /// Known to services before referral.
    pub known_to_services: bool,
    /// Capture history: bit i set when agency list i recorded the child.
    pub agency_mask: u32,
}

/// One inner cell: its classification and its (unprotected) number of children.
#[derive(Clone)]
pub struct InnerCell {
    /// The classification.
    pub key: CellKey,
    /// Children in the cell.
    pub children: RawCount,
}

/// Read the `inner_cells` query result.
pub fn decode(table: &RawTable) -> Result<Vec<InnerCell>> {
    let fail = |message: String| Error::Query { query: table.name().to_string(), message };
    let text = |name: &str| match table.column(name) {
        Some(RawColumn::Text(v)) => Ok(v),
        _ => Err(fail(format!("column `{name}` is missing or not text"))),
    };
    let int = |name: &str| match table.column(name) {
        Some(RawColumn::Int(v)) => Ok(v),
        _ => Err(fail(format!("column `{name}` is missing or not an integer"))),
    };
    let (years, groups, sexes, bands, masks, children) =
        (int("year")?, text("ethnic_group")?, text("sex")?, text("age_band")?, int("agency_mask")?, int("children")?);
    let Some(RawColumn::Bool(known)) = table.column("known_to_services") else {
        return Err(fail("column `known_to_services` is missing or not boolean".into()));
    };
    let out_of_range = |column: &str, row: usize| fail(format!("row {}, column `{column}`: out of range", row + 1));
    (0..table.rows())
        .map(|i| {
            Ok(InnerCell {
                key: CellKey {
                    year: i32::try_from(years[i]).map_err(|_| out_of_range("year", i))?,
                    ethnic_group: groups[i].clone(),
                    sex: sexes[i].clone(),
                    age_band: bands[i].clone(),
                    known_to_services: known[i],
                    agency_mask: u32::try_from(masks[i]).map_err(|_| out_of_range("agency_mask", i))?,
                },
                children: RawCount::from_i64(children[i]).ok_or_else(|| out_of_range("children", i))?,
            })
        })
        .collect()
}
