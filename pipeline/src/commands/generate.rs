//! `safestat generate`: a synthetic sample with a known truth.

use std::path::Path;

use crate::error::Result;
use crate::synth::{self, GenerateOptions};

pub(super) fn run(out: &Path, seed: u64, children: u64, from: i32, to: i32) -> Result<()> {
    let options = GenerateOptions::new(seed, children, from, to)?;
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
