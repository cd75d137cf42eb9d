//! [`RawCount`]: a count before disclosure control.
//!
//! It has no `Display`, no `Serialize` and a `Debug` that hides the value, and its constructors
//! and accessor are crate-private, so it cannot reach a log, an error or a file; only
//! [`crate::disclosure`] turns counts into publishable values.
//!
//! Owns: the raw count type. May not touch: publication.

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
    fn negative_counts_are_refused() {
        assert_eq!(RawCount::from_i64(-1), None);
        assert_eq!(RawCount::from_i64(7).map(RawCount::get), Some(7));
    }
}
