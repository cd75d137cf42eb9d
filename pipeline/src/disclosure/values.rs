//! The publishable side of the disclosure boundary.
//!
//! [`SafeValue`] is a published cell; it can only be made inside `disclosure`, so every value a
//! writer or template sees has been through disclosure control. Its decimals are [`Finite`]:
//! a NaN or an infinity cannot be published, it becomes `x` (not available).
//! ([`crate::domain::RawCount`] is the other side: a count that cannot be printed.)
//!
//! Owns: the publishable value and its text forms. May not touch: which cells are withheld.

// Published numbers are formatted from floats (counts far below 2^52).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::Policy;
use super::system::Status;
use crate::domain::thousands;

/// The GSS symbols for values that are not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Symbol {
    /// `c`: confidential (suppressed for disclosure control).
    C,
    /// `x`: not available or not calculated.
    X,
    /// `z`: not applicable.
    Z,
    /// `u`: low reliability (shown next to a value).
    U,
}

impl Symbol {
    /// The symbol as written in open-data CSV.
    pub fn code(self) -> &'static str {
        match self {
            Symbol::C => "c",
            Symbol::X => "x",
            Symbol::Z => "z",
            Symbol::U => "u",
        }
    }

    /// What the symbol means, for the key above a table.
    pub fn meaning(self) -> &'static str {
        match self {
            Symbol::C => "confidential: not shown to protect the children counted",
            Symbol::X => "not available: too few children for a reliable figure",
            Symbol::Z => "not applicable",
            Symbol::U => "low reliability: based on 10 to 19 children",
        }
    }
}

/// A finite number: the only kind of decimal a published cell holds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Finite(f64);

impl Finite {
    /// `None` for NaN and the infinities.
    pub fn new(value: f64) -> Option<Finite> {
        value.is_finite().then_some(Finite(value))
    }

    /// The number.
    pub fn get(self) -> f64 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Count(u64),
    Decimal { value: Finite, dp: u8 },
    Missing(Symbol),
    Text(&'static str),
}

/// A published cell: a count, a decimal, or a symbol. Only disclosure control makes these.
#[derive(Debug, Clone, PartialEq)]
pub struct SafeValue(Repr);

impl SafeValue {
    /// A cell of a protected system as published: its count, rounded by the policy, when the
    /// system publishes the cell, `c` otherwise. Every count that leaves safestat, in a release
    /// or a `protect` output, crosses the boundary here.
    pub(super) fn protected(policy: Policy, status: Status, value: u64) -> SafeValue {
        if status == Status::Published { SafeValue::count(policy.round(value)) } else { SafeValue::missing(Symbol::C) }
    }

    pub(super) fn count(value: u64) -> SafeValue {
        SafeValue(Repr::Count(value))
    }

    /// A decimal to `dp` places; a value that is not finite is not available (`x`).
    pub(super) fn decimal(value: f64, dp: u8) -> SafeValue {
        match Finite::new(value) {
            Some(value) => SafeValue(Repr::Decimal { value, dp }),
            None => SafeValue::missing(Symbol::X),
        }
    }

    pub(super) fn missing(symbol: Symbol) -> SafeValue {
        SafeValue(Repr::Missing(symbol))
    }

    /// A fixed label (e.g. a reliability flag), never a value from the data.
    pub(super) fn text(label: &'static str) -> SafeValue {
        SafeValue(Repr::Text(label))
    }

    /// The published count, if this cell is a count that is shown.
    pub fn as_count(&self) -> Option<u64> {
        match self.0 {
            Repr::Count(v) => Some(v),
            _ => None,
        }
    }

    /// The published number (count or decimal), if shown.
    pub fn as_f64(&self) -> Option<f64> {
        match self.0 {
            Repr::Count(v) => Some(v as f64),
            Repr::Decimal { value, .. } => Some(value.get()),
            Repr::Missing(_) | Repr::Text(_) => None,
        }
    }

    /// The symbol shown instead of a value, if any.
    pub fn symbol(&self) -> Option<Symbol> {
        match self.0 {
            Repr::Missing(s) => Some(s),
            Repr::Text("u") => Some(Symbol::U),
            _ => None,
        }
    }

    /// Text for open-data CSV: plain digits, or the bare symbol.
    pub fn csv_text(&self) -> String {
        match &self.0 {
            Repr::Count(v) => v.to_string(),
            Repr::Decimal { value, dp } => format!("{:.prec$}", value.get(), prec = usize::from(*dp)),
            Repr::Missing(s) => s.code().to_string(),
            Repr::Text(t) => (*t).to_string(),
        }
    }

    /// Text for HTML: thousands separators, or the symbol in brackets.
    pub fn display_text(&self) -> String {
        match &self.0 {
            Repr::Count(v) => thousands(*v),
            Repr::Decimal { value, dp: 0 } if value.get() >= 0.0 => thousands(value.get().round() as u64),
            Repr::Decimal { value, dp } => format!("{:.prec$}", value.get(), prec = usize::from(*dp)),
            Repr::Missing(s) => format!("[{}]", s.code()),
            Repr::Text("u") => "[u]".to_string(),
            Repr::Text(t) => (*t).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(SafeValue::missing(Symbol::C).csv_text(), "c");
        assert_eq!(SafeValue::missing(Symbol::C).display_text(), "[c]");
        assert_eq!(SafeValue::decimal(35.25, 1).csv_text(), "35.2");
        assert_eq!(SafeValue::decimal(f64::NAN, 1).csv_text(), "x");
        assert_eq!(SafeValue::decimal(f64::INFINITY, 2).display_text(), "[x]");
    }
}
