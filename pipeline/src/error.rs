//! The one error type of safestat.
//!
//! Every variant carries the context a user needs to act (file, row, field, query, table) and
//! never a record's values: a message may name a column, never what was in it. Exit codes are
//! decided here and nowhere else: 1 for data or contract errors (the input must change), 2 for
//! usage and I/O errors (the command or the machine must change).
//!
//! Owns: error kinds, messages and exit codes. May not touch: record values.

use std::path::PathBuf;

/// Convenience alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a safestat command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read, written or renamed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What safestat was doing, e.g. "cannot read".
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// A command-line flag is not valid.
    #[error("usage: {message}")]
    Usage {
        /// What is wrong and how to fix it, naming the flag.
        message: String,
    },

    /// The release configuration is not valid.
    #[error("release configuration {path}: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A `safestat protect` spec is not valid.
    #[error("protect spec {path}: {message}")]
    Spec {
        /// The spec file.
        path: PathBuf,
        /// What is wrong, naming the block or key.
        message: String,
    },

    /// The output folder cannot be used.
    #[error("output folder {path}: {message}")]
    OutputFolder {
        /// The folder.
        path: PathBuf,
        /// Why, and what to name instead.
        message: String,
    },

    /// A result could not be encoded (JSON or CSV); nothing was written to the file.
    #[error("cannot encode {path}: {message}")]
    Encoding {
        /// The file being written.
        path: PathBuf,
        /// The encoder's reason (it never contains a record's values).
        message: String,
    },

    /// A whole input file is refused (missing column, identifier column, wrong format).
    #[error("{path}: {message}")]
    InputRefused {
        /// The refused file.
        path: PathBuf,
        /// Why, naming the column where there is one.
        message: String,
    },

    /// Too many rows of one source failed validation, so nothing is published.
    #[error(
        "{path}: {quarantined} of {read} rows failed validation ({share:.1}% > the allowed {allowed:.1}%); \
         see private/quarantine/{source_name}.csv for the row numbers and reasons"
    )]
    QuarantineTooLarge {
        /// The source file.
        path: PathBuf,
        /// The source's name (its agency).
        source_name: String,
        /// Rows read from the file.
        read: u64,
        /// Rows quarantined.
        quarantined: u64,
        /// Quarantined share, in percent.
        share: f64,
        /// Allowed share, in percent.
        allowed: f64,
    },

    /// The population denominators file is not valid.
    #[error("{path}, line {line}, field `{field}`: {message}")]
    Population {
        /// The population file.
        path: PathBuf,
        /// 1-based line number in the file.
        line: u64,
        /// The offending column.
        field: String,
        /// What is wrong.
        message: String,
    },

    /// A query in `queries/` failed to plan or run, or broke its contract.
    #[error("query `{query}`: {message}")]
    Query {
        /// The query's name (its file name without `.sql`).
        query: String,
        /// What went wrong.
        message: String,
    },

    /// An analysis input (e.g. a capture-history table) is not valid.
    #[error("{path}: {message}")]
    Analysis {
        /// The input file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// Disclosure control could not prove the release safe; nothing was published.
    #[error("disclosure control failed for table `{table}`: {message}")]
    Disclosure {
        /// The table that failed.
        table: String,
        /// What failed.
        message: String,
    },

    /// A finished output does not match its manifest.
    #[error("verification failed: {0}")]
    Verification(String),

    /// A report template failed to render.
    #[error("report template `{template}`: {message}")]
    Template {
        /// The template name.
        template: String,
        /// Tera's explanation.
        message: String,
    },

    /// An internal engine error that carries no record values.
    #[error("query engine: {0}")]
    Engine(String),
}

impl Error {
    /// The process exit code for this error: 1 for data and contract errors, 2 for usage and I/O.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Io { .. }
            | Error::Usage { .. }
            | Error::Config { .. }
            | Error::Spec { .. }
            | Error::OutputFolder { .. }
            | Error::Encoding { .. }
            | Error::Template { .. }
            | Error::Engine(_) => 2,
            Error::InputRefused { .. }
            | Error::QuarantineTooLarge { .. }
            | Error::Population { .. }
            | Error::Query { .. }
            | Error::Analysis { .. }
            | Error::Disclosure { .. }
            | Error::Verification(_) => 1,
        }
    }

    /// Shorthand for an [`Error::Usage`].
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage { message: message.into() }
    }

    /// Shorthand for an [`Error::Encoding`] of the file at `path`.
    pub fn encoding(path: &std::path::Path, source: impl std::fmt::Display) -> Self {
        Error::Encoding { path: path.to_path_buf(), message: source.to_string() }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { action, path: path.into(), source }
    }
}
