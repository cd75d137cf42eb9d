//! The query engine: one DataFusion session over the Parquet dataset, running `queries/`.
//!
//! [`session`] is the single constructor used by the pipeline and the tests alike (fixed
//! partition count for determinism). Query files run with DDL, DML and statements disallowed,
//! so no query can write files (`COPY ... TO`) around the pipeline.
//!
//! Owns: the DataFusion session and running `queries/`. May not touch: counts after collection
//! (estimate, tables and disclosure use the [`RawTable`]s) or any output file.

mod choice;
#[cfg(feature = "distributed")]
pub mod distributed;
pub mod queries;
mod raw;
pub mod series;
pub mod udf;

use std::path::Path;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::execution::context::{SQLOptions, SessionContext};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, col, lit};
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;

use crate::domain::date::Date;
use crate::error::{Error, Result};
pub use choice::{DEFAULT_SCHEDULER_PORT, EngineChoice};
use queries::{Query, QueryKind};
pub use raw::{RawColumn, RawTable};

/// Partitions per query: fixed so plans, and so results, do not depend on the machine.
pub const TARGET_PARTITIONS: usize = 2;

/// DataFusion's memory pool: operators that can spill (sorts, aggregations) spill to the
/// system's temporary folder beyond this, so a national release stays within a laptop's memory.
pub const MEMORY_LIMIT: usize = 1 << 30;

/// The one DataFusion session constructor (the local engine).
pub fn session() -> Result<SessionContext> {
    let ctx = SessionContext::new_with_state(session_state(SessionConfig::new())?);
    for function in udf::functions() {
        ctx.register_udf(function);
    }
    Ok(ctx)
}

/// The session state every engine starts from, on a base configuration (DataFusion's, or
/// Ballista's with its own options): fixed partitions, the spilling memory pool and safestat's SQL
/// functions. Ballista sends the configuration with each job, so a cluster plans with the same
/// partition count.
pub fn session_state(config: SessionConfig) -> Result<datafusion::execution::session_state::SessionState> {
    let config = config.with_target_partitions(TARGET_PARTITIONS).with_batch_size(8192).with_information_schema(false);
    // A fair pool: spilling operators (sorts, aggregations) share it, so a merge after a sort
    // still gets memory; unspillable operators reserve first.
    let pool = datafusion::execution::memory_pool::TrackConsumersPool::new(
        datafusion::execution::memory_pool::FairSpillPool::new(MEMORY_LIMIT),
        std::num::NonZeroUsize::new(5).expect("non-zero"),
    );
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(std::sync::Arc::new(pool))
        .build_arc()
        .map_err(|e| Error::Engine(format!("cannot start the runtime: {e}")))?;
    let mut state =
        SessionStateBuilder::new().with_config(config).with_runtime_env(runtime).with_default_features().build();
    for function in udf::functions() {
        datafusion::execution::FunctionRegistry::register_udf(&mut state, std::sync::Arc::new(function))
            .map_err(|e| Error::Engine(format!("cannot register the SQL functions: {e}")))?;
    }
    Ok(state)
}

/// A session on the chosen engine.
#[cfg_attr(not(feature = "distributed"), allow(clippy::unused_async))]
async fn engine_session(choice: &EngineChoice) -> Result<SessionContext> {
    match choice {
        EngineChoice::Local => session(),
        #[cfg(feature = "distributed")]
        EngineChoice::BallistaStandalone => distributed::standalone(session_state(distributed::config())?).await,
        #[cfg(feature = "distributed")]
        EngineChoice::Ballista { host, port } => {
            distributed::remote(host, *port, session_state(distributed::config())?).await
        }
        #[cfg(not(feature = "distributed"))]
        other => Err(without_ballista(other)),
    }
}

/// The error of a build without the `distributed` feature asked for Ballista.
#[cfg_attr(feature = "distributed", allow(dead_code))]
fn without_ballista(choice: &EngineChoice) -> Error {
    Error::Engine(format!(
        "engine `{choice}` needs Ballista, and this safestat was built without it: \
         build with `cargo build --release --features distributed` (README, \"Scaling out\")"
    ))
}

