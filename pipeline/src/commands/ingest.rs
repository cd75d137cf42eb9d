//! `safestat ingest`: validate and convert a release's sources only.

use std::path::Path;

use crate::config::Config;
use crate::domain::date::Date;
use crate::error::Result;

pub(super) fn run(config: &Path, out: &Path) -> Result<()> {
    let config = Config::load(config)?;
    let reports = crate::ingest::sources::ingest_all(&config.sources, out, Date::today())?;
    for r in &reports {
        crate::log::info(
            "ingest",
            format_args!(
                "{}: {} rows read, {} accepted, {} quarantined",
                r.file, r.rows_read, r.accepted, r.quarantined
            ),
        );
    }
    Ok(())
}
