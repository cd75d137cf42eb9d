//! Raw command-line flags (clap). Each command's door in [`crate::commands`] converts its
//! flags once into validated types (`Config`, `GenerateOptions`, …); nothing past a door sees
//! a raw flag.
//!
//! Owns: flag names, help texts and defaults. May not touch: validation or library calls.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::log::{Level, LogFormat};

/// safestat: disclosure-safe statistics from pseudonymised safeguarding case records.
#[derive(Debug, Parser)]
#[command(name = "safestat", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// How much to log on stderr: error, warn, info (one line per stage) or debug. Logs never
    /// contain a value from a record.
    #[arg(long, global = true, value_enum, default_value_t = Level::Info)]
    pub log_level: Level,
    /// Only errors on stderr (the same as --log-level error).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Log lines as text or as one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Cli {
    /// The effective level (`--quiet` wins).
    pub fn log_level(&self) -> Level {
        if self.quiet { Level::Error } else { self.log_level }
    }
}

/// The commands of safestat.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a synthetic sample (agency CSVs, population, release.toml, truth.json) with a known truth.
    ///
    /// Same seed and options give byte-identical files. Everything written is synthetic.
    /// truth.json holds the true population per stratum and the capture probabilities used; it is
    /// for tests and method checks only and is never read by `run`.
    Generate {
        /// Folder to write the sample into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Seed of the random generator.
        #[arg(long, default_value_t = 2014)]
        seed: u64,
        /// Number of true victims to draw (the known truth); the default is borough-sized.
        #[arg(long, default_value_t = 1_700)]
        children: u64,
        /// First calendar year of the period.
        #[arg(long, default_value_t = 1997)]
        from: i32,
        /// Last calendar year of the period.
        #[arg(long, default_value_t = 2013)]
        to: i32,
        /// Write the extracts as the agencies would have given them on this day (YYYY-MM-DD): only
        /// records entered by then, with a `recorded_date` column. Records are entered days,
        /// months or up to three years after the referral, so extracts of one seed at later dates
        /// revise earlier years. release.toml then ends its period with the last whole calendar
        /// year before the date.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Run a whole release: ingest, queries, estimates, disclosure control, reports.
    ///
    /// Writes OUT/release/ (publishable files only) and OUT/private/ (manifest, disclosure log,
    /// quarantine, Parquet dataset). OUT/release/ appears only when the release passed disclosure
    /// control. Exit status: 0 published, 1 data, contract or disclosure error, 2 usage or I/O error.
    Run {
        /// The release configuration (TOML); paths in it are relative to this file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Output folder. With a Ballista cluster it must be on a folder that every executor
        /// mounts at the same path (the executors read the dataset and write intermediate
        /// results there).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Where the queries run: `local` (DataFusion in this process), `ballista-standalone`
        /// (an in-process Ballista scheduler and executor) or `ballista://HOST:PORT` (a
        /// Ballista cluster's scheduler; `df://HOST:PORT` also works). Overrides the
        /// configuration's `[engine]`; the release is the same on every engine. Ballista needs a
        /// build with `--features distributed`.
        #[arg(long, value_name = "ENGINE", value_parser = crate::engine::EngineChoice::parse)]
        engine: Option<crate::engine::EngineChoice>,
        /// The OUT folder of an earlier run of the same series (repeatable; added to the
        /// configuration's `[[earlier]]`). The release is protected jointly with every earlier
        /// release: it withholds what it must so that no difference between the releases shows
        /// a small count, and it shows what was revised. Give every earlier release the latest
        /// one was protected with.
        #[arg(long, value_name = "DIR")]
        earlier: Vec<PathBuf>,
    },
    /// Recompute every hash in OUT/private/manifest.json; exit 1 naming the first file that
    /// differs, is missing, or is in release/ without being in the manifest.
    Verify {
        /// The output folder of `safestat run`.
        #[arg(value_name = "OUT")]
        out: PathBuf,
    },
    /// Validate the extracts of a release configuration and write the Parquet dataset and the
    /// quarantine, without running queries or publishing anything.
    ///
    /// Writes OUT/dataset/records/<agency>.parquet, OUT/quarantine/<agency>.csv and
    /// OUT/quarantine/summary.json (rows read = accepted + quarantined, per source and reason).
    Ingest {
        /// The release configuration (TOML).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Estimate a population from overlapping lists (multiple systems estimation).
    ///
    /// Input: one 0/1 column per list and a `count` column (histories not listed are zero), or
    /// frequency-of-capture data `nbcap,freq` (then only the Chao lower bound is given). Output:
    /// the observed count, the Chao lower bound, and a Poisson log-linear model with log-normal
    /// and profile-likelihood intervals, and with `--interval bca` the bootstrap interval that
    /// allows for model selection. Counts are at most 1,000,000,000. A table with nobody
    /// counted, or fewer than two lists with anyone on them, is refused; with nobody on two lists
    /// there is no Chao bound, and no estimate above 1,000,000,000 is given (a warning says why).
    Mse {
        /// The capture-history table (CSV).
        #[arg(long, value_name = "FILE.csv")]
        table: PathBuf,
        /// `stepwise` (Poisson-overlap rule), `stepwise+heterogeneity` (the same from Darroch's
        /// heterogeneity term, as a release does), `main` (main effects), or terms like
        /// `A:B,B:C` and `heterogeneity` separated by commas.
        #[arg(long, default_value = "stepwise")]
        model: String,
        /// p-value threshold of the stepwise rule.
        #[arg(long, default_value_t = 0.02)]
        threshold: f64,
        /// Confidence level of the intervals.
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        /// `conditional`: the profile-likelihood and log-normal intervals of the chosen model, as
        /// if it had been known in advance. `bca`: also the bootstrap interval that allows for
        /// model selection (the observed histories resampled, the whole procedure re-run on
        /// each resample, bias-corrected and accelerated limits).
        #[arg(long, value_enum, default_value_t = IntervalKind::Conditional)]
        interval: IntervalKind,
        /// Bootstrap resamples (with `--interval bca`).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(100..=100_000))]
        bootstrap: u32,
        /// Seed of the bootstrap: the same seed gives the same interval on any machine and any
        /// number of threads.
        #[arg(long, default_value_t = 1234)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Turn raw linkage identifiers into a keyed pseudonym (`child_pid`, HMAC-SHA256) and drop them.
    ///
    /// Identifiers are trimmed and case-folded first, so the same person gets the same pid in
    /// every agency's file under the same key. The key comes from --key-file or the
    /// SAFESTAT_PSEUDONYM_KEY environment variable (at least 16 bytes), never from the command
    /// line; only its fingerprint is printed.
    Pseudonymise {
        /// File holding the secret key (trailing line breaks ignored).
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Raw extract (CSV).
        #[arg(long = "in", value_name = "raw.csv")]
        input: PathBuf,
        /// Pseudonymised output (CSV).
        #[arg(long, value_name = "pseudo.csv")]
        out: PathBuf,
        /// The identifier columns, comma-separated, e.g. `nhs_number,dob,surname`.
        #[arg(long, value_delimiter = ',', required = true)]
        id_columns: Vec<String>,
    },
    /// Protect count tables for publication: primary and secondary suppression of all tables of
    /// a spec jointly, an interval audit with repair, and verified witnesses.
    ///
    /// cells.csv: one column per dimension (leaf codes) and `count` (0 to 1,000,000,000; any
    /// other column is refused). spec.toml: `policy`,
    /// `[[dimension]]` blocks with optional `[[dimension.hierarchy]]` (name, total, groups), and
    /// `[[table]]` blocks naming a hierarchy (or `flat`) per dimension, and optional
    /// `[[earlier]]` blocks (`file`, optional `rounding`): tables an earlier release published
    /// about the same population (dimension columns with any node code, and `count`), whose
    /// counts every reader knows, so differencing between releases is caught. Writes
    /// DIR/<table>.csv (`c` for withheld cells), DIR/private/disclosure-log.json and
    /// DIR/private/audit/.
    Protect {
        /// The inner cells (CSV).
        #[arg(long, value_name = "cells.csv")]
        input: PathBuf,
        /// The tables to publish (TOML).
        #[arg(long, value_name = "spec.toml")]
        spec: PathBuf,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// How cells are chosen and proved safe: `auto` is `exact` up to 1,500 atoms (groups of
        /// inner cells every table treats alike) and `hypercube` above.
        #[arg(long, value_enum, default_value_t = ProtectMethod::Auto)]
        method: ProtectMethod,
    },
    /// Re-check a finished output (of `run` or `protect`) from its published files and private
    /// audit model alone; exits non-zero if a published count is in 1..T, any withheld cell can be
    /// narrowed inside its protection interval, or a witness fails. `run` makes the same check
    /// before it publishes.
    Audit {
        /// The output folder of `safestat run` or `safestat protect`.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Run a Ballista scheduler for `run --engine ballista://HOST:PORT` until stopped (feature
    /// `distributed`). Executors started with `safestat executor` register with it.
    #[cfg(feature = "distributed")]
    Scheduler {
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// gRPC port.
        #[arg(long, default_value_t = crate::engine::DEFAULT_SCHEDULER_PORT)]
        port: u16,
        /// Host name by which executors and clients reach this scheduler.
        #[arg(long, default_value = "localhost")]
        external_host: String,
    },
    /// Run a Ballista executor with safestat's SQL functions until stopped (feature
    /// `distributed`). It must see the release's output folder at the same path as the client.
    #[cfg(feature = "distributed")]
    Executor {
        /// The scheduler, `ballista://HOST:PORT` or `df://HOST:PORT`.
        #[arg(long, value_name = "ADDRESS", default_value = "df://localhost:50050")]
        scheduler: String,
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Host name by which the scheduler and other executors reach this executor (default:
        /// the bind address; with 0.0.0.0, the address the scheduler sees).
        #[arg(long)]
        external_host: Option<String>,
        /// Arrow Flight port (shuffle data).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port (tasks).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once (default: the number of cores).
        #[arg(long)]
        concurrent_tasks: Option<usize>,
        /// Folder for shuffle files (default: a temporary folder).
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
    },
    /// Funnel-plot limits and significance for areas or groups (UK public-health conventions).
    ///
    /// proportion: input `area,numerator,denominator`; limits are the Wilson control limits around
    /// the overall proportion at each denominator. ratio: input `area,observed,expected`; limits
    /// are each area's exact (O < 10) or Byar (O >= 10) interval, and significance compares 1 with
    /// it. Output: `area, value, lower95, upper95, lower998, upper998, significance`.
    Funnel {
        /// Input CSV.
        #[arg(long, value_name = "FILE.csv")]
        input: PathBuf,
        /// What the input holds.
        #[arg(long, value_enum)]
        kind: crate::analysis::funnel::Kind,
        /// Output CSV.
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
        /// Multiplier of values and limits (e.g. 100 for percentages).
        #[arg(long, default_value_t = 1.0)]
        multiplier: f64,
        /// Also write the funnel plot as SVG.
        #[arg(long, value_name = "FILE.svg")]
        svg: Option<PathBuf>,
    },
}

/// The protection method of `safestat protect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProtectMethod {
    /// Exact for small systems, hypercube for large ones.
    Auto,
    /// Gaussian elimination, an LP audit over the whole system (outsider and insider) and repair.
    Exact,
    /// Cycles through each primary, withheld where needed; the witnesses are the proof.
    Hypercube,
}

impl From<ProtectMethod> for crate::disclosure::system::Method {
    fn from(m: ProtectMethod) -> Self {
        match m {
            ProtectMethod::Auto => Self::Auto,
            ProtectMethod::Exact => Self::Exact,
            ProtectMethod::Hypercube => Self::Hypercube,
        }
    }
}

/// Output format of analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table.
    Text,
    /// JSON.
    Json,
}

/// Which intervals `mse` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IntervalKind {
    /// Profile likelihood and log-normal, for the chosen model.
    Conditional,
    /// Those and the bootstrap (BCa) interval that allows for model selection.
    Bca,
}