/// Plan one SQL statement with DDL, DML and statements refused (so no `COPY … TO`, `CREATE`,
/// `INSERT` or `SET` can run), and return its DataFrame.
pub async fn sql_checked(
    ctx: &SessionContext,
    sql: &str,
) -> std::result::Result<datafusion::dataframe::DataFrame, String> {
    let mut statements =
        DFParser::parse_sql_with_dialect(sql, &GenericDialect {}).map_err(|e| format!("cannot parse: {e}"))?;
    if statements.len() != 1 {
        return Err(format!("holds {} statements; a query holds exactly one", statements.len()));
    }
    let statement = statements.pop_front().expect("one statement");
    let plan = ctx.state().statement_to_plan(statement).await.map_err(|e| format!("cannot plan: {e}"))?;
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
        .verify_plan(&plan)
        .map_err(|e| format!("only SELECT queries are allowed: {e}"))?;
    ctx.execute_logical_plan(plan).await.map_err(|e| format!("cannot plan: {e}"))
}

/// A DataFusion (or Ballista) session with the release's dataset registered.
pub struct Engine {
    ctx: SessionContext,
    choice: EngineChoice,
    /// The Parquet dataset (absolute: a cluster's executors resolve it themselves).
    dataset_dir: std::path::PathBuf,
    /// Where intermediate results are written once (Parquet) for later queries to read.
    derived_dir: std::path::PathBuf,
}

