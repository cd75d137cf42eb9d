//! The one integration-test binary (`autotests = false`): each module tests one concern
//! through the public interface or the `safestat` binary.

mod harness;

mod browser;
mod disclosure_reference;
mod distributed;
mod e2e;
mod faults;
mod funnel;
mod generator;
mod ingest;
mod mse_reference;
mod protect;
mod slt;
mod snapshots_release;
mod stats_reference;
