//! `safestat run`: a whole release.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::engine::EngineChoice;
use crate::error::Result;

pub(super) fn run(config: &Path, out: &Path, engine: Option<EngineChoice>, earlier: Vec<PathBuf>) -> Result<()> {
    let mut config = Config::load(config)?;
    if let Some(engine) = engine {
        config.engine = engine;
    }
    config.earlier.extend(earlier);
    let summary = crate::release::run(&config, out)?;
    crate::log::info(
        "publish",
        format_args!(
            "release published to {} ({} tables, {} cells suppressed)",
            out.join("release").display(),
            summary.tables,
            summary.suppressed_cells
        ),
    );
    Ok(())
}
