//! Analysts' own tables, outside a release: `safestat mse` on a capture-history table
//! ([`mse`], read by [`capture_csv`]) and `safestat funnel` on area figures ([`funnel`]).
//! Their outputs are analysis results for the analyst, not publications.
//!
//! Owns: reading those inputs and formatting the results. May not touch: releases.

// Analysts' tables hold counts as floats (checked to be whole numbers where counts are read).
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub mod capture_csv;
pub mod funnel;
pub mod mse;
