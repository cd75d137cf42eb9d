//! [`RawCount`]: a count before disclosure control.
//!
//! It has no `Display`, no `Serialize` and a `Debug` that hides the value, and its constructors
//! and accessor are crate-private, so it cannot reach a log, an error or a file; only
//! [`crate::disclosure`] turns counts into publishable values.
//!
//! Every count that enters safestat from a file (a `cells.csv`, a population, a capture table, a
//! funnel input, an earlier release's state) is at most [`MAX_COUNT`]: far above any real count
//! of children or of a population, and far enough below overflow that no sum of them can wrap
//! (see [`MAX_SUMMANDS`]); [`parse_count`] reads one.
//!
//! Owns: the raw count type and the largest count accepted. May not touch: publication.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

/// The largest count any input may hold: one billion, over ten times the population of the
/// United Kingdom. (Counts of 10^10 and more already defeat the floating-point LP of the interval
/// audit, which then finds the published figures inconsistent.)
pub const MAX_COUNT: u64 = 1_000_000_000;

/// [`MAX_COUNT`] as a float (exact: it is far below 2^53).
const MAX_COUNT_F64: f64 = 1e9;

/// The most counts one sum adds up in safestat (a system's cells and atoms are at most a few
/// million); with every count at most [`MAX_COUNT`], no such sum reaches `i64::MAX`.
pub const MAX_SUMMANDS: u64 = 50_000_000;

const _: () = assert!(MAX_COUNT as u128 * MAX_SUMMANDS as u128 <= i64::MAX as u128);

/// Why a count field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountRefusal {
    /// Not a whole number of zero or more.
    NotWhole,
    /// Above [`MAX_COUNT`].
    TooLarge,
}

impl fmt::Display for CountRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CountRefusal::NotWhole => f.write_str("not a whole number >= 0"),
            CountRefusal::TooLarge => f.write_str("above the largest count accepted, 1,000,000,000"),
        }
    }
}

/// Read a count field: a whole number from 0 to [`MAX_COUNT`] (surrounding blanks allowed).
pub fn parse_count(text: &str) -> Result<u64, CountRefusal> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CountRefusal::NotWhole);
    }
    // All digits: a parse failure is an overflow of u64, which is above the maximum too.
    match text.parse::<u64>() {
        Ok(n) if n <= MAX_COUNT => Ok(n),
        _ => Err(CountRefusal::TooLarge),
    }
}

/// Check a count read as a number (a capture table's or funnel's value, which may be fractional
/// where the format allows): finite, zero or more, and at most [`MAX_COUNT`].
pub fn check_number(value: f64) -> Result<f64, CountRefusal> {
    if !value.is_finite() || value < 0.0 {
        Err(CountRefusal::NotWhole)
    } else if value > MAX_COUNT_F64 {
        Err(CountRefusal::TooLarge)
    } else {
        Ok(value)
    }
}

/// An unprotected count of children or records.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawCount(u64);

impl RawCount {
    /// Wrap a count computed by the pipeline.
    pub(crate) fn new(value: u64) -> RawCount {
        RawCount(value)
    }

    /// A count decoded from a query result: `None` when it is negative.
    pub(crate) fn from_i64(value: i64) -> Option<RawCount> {
        u64::try_from(value).ok().map(RawCount)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_counts_do_not_print() {
        assert_eq!(format!("{:?}", RawCount::new(3)), "RawCount(..)");
    }

    #[test]
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 10^9 is exact in f64
    fn counts_above_the_maximum_or_not_whole_are_refused() {
        assert_eq!(MAX_COUNT_F64 as u64, MAX_COUNT);
        assert_eq!(parse_count(" 0 "), Ok(0));
        assert_eq!(parse_count("1000000000"), Ok(MAX_COUNT));
        assert_eq!(parse_count("1000000001"), Err(CountRefusal::TooLarge));
        assert_eq!(parse_count("18446744073709551615"), Err(CountRefusal::TooLarge));
        assert_eq!(parse_count("99999999999999999999999"), Err(CountRefusal::TooLarge));
        for bad in ["", "-1", "1.5", "+3", "1e3", "x"] {
            assert_eq!(parse_count(bad), Err(CountRefusal::NotWhole), "{bad}");
        }
        assert_eq!(check_number(f64::NAN), Err(CountRefusal::NotWhole));
        assert_eq!(check_number(1e9 + 1.0), Err(CountRefusal::TooLarge));
        assert_eq!(check_number(2.5), Ok(2.5));
    }

    #[test]
    fn negative_counts_are_refused() {
        assert_eq!(RawCount::from_i64(-1), None);
        assert_eq!(RawCount::from_i64(7).map(RawCount::get), Some(7));
    }
}
