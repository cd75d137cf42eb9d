//! The `safestat` binary: parse the command line, run it, print the error chain once.
//!
//! Owns: the process exit code. May not touch: anything else.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = safestat::cli::Cli::parse();
    safestat::log::init(cli.log_level(), cli.log_format);
    match safestat::commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            safestat::log::fatal(&err);
            ExitCode::from(err.exit_code())
        }
    }
}
