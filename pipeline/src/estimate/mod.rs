//! Estimates from raw query results: prevalence by multiple systems estimation per window and
//! stratum ([`prevalence`]), the records' data quality per agency and year ([`quality`]), and
//! what an analyst must look at in them ([`warnings`]). Its results feed the release catalogue (published only beside a
//! protected count) and the private diagnostics.
//!
//! Owns: which models are fitted to which capture histories. May not touch: publication (the
//! disclosure rules decide what is shown) or files.

// Estimates move between counts and floats on purpose (counts far below 2^52).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub mod prevalence;
pub mod quality;
pub mod warnings;
