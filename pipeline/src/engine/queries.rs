//! Query discovery: every `queries/<name>.sql` with its sibling contract `queries/<name>.toml`.
//!
//! A contract states the grain, the kind (`intermediate`: registered as a view for later queries,
//! never leaves the engine; `cells`: collected and handed to Rust), the tables it reads, and each
//! column's type and disclosure role. A result column without a role, or of another type, fails
//! the run.
//!
//! Owns: query files and their contracts. May not touch: how results are used.

include!(concat!(env!("OUT_DIR"), "/queries.rs"));

use serde::Deserialize;

use crate::error::{Error, Result};

/// What a query's result is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// Registered as a view for later queries; never leaves the engine.
    Intermediate,
    /// Collected into a [`super::RawTable`] for estimation and disclosure control.
    Cells,
    /// Run only for a release with earlier releases of its series, over `series_members`
    /// ([`super::series`]); collected like `cells`.
    Series,
}

/// The disclosure role of a result column.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A classification (filter) column.
    Dimension,
    /// A count of children or records: subject to suppression.
    Count,
    /// A population denominator.
    Denominator,
    /// A record-level key (only in intermediate queries; never collected).
    Key,
}

/// One column of a query contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnContract {
    /// Column name.
    pub name: String,
    /// Arrow type name (`Utf8`, `Int32`, `Int64`, `Boolean`, `Date32`, `Float64`).
    #[serde(rename = "type")]
    pub data_type: String,
    /// Disclosure role.
    pub role: Role,
}

/// A query's contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryContract {
    /// What one row is.
    pub grain: String,
    /// What the result is for.
    pub kind: QueryKind,
    /// Tables and earlier queries it reads.
    pub sources: Vec<String>,
    /// The result columns, in order.
    #[serde(rename = "column")]
    pub columns: Vec<ColumnContract>,
}

/// A query file with its contract.
#[derive(Debug, Clone)]
pub struct Query {
    /// File name without `.sql`: also the name of its result table.
    pub name: &'static str,
    /// The SQL text.
    pub sql: &'static str,
    /// The contract text (hashed into the manifest).
    pub contract_text: &'static str,
    /// The parsed contract.
    pub contract: QueryContract,
}

/// All shipped queries, in an order where each comes after the queries it reads.
pub fn shipped() -> Result<Vec<Query>> {
    let mut pending: Vec<Query> = Vec::new();
    for (name, sql, contract_text) in QUERIES {
        let contract: QueryContract = toml::from_str(contract_text).map_err(|e| Error::Query {
            query: (*name).to_string(),
            message: format!("contract queries/{name}.toml: {e}"),
        })?;
        if let Some(key) =
            contract.columns.iter().find(|c| c.role == Role::Key && contract.kind != QueryKind::Intermediate)
        {
            return Err(Error::Query {
                query: (*name).to_string(),
                message: format!(
                    "column `{}` has role `key`, but record-level keys may not leave the engine \
                     (kind = \"cells\" or \"series\")",
                    key.name
                ),
            });
        }
        pending.push(Query { name, sql, contract_text, contract });
    }
    // Topological order; names are already sorted, so the order is deterministic.
    let names: Vec<&str> = pending.iter().map(|q| q.name).collect();
    let mut ordered: Vec<Query> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending.iter().position(|q| {
            q.contract.sources.iter().all(|s| !names.contains(&s.as_str()) || ordered.iter().any(|o| o.name == s))
        });
        match ready {
            Some(i) => ordered.push(pending.remove(i)),
            None => {
                return Err(Error::Query {
                    query: pending[0].name.to_string(),
                    message: "its `sources` form a cycle with other queries".into(),
                });
            }
        }
    }
    Ok(ordered)
}
