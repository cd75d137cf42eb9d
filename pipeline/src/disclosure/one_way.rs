//! One-way tables with a total: primary suppression, secondary suppression by the 1-D fast path
//! of DISCLOSURE.md, and an independent interval audit (outsider and insider).
//!
//! The equation is `total = sum(cells)`. Hidden cells (implicit complements such as "not known to
//! services") are never published but take part in the rules like any other cell.

use serde::Serialize;

/// What disclosure control decided for one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// Shown.
    Published,
    /// A count 1..T (or whose complement rule fired): never shown.
    Primary,
    /// Suppressed to protect a primary cell.
    Secondary,
    /// Never published (an implicit complement); not a suppression.
    Hidden,
}

impl CellStatus {
    /// Whether the cell's value is withheld from readers.
    pub fn is_withheld(self) -> bool {
        self != CellStatus::Published
    }
}

/// One cell of a one-way equation.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    /// The true count.
    pub value: u64,
    /// Whether the cell is an implicit complement that is never published.
    pub hidden: bool,
}

/// The decisions for one equation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Status per cell, in input order.
    pub cells: Vec<CellStatus>,
    /// Status of the total.
    pub total: CellStatus,
}

fn is_primary(value: u64, threshold: u64) -> bool {
    (1..=threshold).contains(&value)
}

/// Protect `total = sum(cells)` under threshold `threshold`.
///
/// `total_suppressed` forces the total to be withheld (it is shared with another table that had
/// to suppress it). Secondary cells are chosen deterministically: the smallest published non-zero
/// cell, together with every published cell of the same value (no arbitrary tie-break).
pub fn protect(cells: &[Cell], threshold: u64, total_suppressed: bool) -> Outcome {
    let total: u64 = cells.iter().map(|c| c.value).sum();
    let mut status: Vec<CellStatus> = cells
        .iter()
        .map(|c| {
            if is_primary(c.value, threshold) {
                CellStatus::Primary
            } else if c.hidden {
                CellStatus::Hidden
            } else {
                CellStatus::Published
            }
        })
        .collect();
    let total_status = if is_primary(total, threshold) {
        CellStatus::Primary
    } else if total_suppressed {
        CellStatus::Secondary
    } else {
        CellStatus::Published
    };
    if total_status.is_withheld() {
        // The equation holds a withheld margin: it reveals nothing about its cells.
        return Outcome { cells: status, total: total_status };
    }
    loop {
        if equation_is_safe(cells, &status, threshold) {
            return Outcome { cells: status, total: total_status };
        }
        let smallest = cells
            .iter()
            .zip(&status)
            .filter(|(c, s)| **s == CellStatus::Published && c.value > 0)
            .map(|(c, _)| c.value)
            .min();
        let Some(smallest) = smallest else {
            // No cell left to suppress: withhold the total instead.
            return Outcome { cells: status, total: CellStatus::Secondary };
        };
        for (c, s) in cells.iter().zip(status.iter_mut()) {
            if *s == CellStatus::Published && c.value == smallest {
                *s = CellStatus::Secondary;
            }
        }
    }
}

/// Safe when the withheld cells hold no primary, or they are at least two non-zero cells whose
/// sum exceeds T and exceeds every primary by at least 2 (so an insider who knows one other
/// withheld cell is at least 1 still cannot reach the primary's upper protection limit).
fn equation_is_safe(cells: &[Cell], status: &[CellStatus], threshold: u64) -> bool {
    let withheld: Vec<u64> = cells.iter().zip(status).filter(|(_, s)| s.is_withheld()).map(|(c, _)| c.value).collect();
    let primaries: Vec<u64> =
        cells.iter().zip(status).filter(|(_, s)| **s == CellStatus::Primary).map(|(c, _)| c.value).collect();
    if primaries.is_empty() {
        return true;
    }
    let sum: u64 = withheld.iter().sum();
    let nonzero = withheld.iter().filter(|v| **v > 0).count();
    nonzero >= 2 && sum > threshold && primaries.iter().all(|v| sum >= v + 2)
}

/// The audited interval of one primary cell.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// Index of the cell in the equation.
    pub cell: usize,
    /// Smallest value a reader can deduce (outsider).
    pub lower: u64,
    /// Largest value a reader can deduce (outsider); `None` when unbounded.
    pub upper: Option<u64>,
    /// Largest value an insider who knows another withheld cell is at least 1 can deduce.
    pub insider_upper: Option<u64>,
    /// Whether the protection interval is met for outsider and insider.
    pub pass: bool,
}

