//! The public data-quality table: per agency, over the release period, the shares of its
//! records with ethnicity not known, linked to the child only probabilistically, and entered
//! within 30 days of the referral (where the extract carries the date each record was entered).
//!
//! Records are not children, and they are outside the children's constraint system: no count of
//! records is published, only whole percentages, so no table can be differenced against them.
//! A share is withheld (`c`) when it rests on fewer than [`MIN_RECORDS`] records, or when the
//! records it counts, or those it leaves out, number 1 to the policy's threshold (a few records
//! with ethnicity not known are a few children, who could be recognised); `z` where nothing is
//! there to share (no records, or no entry dates in the extract).
//!
//! Owns: the publication rule of the data-quality shares. May not touch: the children's
//! suppression (a separate system) or files.

// Shares of record counts, computed in floats (far below 2^52).
#![allow(clippy::cast_precision_loss)]

use super::{Policy, ProtectedRow, ProtectedTable, SafeValue, Symbol};
use crate::domain::RawCount;
use crate::tables::{IndicatorColumn, QualityRequest};

/// Fewest records a published data-quality share may rest on.
pub const MIN_RECORDS: u64 = 100;

/// `part` of `whole` records as a whole percentage, or why it is not shown.
fn share(policy: Policy, part: RawCount, whole: RawCount) -> SafeValue {
    let (part, whole) = (part.get(), whole.get());
    let small = |n: u64| (1..=policy.threshold()).contains(&n);
    if whole == 0 {
        SafeValue::missing(Symbol::Z)
    } else if whole < MIN_RECORDS || small(part) || small(whole.saturating_sub(part)) {
        SafeValue::missing(Symbol::C)
    } else {
        SafeValue::decimal((100.0 * part as f64 / whole as f64).round(), 0)
    }
}

/// The table, each share protected by the rule above.
pub(super) fn quality_table(policy: Policy, request: &QualityRequest) -> ProtectedTable {
    let rows = request
        .rows
        .iter()
        .map(|r| ProtectedRow {
            category: (r.code.clone(), r.label.clone()),
            is_total: r.is_total,
            values: vec![
                share(policy, r.ethnicity_not_known, r.records),
                share(policy, r.probabilistic_links, r.records),
                share(policy, r.recorded_within_30_days, r.with_recorded_date),
            ],
        })
        .collect();
    ProtectedTable {
        id: request.id,
        title: request.title.clone(),
        filter: request.filter.clone(),
        indicators: vec![
            // Not `..._ethnicity_...`: EES keeps column names about ethnicity for the harmonised ones.
            IndicatorColumn::new("percent_unclassified", "Records with ethnicity not known (unclassified)", "%", 0),
            IndicatorColumn::new(
                "percent_linked_probabilistically",
                "Records linked to the child probabilistically",
                "%",
                0,
            ),
            IndicatorColumn::new(
                "percent_entered_within_30_days",
                "Records entered within 30 days of the referral (of those with an entry date)",
                "%",
                0,
            ),
        ],
        rows,
        count_cells: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_shown_only_on_enough_records_and_never_on_a_few() {
        let share =
            |part: u64, whole: u64| share(Policy::UkChildren, RawCount::new(part), RawCount::new(whole)).csv_text();
        assert_eq!(share(25, 200), "13", "whole percent, rounded half away from zero (12.5)");
        assert_eq!(share(0, 200), "0", "none is not a small number");
        assert_eq!(share(200, 200), "100");
        assert_eq!(share(5, 200), "c", "five records with ethnicity not known");
        assert_eq!(share(6, 200), "3");
        assert_eq!(share(196, 200), "c", "the four records left out");
        assert_eq!(share(50, 99), "c", "too few records");
        assert_eq!(share(0, 0), "z");
        // The health policy's threshold is 7.
        assert_eq!(super::share(Policy::Health, RawCount::new(7), RawCount::new(300)).csv_text(), "c");
    }
}
