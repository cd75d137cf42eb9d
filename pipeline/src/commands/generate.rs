//! `safestat generate`: a synthetic sample with a known truth.

use std::path::Path;

use crate::domain::date::Date;
use crate::error::{Error, Result};
use crate::synth::{self, GenerateOptions};

pub(super) fn run(out: &Path, seed: u64, children: u64, (from, to): (i32, i32), as_of: Option<&str>) -> Result<()> {
    let as_of = as_of
        .map(|d| Date::parse_iso(d).ok_or_else(|| Error::usage("--as-of must be a date like 2013-03-31")))
        .transpose()?;
    let options = GenerateOptions::new(seed, children, from, to, as_of)?;
    let summary = synth::generate(&options, out)?;
    crate::log::info(
        "generate",
        format_args!(
            "wrote a synthetic sample of {} true victims and {} agency records to {}",
            summary.true_children,
            summary.records,
            out.display()
        ),
    );
    Ok(())
}
