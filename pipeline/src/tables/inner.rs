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
    /// The financial years the child was referred in: bit i is the year starting 1 April of
    /// `year - 1 + i` (see `queries/child_histories.sql`).
    pub financial_years: u32,
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
    let financial_years = int("financial_years")?;
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
                    financial_years: u32::try_from(financial_years[i])
                        .ok()
                        .filter(|&m| m != 0)
                        .ok_or_else(|| out_of_range("financial_years", i))?,
                },
                children: RawCount::from_i64(children[i]).ok_or_else(|| out_of_range("children", i))?,
            })
        })
        .collect()
}

impl CellKey {
    /// The cell as it is written in a transition (`queries/series_transitions.sql`):
    /// `year|ethnic_group|sex|age_band|known|agency_mask|financial_years`, known as 1 or 0.
    pub fn member_text(&self) -> String {
        let known = u8::from(self.known_to_services);
        format!(
            "{}|{}|{}|{}|{known}|{}|{}",
            self.year, self.ethnic_group, self.sex, self.age_band, self.agency_mask, self.financial_years
        )
    }

    /// Whether the child was referred in the financial year that starts in April of `year`.
    pub fn referred_in_financial_year(&self, year: i32) -> bool {
        u32::try_from(year - (self.year - 1)).is_ok_and(|bit| bit < 32 && self.financial_years >> bit & 1 == 1)
    }
}

/// The transitions of an annual series: every distinct list of the inner cells one child holds
/// in each release (earliest first, the current release last), with its number of children.
/// They are the variables of the series' joint protection: each release's inner cell is the sum
/// of the transitions through it.
#[derive(Clone)]
pub struct Transitions {
    /// Per transition, the child's inner cell in each release (`None`: not in that release).
    pub cells: Vec<Vec<Option<usize>>>,
    /// Children per transition.
    pub children: Vec<RawCount>,
}

impl Transitions {
    /// Per inner cell of release `release`, the children the transitions through it hold.
    pub fn release_counts(&self, release: usize, inner_cells: usize) -> Vec<u64> {
        let mut counts = vec![0u64; inner_cells];
        for (cells, children) in self.cells.iter().zip(&self.children) {
            if let Some(Some(i)) = cells.get(release) {
                counts[*i] += children.get();
            }
        }
        counts
    }
}

/// Read the `series_transitions` query result, whose releases' inner cells are `releases`
/// (series order). A member that names a release or a cell the series does not have is a query
/// error naming the row.
pub fn decode_transitions(table: &RawTable, releases: &[&[CellKey]]) -> Result<Transitions> {
    let fail = |message: String| Error::Query { query: table.name().to_string(), message };
    let (Some(RawColumn::Text(texts)), Some(RawColumn::Int(children))) =
        (table.column("transition"), table.column("children"))
    else {
        return Err(fail("columns `transition` (text) and `children` (integer) are required".into()));
    };
    let index: Vec<std::collections::HashMap<String, usize>> =
        releases.iter().map(|cells| cells.iter().enumerate().map(|(i, k)| (k.member_text(), i)).collect()).collect();
    let mut out = Transitions { cells: Vec::with_capacity(texts.len()), children: Vec::with_capacity(texts.len()) };
    for (row, (text, &n)) in texts.iter().zip(children).enumerate() {
        let unknown = || {
            fail(format!(
                "row {}, column `transition`: a child's cell is not one of its release's inner cells (the \
                 release's dataset does not reproduce its state)",
                row + 1
            ))
        };
        let mut cells = vec![None; releases.len()];
        for member in text.split(';') {
            let (release, cell) = member.split_once('=').ok_or_else(unknown)?;
            let release: usize = release.parse().map_err(|_| unknown())?;
            let i = index.get(release).and_then(|m| m.get(cell)).ok_or_else(unknown)?;
            cells[release] = Some(*i);
        }
        out.cells.push(cells);
        out.children.push(
            RawCount::from_i64(n).ok_or_else(|| fail(format!("row {}, column `children`: out of range", row + 1)))?,
        );
    }
    Ok(out)
}
