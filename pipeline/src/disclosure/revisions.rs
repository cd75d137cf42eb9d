//! The revisions table of a series release: per calendar year of first referral that the last
//! earlier release covered, the count it published, the count now, and the revision (now minus
//! then) where both are shown. Every figure in it is already public (the earlier count) or
//! published by this release; the revision is their difference, so the table reveals nothing
//! new. It cannot show a revision of 1..T: protection withholds a count that differs from its
//! earlier figure by that much ([`super::linked`]).
//!
//! Owns: the revisions table. May not touch: suppression (already decided).

// Revisions are differences of published counts (far below 2^52).
#![allow(clippy::cast_precision_loss)]

use super::linked::EarlierRelease;
use super::{ProtectedRow, ProtectedTable, SafeValue, Symbol, table_in};
use crate::tables::{FilterColumn, IndicatorColumn, TableId};

/// The table, or `None` without an earlier release or a table by year in both.
pub(super) fn revisions_table(previous: Option<&EarlierRelease>, tables: &[ProtectedTable]) -> Option<ProtectedTable> {
    let previous = previous?;
    let now = table_in(tables, TableId::ChildrenByYear)?;
    let then = previous.catalogue.counts.iter().find(|t| t.id == TableId::ChildrenByYear)?;
    let published = |code: &str| {
        previous
            .figures
            .iter()
            .find(|f| f.table == TableId::ChildrenByYear.name() && f.code == code && f.column == "children")
            .map(|f| f.published)
    };
    let mut rows = Vec::new();
    let mut count_cells = Vec::new();
    for (code, label, _) in &then.rows {
        let Some(position) = now.rows().iter().position(|r| !r.is_total && &r.category.0 == code) else { continue };
        let current = now.rows()[position].values[0].clone();
        if let Some(&(_, _, cell)) = now.count_cells().iter().find(|(r, i, _)| *r == position && *i == 0) {
            count_cells.push((rows.len(), 1, cell));
        }
        // What the last release showed is public already: shown as it was.
        let earlier = published(code).map_or(SafeValue::missing(Symbol::C), SafeValue::count);
        let revision = match (earlier.as_count(), current.as_count()) {
            (Some(a), Some(b)) => SafeValue::decimal(b as f64 - a as f64, 0),
            _ => SafeValue::missing(Symbol::C),
        };
        rows.push(ProtectedRow {
            category: (code.clone(), label.clone()),
            is_total: false,
            values: vec![earlier, current, revision],
        });
    }
    Some(ProtectedTable {
        id: TableId::Revisions,
        title: format!(
            "Revisions since the last release ({}): children identified, by year of first referral",
            previous.label
        ),
        filter: FilterColumn::new(
            "first_referral_year",
            "Year of first referral",
            "The calendar year of the child's first referral; years the last release covered",
        ),
        indicators: vec![
            IndicatorColumn::new(
                "children_last_release",
                &format!("Children identified in the last release ({})", previous.label),
                "",
                0,
            ),
            IndicatorColumn::new("children", "Children identified now", "", 0),
            IndicatorColumn::new("revision", "Revision (now minus the last release)", "", 0),
        ],
        rows,
        count_cells,
    })
}
