//! `safestat verify`: recompute every hash of a finished output's manifest.

use std::path::Path;

use crate::error::Result;

pub(super) fn run(out: &Path) -> Result<()> {
    let files = crate::output::verify(out)?;
    crate::log::info("verify", format_args!("{files} files match the manifest"));
    Ok(())
}
