//! One thin door per subcommand: each turns its raw flags into validated options, makes one
//! library call, and logs one line. No stage work lives here.
//!
//! Owns: the mapping from a command line to a library call. May not touch: anything a stage owns.

mod audit;
#[cfg(feature = "distributed")]
mod cluster;
mod funnel;
mod generate;
mod ingest;
mod mse;
mod protect;
mod pseudonymise;
mod run;
mod verify;

use crate::cli::{Cli, Command};
use crate::error::Result;

/// Run one parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate { out, seed, children, from, to, as_of } => {
            generate::run(&out, seed, children, (from, to), as_of.as_deref())
        }
        Command::Run { config, out, engine, earlier } => run::run(&config, &out, engine, earlier),
        Command::Verify { out } => verify::run(&out),
        Command::Ingest { config, out } => ingest::run(&config, &out),
        Command::Mse { table, model, threshold, level, interval, bootstrap, seed, format } => {
            mse::run(&table, &model, threshold, level, (interval, bootstrap, seed), format)
        }
        Command::Pseudonymise { key_file, input, out, id_columns } => {
            pseudonymise::run(key_file.as_deref(), &input, &out, &id_columns)
        }
        Command::Protect { input, spec, out, method } => protect::run(&input, &spec, &out, method),
        Command::Audit { dir } => audit::run(&dir),
        #[cfg(feature = "distributed")]
        Command::Scheduler { bind, port, external_host } => cluster::scheduler(bind, port, external_host),
        #[cfg(feature = "distributed")]
        Command::Executor { scheduler, bind, external_host, port, grpc_port, concurrent_tasks, work_dir } => {
            cluster::executor(&scheduler, bind, external_host, (port, grpc_port), concurrent_tasks, work_dir)
        }
        Command::Funnel { input, kind, out, multiplier, svg } => {
            funnel::run(&input, kind, &out, multiplier, svg.as_deref())
        }
    }
}
