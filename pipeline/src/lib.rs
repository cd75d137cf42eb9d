//! safestat turns pseudonymised safeguarding case records into publishable, disclosure-safe
//! statistics.
//!
//! The stages, in data-flow order, each a module with one owner:
//!
//! ```text
//! config ──► ingest ──────────► engine ───────────► release (tables from inner cells)
//!  (TOML)    CSV → contract     DataFusion runs       │
//!            → Parquet,         queries/*.sql over    ▼
//!            quarantine         the Parquet dataset  disclosure ──► output (EES CSV, manifest)
//!                                                    (the only way      report (Tera HTML)
//!                                                     to SafeValue)
//! ```
//!
//! `stats` holds the statistical formulas in plain Rust; `synth` the seeded generator of
//! synthetic samples. Query results ([`engine::RawTable`], [`disclosure::RawCount`]) cannot be
//! printed or serialised: only [`disclosure::protect`] turns them into the
//! [`disclosure::SafeValue`]s that writers and templates accept.

pub mod cli;
pub mod config;
pub mod date;
pub mod disclosure;
pub mod domain;
pub mod engine;
pub mod error;
pub mod funnel_command;
pub mod ingest;
pub mod log;
pub mod mse_command;
pub mod output;
pub mod population;
pub mod prevalence;
pub mod protect_command;
pub mod pseudonymise;
pub mod release;
pub mod report;
pub mod rng;
pub mod stats;
pub mod synth;

pub use error::{Error, Result};
