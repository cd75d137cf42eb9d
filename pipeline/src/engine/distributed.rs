//! Apache DataFusion Ballista (feature `distributed`, issue 10): the same queries on a cluster.
//!
//! Ballista 55 runs DataFusion 55, so plans, SQL and functions are the ones the local engine
//! uses. Three things are safestat's own:
//!
//! - Ballista replaces a client session's function list, so safestat's SQL functions
//!   ([`super::udf`]) are registered on the upgraded session again, and a standalone cluster is
//!   started from a state that has them.
//! - `safestat scheduler` and `safestat executor` are Ballista's scheduler and executor processes
//!   with those functions registered (a stock executor would reject `wilson_lower`).
//! - A remote scheduler is contacted before any query, so a wrong address is one clear error.
//!
//! Owns: Ballista scheduler and executor processes. May not touch: the queries they run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::execution::context::SessionContext;
use datafusion::execution::session_state::SessionState;

use crate::error::{Error, Result};

/// How long to wait for a scheduler to answer before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The base configuration of a Ballista session (DataFusion's with Ballista's options), with
/// Ballista's static distributed planner: its adaptive planner (on by default in 55) loses track
/// of task metrics on the capture-history query's plan and the job never finishes.
pub fn config() -> datafusion::prelude::SessionConfig {
    use ballista::prelude::SessionConfigExt;
    datafusion::prelude::SessionConfig::new_with_ballista().with_ballista_adaptive_query_planner(false)
}

/// A session whose queries run on an in-process Ballista scheduler and executor.
pub async fn standalone(state: SessionState) -> Result<SessionContext> {
    crate::log::debug("queries", format_args!("starting an in-process Ballista scheduler and executor"));
    let ctx = SessionContext::standalone_with_state(state)
        .await
        .map_err(|e| Error::Engine(format!("cannot start the standalone Ballista cluster: {e}")))?;
    crate::log::debug("queries", format_args!("standalone Ballista cluster started"));
    register_functions(&ctx);
    Ok(ctx)
}

/// A session whose queries run on the Ballista cluster of the scheduler at `host:port`.
pub async fn remote(host: &str, port: u16, state: SessionState) -> Result<SessionContext> {
    let url = format!("http://{host}:{port}");
    let unreachable = |detail: String| {
        Error::Engine(format!(
            "no Ballista scheduler answers at df://{host}:{port} ({detail}); start one with \
             `safestat scheduler` and executors with `safestat executor` (README, \"Scaling out\")"
        ))
    };
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient::connect(url),
    )
    .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(unreachable(e.to_string())),
        Err(_) => return Err(unreachable(format!("no answer in {} s", CONNECT_TIMEOUT.as_secs()))),
    }
    let ctx = SessionContext::remote_with_state(&format!("df://{host}:{port}"), state)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    register_functions(&ctx);
    Ok(ctx)
}

fn register_functions(ctx: &SessionContext) {
    for function in super::udf::functions() {
        ctx.register_udf(function);
    }
}

/// DataFusion's functions plus safestat's, for schedulers and executors.
fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for function in super::udf::functions() {
        registry.scalar_functions.insert(function.name().to_string(), Arc::new(function));
    }
    registry
}

/// Where a scheduler listens.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Address to bind (e.g. 0.0.0.0 for every interface).
    pub bind: String,
    /// gRPC port for clients and executors.
    pub port: u16,
    /// Host name that executors and clients use to reach this scheduler.
    pub external_host: String,
}

/// Run a Ballista scheduler with safestat's SQL functions until the process is stopped.
pub fn run_scheduler(options: &SchedulerOptions) -> Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    let addr: SocketAddr = format!("{}:{}", options.bind, options.port)
        .parse()
        .map_err(|e| Error::Engine(format!("`{}:{}` is not an address to bind: {e}", options.bind, options.port)))?;
    let config = SchedulerConfig {
        bind_host: options.bind.clone(),
        bind_port: options.port,
        external_host: options.external_host.clone(),
        ..SchedulerConfig::default()
    }
    .with_override_session_builder(Arc::new(|config| {
        let mut state = ballista_core::utils::default_session_builder(config)?;
        for function in super::udf::functions() {
            datafusion::execution::FunctionRegistry::register_udf(&mut state, Arc::new(function))?;
        }
        Ok(state)
    }));
    let runtime = runtime()?;
    runtime.block_on(async move {
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .map_err(|e| Error::Engine(format!("cannot start the scheduler: {e}")))?;
        crate::log::info("scheduler", format_args!("Ballista scheduler listening on {addr}"));
        ballista_scheduler::scheduler_process::start_server(cluster, addr, Arc::new(config))
            .await
            .map_err(|e| Error::Engine(format!("the scheduler on {addr} stopped: {e}")))
    })
}

/// Where an executor listens, and which scheduler it serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's port.
    pub scheduler_port: u16,
    /// Address to bind.
    pub bind: String,
    /// Host name the scheduler and other executors use to reach this executor.
    pub external_host: Option<String>,
    /// Arrow Flight port (shuffle data).
    pub port: u16,
    /// gRPC port (tasks).
    pub grpc_port: u16,
    /// Tasks run at once.
    pub concurrent_tasks: usize,
    /// Folder for shuffle files (a temporary folder if not given).
    pub work_dir: Option<PathBuf>,
}

/// Run a Ballista executor with safestat's SQL functions until the process is stopped.
pub fn run_executor(options: &ExecutorOptions) -> Result<()> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    let work_dir = match &options.work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create the executor's work folder", dir, e))?;
            Some(dir.to_str().ok_or_else(|| Error::Engine("the work folder's path is not UTF-8".into()))?.to_string())
        }
        None => None,
    };
    let config = ExecutorProcessConfig {
        bind_host: options.bind.clone(),
        external_host: options.external_host.clone(),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        scheduler_connect_timeout_seconds: u16::try_from(CONNECT_TIMEOUT.as_secs()).unwrap_or(u16::MAX),
        vcores: options.concurrent_tasks.max(1),
        work_dir,
        print_thread_info: false,
        override_function_registry: Some(Arc::new(function_registry())),
        ..ExecutorProcessConfig::default()
    };
    let runtime = runtime()?;
    runtime.block_on(async move {
        crate::log::info(
            "executor",
            format_args!(
                "Ballista executor on {}:{} (gRPC {}), serving df://{}:{}",
                options.bind, options.port, options.grpc_port, options.scheduler_host, options.scheduler_port
            ),
        );
        start_executor_process(Arc::new(config)).await.map_err(|e| Error::Engine(format!("the executor stopped: {e}")))
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the async runtime: {e}")))
}
