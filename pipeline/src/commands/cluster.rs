//! `safestat scheduler` and `safestat executor`: a Ballista cluster with safestat's SQL
//! functions (feature `distributed`).

use std::path::PathBuf;

use crate::engine::EngineChoice;
use crate::engine::distributed::{self, ExecutorOptions, SchedulerOptions};
use crate::error::{Error, Result};

pub(super) fn scheduler(bind: String, port: u16, external_host: String) -> Result<()> {
    distributed::run_scheduler(&SchedulerOptions { bind, port, external_host })
}

pub(super) fn executor(
    scheduler: &str,
    bind: String,
    external_host: Option<String>,
    (port, grpc_port): (u16, u16),
    concurrent_tasks: Option<usize>,
    work_dir: Option<PathBuf>,
) -> Result<()> {
    let EngineChoice::Ballista { host, port: scheduler_port } =
        EngineChoice::parse_scheduler(scheduler).map_err(|e| Error::usage(format!("--scheduler {e}")))?
    else {
        return Err(Error::usage("--scheduler must be a scheduler address"));
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    distributed::run_executor(&ExecutorOptions {
        scheduler_host: host,
        scheduler_port,
        // The bind address is how others reach this executor, unless it binds every interface:
        // then Ballista takes the address the scheduler sees.
        external_host: external_host
            .or_else(|| (!matches!(bind.as_str(), "0.0.0.0" | "::" | "[::]")).then(|| bind.clone())),
        bind,
        port,
        grpc_port,
        concurrent_tasks: concurrent_tasks.unwrap_or(cores),
        work_dir,
    })
}
