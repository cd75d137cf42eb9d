//! `safestat audit`: re-check a finished output from its published files and private model.

use std::path::Path;

use crate::error::Result;

pub(super) fn run(dir: &Path) -> Result<()> {
    let primaries = crate::disclosure::audit::audit_output(dir)?;
    crate::log::info("audit", format_args!("audit passed ({primaries} primary cells checked)"));
    Ok(())
}
