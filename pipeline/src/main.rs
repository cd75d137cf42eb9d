//! The `safestat` binary: parse the command line, run it, print the error chain once.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = safestat::cli::Cli::parse();
    match safestat::cli::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("safestat: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
