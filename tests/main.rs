//! The one integration-test binary (`autotests = false`): each module tests one concern
//! through the public interface or the `safestat` binary.

// Tests build counts and compare them with floats freely; their values are small.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

mod harness;

mod architecture;
mod browser;
mod disclosure_reference;
mod distributed;
mod e2e;
mod ees_screener;
mod faults;
mod funnel;
mod generator;
mod hostile;
mod ingest;
mod mse_reference;
mod protect;
mod release_digest;
mod series;
mod series_audit;
mod slt;
mod snapshots_release;
mod stats_reference;
