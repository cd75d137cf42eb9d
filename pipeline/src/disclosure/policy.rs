//! Named disclosure policies. There is deliberately no policy that turns suppression off.
//!
//! Owns: thresholds and rounding. May not touch: which cells are withheld.

use serde::Serialize;

/// A primary-suppression policy (../shared/docs/DISCLOSURE.md, "Primary rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Children in Need convention: counts 1..5 are suppressed.
    UkChildren,
    /// Health convention: counts 1..7 are suppressed, the rest rounded to the nearest 5.
    Health,
}

impl Policy {
    /// The names accepted in a release configuration.
    pub const NAMES: [&'static str; 2] = ["uk-children", "health"];

    /// Parse a policy name.
    pub fn from_name(name: &str) -> Option<Policy> {
        match name {
            "uk-children" => Some(Policy::UkChildren),
            "health" => Some(Policy::Health),
            _ => None,
        }
    }

    /// The policy's name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::UkChildren => "uk-children",
            Policy::Health => "health",
        }
    }

    /// The threshold T: counts 1..=T are primary suppressions.
    pub fn threshold(self) -> u64 {
        match self {
            Policy::UkChildren => 5,
            Policy::Health => 7,
        }
    }

    /// Rounding base applied to published counts, if any.
    pub fn rounding_base(self) -> Option<u64> {
        match self {
            Policy::UkChildren => None,
            Policy::Health => Some(5),
        }
    }

    /// A published count after the policy's rounding (half up, to the nearest base).
    pub fn round(self, value: u64) -> u64 {
        match self.rounding_base() {
            Some(b) => (value + b / 2) / b * b,
            None => value,
        }
    }
}