impl Engine {
    /// Register the Parquet dataset as `records` and its rows inside the period as `referrals`.
    /// Intermediate results go to `scratch_dir` (not an output: the caller removes it).
    ///
    /// Every table is a Parquet file or a view over `VALUES`, so a Ballista cluster can run the
    /// same plans: in-memory tables cannot be sent to executors.
    pub async fn open(
        choice: &EngineChoice,
        dataset_dir: &Path,
        scratch_dir: &Path,
        period_from: Date,
        period_to: Date,
    ) -> Result<Engine> {
        let absolute =
            |p: &Path| std::path::absolute(p).map_err(|e| Error::io("cannot resolve the output folder", p, e));
        let dataset_dir = absolute(dataset_dir)?;
        let derived_dir = absolute(scratch_dir)?;
        let ctx = engine_session(choice).await?;
        let dir = dataset_dir.to_str().ok_or_else(|| Error::Engine("the output path is not UTF-8".into()))?;
        ctx.register_parquet("records", dir, ParquetReadOptions::default().file_extension(".parquet"))
            .await
            .map_err(|e| Error::Engine(format!("cannot open the dataset: {e}")))?;
        let from = lit(ScalarValue::Date32(Some(period_from.days_since_epoch())));
        let to = lit(ScalarValue::Date32(Some(period_to.days_since_epoch())));
        // `fy_index`: financial years since the period's first (0 to 23; the configuration
        // refuses longer periods), for the per-year masks of queries/child_histories.sql.
        let first_financial_year = period_from.financial_year_start();
        let referrals = ctx
            .table("records")
            .await
            .and_then(|df| df.filter(col("referral_date").between(from, to)))
            .and_then(|df| {
                df.with_column(
                    "fy_index",
                    datafusion::prelude::cast(col("financial_year") - lit(first_financial_year), DataType::Int64),
                )
            })
            .map_err(|e| Error::Engine(format!("cannot define `referrals`: {e}")))?;
        ctx.register_table("referrals", referrals.into_view())
            .map_err(|e| Error::Engine(format!("cannot register `referrals`: {e}")))?;
        // Code tables for the per-child reduction (queries/child_histories.sql): age bands from
        // the domain, sexes from the data contract.
        let bands: Vec<&str> = crate::domain::AGE_BANDS.iter().map(|(band, _, _)| *band).collect();
        let contract = crate::ingest::contract::Contract::shipped();
        let sexes: Vec<&str> = contract
            .fields
            .iter()
            .find(|f| f.name == "sex")
            .map(|f| f.values.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let financial_years = period_to.financial_year_start() - first_financial_year + 1;
        let text = |v: &str| ScalarValue::from(v);
        let coded = |values: &[&str]| -> Vec<Vec<ScalarValue>> {
            values.iter().zip(0_i32..).map(|(v, code)| vec![ScalarValue::Int32(Some(code)), text(v)]).collect()
        };
        let groups = crate::domain::ETHNIC_GROUPS
            .iter()
            .zip(0_i32..)
            .map(|(g, code)| {
                vec![ScalarValue::Int32(Some(code)), text(g.id), text(g.label), text(g.high_id), text(g.high_label)]
            })
            .collect();
        let period =
            vec![vec![ScalarValue::Int32(Some(first_financial_year)), ScalarValue::Int32(Some(financial_years))]];
        for (name, columns, rows) in [
            ("ethnic_groups", &["code", "id", "label", "high_id", "high_label"][..], groups),
            ("age_bands", &["code", "band"][..], coded(&bands)),
            ("sexes", &["code", "sex"][..], coded(&sexes)),
            ("release_period", &["first_financial_year", "financial_years"][..], period),
        ] {
            let view =
                values_view(&ctx, columns, rows).map_err(|e| Error::Engine(format!("cannot define `{name}`: {e}")))?;
            ctx.register_table(name, view).map_err(|e| Error::Engine(format!("cannot register `{name}`: {e}")))?;
        }
        Ok(Engine { ctx, choice: choice.clone(), dataset_dir, derived_dir })
    }

    /// Check that the engine reads exactly the `expected` records that ingest wrote. On a
    /// cluster this is where a dataset the executors cannot see shows up, as a clear error
    /// instead of an empty or partial release.
    pub async fn check_dataset(&self, expected: u64) -> Result<()> {
        let shared = if self.choice.is_distributed() {
            " With Ballista, every executor must read the output folder at the same path: put OUT on a \
             folder that the scheduler, every executor and this machine mount at one path (README, \
             \"Scaling out\")."
        } else {
            ""
        };
        let fail = |problem: String| {
            Error::Engine(format!(
                "engine `{}`: {problem} (dataset {}).{shared}",
                self.choice,
                self.dataset_dir.display()
            ))
        };
        crate::log::debug("queries", format_args!("counting the records engine `{}` reads", self.choice));
        let batches = self
            .ctx
            .sql("SELECT count(*) AS n FROM records")
            .await
            .map_err(|e| fail(format!("cannot count the records: {e}")))?
            .collect()
            .await
            .map_err(|e| fail(format!("cannot read the dataset: {e}")))?;
        let read: i64 = batches
            .iter()
            .filter(|b| b.num_rows() > 0)
            .filter_map(|b| b.column(0).as_any().downcast_ref::<datafusion::arrow::array::Int64Array>())
            .map(|a| a.value(0))
            .sum();
        if u64::try_from(read).ok() != Some(expected) {
            return Err(fail(format!("reads {read} records where ingest wrote {expected}")));
        }
        Ok(())
    }

    /// The underlying session (for tests and tools).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Run every query of a release in order: intermediate ones are written to Parquet once and
    /// registered, `cells` ones are collected (`series` ones run in [`series::transitions`]).
    pub async fn run_all(&self, queries: &[Query]) -> Result<Vec<RawTable>> {
        let mut tables = Vec::new();
        for query in queries.iter().filter(|q| q.contract.kind != QueryKind::Series) {
            let start = std::time::Instant::now();
            if let Some(table) = self.run(query).await? {
                crate::log::debug(
                    "query",
                    format_args!("{}: {} rows in {:.2} s", query.name, table.rows(), start.elapsed().as_secs_f64()),
                );
                tables.push(table);
            } else {
                crate::log::debug(
                    "query",
                    format_args!("{}: written once in {:.2} s", query.name, start.elapsed().as_secs_f64()),
                );
            }
        }
        Ok(tables)
    }

    /// Run one query and check its result against its contract.
    pub async fn run(&self, query: &Query) -> Result<Option<RawTable>> {
        let fail = |message: String| Error::Query { query: query.name.to_string(), message };
        let df = sql_checked(&self.ctx, query.sql).await.map_err(fail)?;
        check_schema(query, df.schema().as_arrow()).map_err(fail)?;
        match query.contract.kind {
            QueryKind::Intermediate => {
                // Computed once and written to Parquet: every later query reads the result
                // instead of recomputing it (the per-child reduction is the costliest step).
                let dir = self.derived_dir.join(query.name);
                let path = dir.to_str().ok_or_else(|| fail("the output path is not UTF-8".into()))?;
                df.write_parquet(path, datafusion::dataframe::DataFrameWriteOptions::new(), None)
                    .await
                    .map_err(|e| fail(format!("cannot write the result to {path}: {e}")))?;
                self.ctx
                    .register_parquet(query.name, path, ParquetReadOptions::default().file_extension(".parquet"))
                    .await
                    .map_err(|e| fail(format!("cannot register the result: {e}")))?;
                Ok(None)
            }
            QueryKind::Cells | QueryKind::Series => {
                let batches = df.collect().await.map_err(|e| fail(format!("failed: {e}")))?;
                let table = RawTable::from_batches(query, &batches).map_err(fail)?;
                Ok(Some(table))
            }
        }
    }
}

/// A small table as a view over `VALUES` with the given column names, so plans that read it can
/// be sent to a cluster (in-memory tables cannot).
fn values_view(
    ctx: &SessionContext,
    columns: &[&str],
    rows: Vec<Vec<ScalarValue>>,
) -> datafusion::common::Result<std::sync::Arc<dyn datafusion::catalog::TableProvider>> {
    use datafusion::logical_expr::LogicalPlanBuilder;
    let rows = rows.into_iter().map(|row| row.into_iter().map(lit).collect()).collect();
    let names = columns.iter().enumerate().map(|(i, name)| col(format!("column{}", i + 1)).alias(*name));
    let plan = LogicalPlanBuilder::values(rows)?.project(names)?.build()?;
    Ok(datafusion::dataframe::DataFrame::new(ctx.state(), plan).into_view())
}

fn check_schema(query: &Query, schema: &datafusion::arrow::datatypes::Schema) -> Result<(), String> {
    let declared = &query.contract.columns;
    if schema.fields().len() != declared.len() {
        return Err(format!("returns {} columns but its contract declares {}", schema.fields().len(), declared.len()));
    }
    for (field, contract) in schema.fields().iter().zip(declared) {
        if field.name() != &contract.name {
            return Err(format!("returns column `{}` where its contract declares `{}`", field.name(), contract.name));
        }
        let actual = type_name(field.data_type());
        if actual != contract.data_type {
            return Err(format!(
                "column `{}` has type {actual} but its contract declares {}",
                field.name(),
                contract.data_type
            ));
        }
    }
    Ok(())
}

fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => "Utf8".into(),
        other => format!("{other}"),
    }
}

