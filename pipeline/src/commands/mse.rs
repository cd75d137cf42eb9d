//! `safestat mse`: prevalence estimates for an analyst's own capture-history table.

use std::path::Path;

use crate::analysis::mse::{self, ModelChoice};
use crate::cli::{Format, IntervalKind};
use crate::error::{Error, Result};
use crate::stats::mse::Resampling;

pub(super) fn run(
    table: &Path,
    model: &str,
    threshold: f64,
    level: f64,
    (interval, replicates, seed): (IntervalKind, u32, u64),
    format: Format,
) -> Result<()> {
    let choice = ModelChoice::parse(model).map_err(|m| Error::usage(format!("--model: {m}")))?;
    if !(0.0..1.0).contains(&threshold) {
        return Err(Error::usage("--threshold must be between 0 and 1"));
    }
    if !(0.5..1.0).contains(&level) {
        return Err(Error::usage("--level must be at least 0.5 and below 1"));
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let resampling =
        (interval == IntervalKind::Bca).then_some(Resampling { replicates: replicates as usize, seed, threads });
    let report = mse::run(table, &choice, threshold, level, resampling)?;
    match format {
        Format::Text => print!("{}", mse::to_text(&report, level)),
        Format::Json => {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| Error::encoding(Path::new("(standard output)"), e))?;
            println!("{json}");
        }
    }
    Ok(())
}
