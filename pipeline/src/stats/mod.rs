//! Statistical methods in plain Rust (no DataFusion types, no files): one function per formula,
//! each tested against the independent reference values in `../shared/reference/`.
//!
//! Owns: formulas and the seeded random generator. May not touch: files, tables or published
//! values.

// Numerical methods convert between counts and floats on purpose (counts far below 2^52).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub mod linalg;
pub mod mse;
pub mod proportion;
pub mod rates;
pub mod rng;