/// Recompute, from the published figures alone plus the true values of the primaries, the
/// interval a reader can deduce for each primary cell, and check the protection interval:
/// `L <= v - min(v, 1)`, `U >= v + 1`, `U - L >= T`.
pub fn audit(cells: &[Cell], outcome: &Outcome, threshold: u64) -> Vec<AuditRecord> {
    let total: u64 = cells.iter().map(|c| c.value).sum();
    let published_sum: u64 =
        cells.iter().zip(&outcome.cells).filter(|(_, s)| !s.is_withheld()).map(|(c, _)| c.value).sum();
    let withheld_count = outcome.cells.iter().filter(|s| s.is_withheld()).count();
    let mut records = Vec::new();
    for (i, (cell, status)) in cells.iter().zip(&outcome.cells).enumerate() {
        if *status != CellStatus::Primary {
            continue;
        }
        let v = cell.value;
        let (lower, upper, insider_upper) = if outcome.total.is_withheld() {
            (0, None, None)
        } else {
            let rest = total - published_sum; // the withheld cells' sum, known to readers
            if withheld_count == 1 {
                (rest, Some(rest), Some(rest))
            } else {
                (0, Some(rest), Some(rest.saturating_sub(1)))
            }
        };
        let ok = |upper: Option<u64>| match upper {
            None => true,
            Some(u) => lower + v.min(1) <= v && u > v && u.saturating_sub(lower) >= threshold,
        };
        records.push(AuditRecord { cell: i, lower, upper, insider_upper, pass: ok(upper) && ok(insider_upper) });
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(values: &[u64]) -> Vec<Cell> {
        values.iter().map(|&value| Cell { value, hidden: false }).collect()
    }

    fn withheld(outcome: &Outcome) -> Vec<usize> {
        outcome.cells.iter().enumerate().filter(|(_, s)| s.is_withheld()).map(|(i, _)| i).collect()
    }

    #[test]
    fn opensafely_reference_case() {
        // ../shared/reference/sdc/audit_cases.json, one_dimensional_rules[0].
        let c = cells(&[1, 2, 10, 10, 50]);
        let out = protect(&c, 5, false);
        assert_eq!(withheld(&out), vec![0, 1, 2, 3]);
        assert!(audit(&c, &out, 5).iter().all(|r| r.pass));
    }

    #[test]
    fn single_primary_takes_a_partner() {
        let c = cells(&[3, 40, 20]);
        let out = protect(&c, 5, false);
        assert_eq!(withheld(&out), vec![0, 2]);
        assert_eq!(out.total, CellStatus::Published);
    }

    #[test]
    fn hidden_complement_is_protected() {
        // known = 97 of 100: the hidden "not known" cell is 3, so "known" must go too.
        let c = vec![Cell { value: 97, hidden: false }, Cell { value: 3, hidden: true }];
        let out = protect(&c, 5, false);
        assert_eq!(out.cells, vec![CellStatus::Secondary, CellStatus::Primary]);
        assert!(audit(&c, &out, 5).iter().all(|r| r.pass));
    }

    #[test]
    fn small_total_is_withheld() {
        let out = protect(&cells(&[2, 0, 1]), 5, false);
        assert_eq!(out.total, CellStatus::Primary);
    }

    #[test]
    fn insider_rule_adds_a_third_cell() {
        // 5 and 1: sum 6 > 5, but an insider who knows the 1 pins the 5 at 5 or below.
        let c = cells(&[5, 1, 30, 40]);
        let out = protect(&c, 5, false);
        assert_eq!(withheld(&out), vec![0, 1, 2]);
        assert!(audit(&c, &out, 5).iter().all(|r| r.pass));
    }

    #[test]
    fn audit_catches_a_lone_suppression() {
        let c = cells(&[3, 40, 20]);
        let bad = Outcome {
            cells: vec![CellStatus::Primary, CellStatus::Published, CellStatus::Published],
            total: CellStatus::Published,
        };
        let records = audit(&c, &bad, 5);
        assert_eq!((records[0].lower, records[0].upper), (3, Some(3)));
        assert!(!records[0].pass);
    }

    #[test]
    fn exhaustive_small_tables_pass_audit() {
        // Every table of 1..=4 cells with values 0..=8 is protected and passes its own audit.
        for len in 1..=4u32 {
            for code in 0..9u64.pow(len) {
                let values: Vec<u64> = (0..len).map(|i| code / 9u64.pow(i) % 9).collect();
                let c = cells(&values);
                let out = protect(&c, 5, false);
                let records = audit(&c, &out, 5);
                assert!(records.iter().all(|r| r.pass), "{values:?} -> {out:?}: {records:?}");
                for (v, s) in values.iter().zip(&out.cells) {
                    if (1..=5).contains(v) {
                        assert!(s.is_withheld(), "{values:?}");
                    }
                }
            }
        }
    }
}
