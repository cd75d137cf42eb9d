//! safestat turns pseudonymised safeguarding case records into publishable, disclosure-safe
//! statistics.
//!
//! The stages of `safestat run`, in data-flow order; each is a room with one owner, and data
//! flows one way (a room uses only rooms to its left, and the shared vocabulary):
//!
//! ```text
//!  config ─► ingest ─► engine ─► estimate ─► tables ─► disclosure ─► output ◄─ report
//!  (TOML)    CSV or    DataFusion prevalence  the release  the only way   typed      Tera pages
//!            Parquet → runs queries/ (MSE,    catalogue:   to SafeValue:  writers:   from
//!            contract  over the     Chao)     TableId →    suppression,   public /   protected
//!            → Parquet, dataset →             inner cells  audit,         private    values
//!            quarantine inner cells                        witnesses      dirs
//!                      RawTable                            ProtectedRelease
//! ```
//!
//! - Vocabulary shared by every room: [`domain`] (agencies, ethnic groups, bands, GSS codes,
//!   dates, [`domain::RawCount`]), [`error`], [`log`], and [`files`] (bytes to disk, hashes,
//!   atomic publication). [`stats`] holds the formulas in plain Rust and is used by `engine`
//!   (SQL functions), `estimate`, `disclosure` (rates of published counts) and `analysis`.
//! - [`release`] is the orchestrator of `safestat run`: one call per stage, no stage work.
//! - [`commands`] holds one thin door per subcommand over [`cli`]'s raw flags; [`analysis`]
//!   serves `mse` and `funnel` on analysts' own tables; [`synth`] is the seeded generator of
//!   synthetic samples.
//!
//! The disclosure boundary is closed in the types: query results ([`engine::RawTable`],
//! [`domain::RawCount`]) cannot be printed or serialised; only [`disclosure`] constructs the
//! [`disclosure::SafeValue`]s that [`disclosure::ProtectedTable`]s hold; public writers
//! ([`output::PublicDir`]) take only protected tables and [`report::Page`]s rendered from them,
//! and what stays private (the log, the true cells, the witnesses) has its own writer
//! ([`output::PrivateDir`]).

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod config;
pub mod disclosure;
pub mod domain;
pub mod engine;
pub mod error;
pub mod estimate;
pub mod files;
pub mod ingest;
pub mod log;
pub mod output;
pub mod release;
pub mod report;
pub mod stats;
pub mod synth;
pub mod tables;

pub use error::{Error, Result};
