//! The two sides of the disclosure boundary.
//!
//! [`RawCount`] is an unprotected count: no `Display`, no `Serialize`, a `Debug` that hides the
//! value. [`SafeValue`] is a published cell; it can only be made inside `disclosure`, so every
//! value a writer or template sees has been through disclosure control.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

/// An unprotected count of children or records.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawCount(u64);

impl RawCount {
    /// Wrap a count computed by the pipeline.
    pub(crate) fn new(value: u64) -> RawCount {
        RawCount(value)
    }

    /// The count, for estimation and disclosure code inside the crate.
    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for RawCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawCount(..)")
    }
}

impl Add for RawCount {
    type Output = RawCount;
    fn add(self, other: RawCount) -> RawCount {
        RawCount(self.0 + other.0)
    }
}

impl Sum for RawCount {
    fn sum<I: Iterator<Item = RawCount>>(iter: I) -> RawCount {
        iter.fold(RawCount(0), Add::add)
    }
}

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

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Count(u64),
    Decimal { value: f64, dp: u8 },
    Missing(Symbol),
    Text(&'static str),
}

/// A published cell: a count, a decimal, or a symbol. Only disclosure control makes these.
#[derive(Debug, Clone, PartialEq)]
pub struct SafeValue(Repr);

impl SafeValue {
    pub(super) fn count(value: u64) -> SafeValue {
        SafeValue(Repr::Count(value))
    }

    pub(super) fn decimal(value: f64, dp: u8) -> SafeValue {
        SafeValue(Repr::Decimal { value, dp })
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
            Repr::Decimal { value, .. } => Some(value),
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
            Repr::Decimal { value, dp } => format!("{value:.prec$}", prec = usize::from(*dp)),
            Repr::Missing(s) => s.code().to_string(),
            Repr::Text(t) => (*t).to_string(),
        }
    }

    /// Text for HTML: thousands separators, or the symbol in brackets.
    pub fn display_text(&self) -> String {
        match &self.0 {
            Repr::Count(v) => thousands(*v),
            Repr::Decimal { value, dp: 0 } if *value >= 0.0 => thousands(value.round() as u64),
            Repr::Decimal { value, dp } => format!("{value:.prec$}", prec = usize::from(*dp)),
            Repr::Missing(s) => format!("[{}]", s.code()),
            Repr::Text("u") => "[u]".to_string(),
            Repr::Text(t) => (*t).to_string(),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_counts_do_not_print() {
        assert_eq!(format!("{:?}", RawCount::new(3)), "RawCount(..)");
    }

    #[test]
    fn formatting() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(SafeValue::missing(Symbol::C).csv_text(), "c");
        assert_eq!(SafeValue::missing(Symbol::C).display_text(), "[c]");
        assert_eq!(SafeValue::decimal(35.25, 1).csv_text(), "35.2");
    }
}
