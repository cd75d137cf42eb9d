//! `safestat protect`: disclosure control for an analyst's own count tables.

use std::path::Path;

use crate::cli::ProtectMethod;
use crate::error::Result;

pub(super) fn run(input: &Path, spec: &Path, out: &Path, method: ProtectMethod) -> Result<()> {
    let protected = crate::disclosure::spec::protect(input, spec, method.into())?;
    crate::output::protect::write(out, &protected)?;
    crate::log::info(
        "protect",
        format_args!(
            "{} cells protected, {} withheld; written to {}",
            protected.cells(),
            protected.withheld(),
            out.display()
        ),
    );
    Ok(())
}
