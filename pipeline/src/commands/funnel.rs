//! `safestat funnel`: funnel-plot limits and significance for areas or groups.

use std::path::Path;

use crate::analysis::funnel::{self, Kind};
use crate::error::{Error, Result};

pub(super) fn run(input: &Path, kind: Kind, out: &Path, multiplier: f64, svg: Option<&Path>) -> Result<()> {
    if !(multiplier.is_finite() && multiplier > 0.0) {
        return Err(Error::usage("--multiplier must be positive"));
    }
    let rows = funnel::compute(input, kind, multiplier)?;
    funnel::write_csv(&rows, out)?;
    if let Some(svg_path) = svg {
        crate::files::write_file(svg_path, funnel::svg(&rows, kind, multiplier).as_bytes())?;
    }
    Ok(())
}
