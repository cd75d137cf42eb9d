//! The annual series in the engine: the transitions of children across the releases of a series
//! (`queries/series_transitions.sql`), the variables of their joint protection.
//!
//! Each earlier release's per-child reduction (`child_histories`) is computed again over its
//! own extract (the Parquet dataset in its private folder) and its own period, so a child's cell
//! there is exactly the one that release published from. The current release's reduction is
//! the one [`super::run_release`] wrote. All of them, each with its position in the series, form
//! `series_members`, which the series query reads.
//!
//! Owns: running the series query. May not touch: what the transitions mean (tables and
//! disclosure decode and protect them).

use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{ParquetReadOptions, cast, col, lit};

use super::queries::{self, Query, QueryKind};
use super::{Engine, EngineChoice, RawTable, engine_session, runtime};
use crate::domain::date::Date;
use crate::error::{Error, Result};

/// An earlier release's extract and period.
#[derive(Debug, Clone)]
pub struct EarlierDataset {
    /// Its Parquet dataset (`OUT/private/dataset` of the earlier run).
    pub dataset_dir: PathBuf,
    /// Its period.
    pub period: (Date, Date),
}

/// The columns of `child_histories` a transition is made of.
const MEMBER_COLUMNS: [&str; 8] = [
    "child_pid",
    "first_referral_year",
    "ethnic_group",
    "sex",
    "age_band",
    "known_to_services",
    "agency_mask",
    "financial_years",
];

/// Run the series query over the `earlier` releases (series order) and the current release,
/// whose `child_histories` [`super::run_release`] left in `scratch_dir`. Returns the query (for
/// the manifest) and its result.
pub fn transitions(choice: &EngineChoice, earlier: &[EarlierDataset], scratch_dir: &Path) -> Result<(Query, RawTable)> {
    let shipped = queries::shipped()?;
    let find = |test: &dyn Fn(&Query) -> bool, what: &str| {
        shipped
            .iter()
            .find(|q| test(q))
            .cloned()
            .ok_or_else(|| Error::Query { query: what.into(), message: "the query is missing from queries/".into() })
    };
    let reduction = find(&|q| q.name == "child_histories", "child_histories")?;
    let series = find(&|q| q.contract.kind == QueryKind::Series, "series_transitions")?;
    let table = runtime(choice)?.block_on(async {
        let mut reductions = Vec::new();
        for (k, e) in earlier.iter().enumerate() {
            let scratch = scratch_dir.join("series").join(format!("{k:02}"));
            let engine = Engine::open(choice, &e.dataset_dir, &scratch, e.period.0, e.period.1).await?;
            engine.run(&reduction).await?;
            reductions.push(engine.derived_dir.join(reduction.name));
        }
        reductions.push(
            std::path::absolute(scratch_dir.join(reduction.name))
                .map_err(|e| Error::io("cannot resolve the output folder", scratch_dir, e))?,
        );
        let engine = Engine {
            ctx: engine_session(choice).await?,
            choice: choice.clone(),
            dataset_dir: reductions[reductions.len() - 1].clone(),
            derived_dir: std::path::absolute(scratch_dir.join("series"))
                .map_err(|e| Error::io("cannot resolve the output folder", scratch_dir, e))?,
        };
        let fail = |message: String| Error::Engine(format!("cannot define `series_members`: {message}"));
        let mut members: Option<datafusion::dataframe::DataFrame> = None;
        for (k, dir) in reductions.iter().enumerate() {
            let name = format!("series_release_{k:02}");
            let path = dir.to_str().ok_or_else(|| fail("the output path is not UTF-8".into()))?;
            engine
                .ctx
                .register_parquet(&name, path, ParquetReadOptions::default().file_extension(".parquet"))
                .await
                .map_err(|e| fail(e.to_string()))?;
            let position = i32::try_from(k).map_err(|_| fail("too many releases".into()))?;
            let mut columns = vec![col(MEMBER_COLUMNS[0]), cast(lit(position), DataType::Int32).alias("release")];
            columns.extend(MEMBER_COLUMNS[1..].iter().map(|c| col(*c)));
            let release = engine
                .ctx
                .table(name.as_str())
                .await
                .and_then(|df| df.select(columns))
                .map_err(|e| fail(e.to_string()))?;
            members = Some(match members {
                None => release,
                Some(all) => all.union(release).map_err(|e| fail(e.to_string()))?,
            });
        }
        let members = members.ok_or_else(|| fail("no release".into()))?;
        engine.ctx.register_table("series_members", members.into_view()).map_err(|e| fail(e.to_string()))?;
        engine.run(&series).await
    })?;
    let table = table.ok_or_else(|| Error::Query { query: series.name.into(), message: "returned nothing".into() })?;
    Ok((series, table))
}