/// The results of the shipped queries for one release.
pub struct ReleaseResults {
    /// The queries that ran (for the manifest).
    pub queries: Vec<Query>,
    /// Their collected results.
    pub tables: Vec<RawTable>,
}

impl ReleaseResults {
    /// The result of the query `name`.
    pub fn table(&self, name: &str) -> Result<&RawTable> {
        self.tables
            .iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| Error::Query { query: name.into(), message: "the query is missing from queries/".into() })
    }
}

/// Run the shipped queries over the dataset in `dataset_dir` (`expected` records) for the period,
/// on `choice`, with intermediate results in `scratch_dir`.
pub fn run_release(
    choice: &EngineChoice,
    dataset_dir: &Path,
    scratch_dir: &Path,
    (period_from, period_to): (Date, Date),
    expected: u64,
) -> Result<ReleaseResults> {
    let mut queries = queries::shipped()?;
    queries.retain(|q| q.contract.kind != QueryKind::Series);
    if choice.is_distributed() {
        crate::log::info("queries", format_args!("running the queries on Ballista ({choice})"));
    }
    let tables = runtime(choice)?.block_on(async {
        let engine = Engine::open(choice, dataset_dir, scratch_dir, period_from, period_to).await?;
        engine.check_dataset(expected).await?;
        engine.run_all(&queries).await
    })?;
    Ok(ReleaseResults { queries, tables })
}

/// The async runtime the queries run on (a standalone Ballista cluster runs its scheduler and
/// executor on it too).
fn runtime(choice: &EngineChoice) -> Result<tokio::runtime::Runtime> {
    let threads = if choice.is_distributed() { 4 * TARGET_PARTITIONS } else { TARGET_PARTITIONS };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the async runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_ballista_names_the_feature() {
        let message = without_ballista(&EngineChoice::BallistaStandalone).to_string();
        assert!(message.contains("`ballista-standalone`") && message.contains("--features distributed"), "{message}");
        assert_eq!(without_ballista(&EngineChoice::BallistaStandalone).exit_code(), 2);
    }
}
