//! `safestat run`: one release from configuration to published files, one call per stage (see
//! the flow in the crate's documentation). It owns the order of the stages and their log lines,
//! and no stage work: each step is a call into the room that owns it.
//!
//! Everything is built in a staging folder and published atomically ([`files::publish_atomically`]):
//! `OUT/release/` appears only after the audit re-checked the files about to be published.
//!
//! Owns: the order of stages and their log lines. May not touch: any stage's work.

pub mod series;

use std::path::Path;

use crate::config::Config;
use crate::disclosure::series::{ReleaseState, SeriesHeader};
use crate::disclosure::{self, ProtectedRelease};
use crate::domain::date::Date;
use crate::error::Result;
use crate::estimate::prevalence;
use crate::ingest::{self, population};
use crate::log::{self, StageTimer};
use crate::output::{self, PrivateDir, PublicDir};
use crate::report::analyst::Analysis;
use crate::tables::{self, Coverage};
use crate::{engine, files, report};

/// What a finished run reports on the command line.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Tables published.
    pub tables: usize,
    /// Cells suppressed across the release.
    pub suppressed_cells: usize,
}

/// Run a whole release into `out`.
pub fn run(config: &Config, out: &Path) -> Result<Summary> {
    files::publish_atomically(out, |staging| build(config, staging))
}

fn build(config: &Config, staging: &Path) -> Result<Summary> {
    let public = PublicDir::new(staging.join("release"), "release");
    let private = PrivateDir::new(staging.join("private"));

    let reports = ingest::sources::ingest_all(&config.sources, private.path(), Date::today())?;
    ingest::sources::check_quarantine(&config.sources, &reports, config.max_quarantine_share)?;
    let population = population::load(&config.population, &config.area_code)?;

    let timer = StageTimer::start("queries");
    let results = engine::run_release(
        &config.engine,
        &ingest::dataset_dir(private.path()),
        &staging.join("scratch"),
        (config.period_from, config.period_to),
        reports.iter().map(|r| r.accepted).sum(),
    )?;
    let cells = tables::inner::decode(results.table("inner_cells")?)?;
    log::info("queries", format_args!("{} queries run; {} inner cells", results.queries.len(), cells.len()));
    drop(timer);

    let timer = StageTimer::start("estimate");
    let estimates = prevalence::estimate(results.table("capture_histories")?)?;
    log::info("estimate", format_args!("{} capture-recapture models fitted", estimates.len()));
    let quality = crate::estimate::quality::DataQuality::decode(results.table("data_quality")?)?;
    let mut warnings = crate::estimate::warnings::warnings(&estimates);
    warnings.extend(crate::estimate::quality::warnings(&quality, &reports));
    private.write_json("estimates.json", &prevalence::diagnostics(&estimates, &warnings))?;
    drop(timer);

    let timer = StageTimer::start("disclosure");
    let scope =
        tables::Scope::new(config.period_from, config.period_to, config.sources.iter().map(|s| s.agency).collect());
    let catalogue = tables::catalogue(&scope, &cells, &estimates, &population, &quality);
    let out = staging.parent().unwrap_or(staging);
    let series = series::link(config, out, &staging.join("scratch"), &cells, &catalogue)?;
    let protected = match &series {
        Some(series) => disclosure::protect_series(config.policy, &catalogue, &series.linked)?,
        None => disclosure::protect(config.policy, &catalogue)?,
    };
    log::info(
        "disclosure",
        format_args!(
            "{} tables protected jointly; {} cells withheld; {} repair rounds",
            protected.tables().len(),
            protected.suppressed_cells(),
            protected.private().log.repair_rounds
        ),
    );
    drop(timer);

    let timer = StageTimer::start("render");
    let child_population: u64 = population.iter().map(|p| p.population).sum();
    let analysis = Analysis { estimates: &estimates, warnings: &warnings, quality: &quality, sources: &reports };
    publish(config, &public, &private, &protected, &analysis, child_population)?;
    let mut state = ReleaseState::new(series_header(config), &protected, &cells);
    let mut queries = results.queries.clone();
    if let Some(series) = &series {
        state.earlier = series.earlier.iter().map(|e| e.sha256.clone()).collect();
        queries.push(series.query.clone());
    }
    private.write_json("series/state.json", &state)?;
    output::manifest::write(config, staging, &reports, &queries)?;
    drop(timer);

    // The same check as `safestat audit`, from the files about to be published.
    let timer = StageTimer::start("audit");
    let primaries = disclosure::audit::audit_output(staging)?;
    log::info("audit", format_args!("audit passed from the files to publish ({primaries} primary cells)"));
    drop(timer);

    // What the analyst must look at, last, so it is what the run ends with.
    for w in &warnings {
        log::warn("estimate", format_args!("{} (private/analyst.html#{})", w.message, w.anchor));
    }

    Ok(Summary { tables: protected.tables().len(), suppressed_cells: protected.suppressed_cells() })
}

/// What every release of this configuration's series shares, and its period.
pub fn series_header(config: &Config) -> SeriesHeader {
    let (contract_sha256, ethnicity_codes_sha256) = ingest::contract::shipped_hashes();
    SeriesHeader {
        area_code: config.area_code.clone(),
        policy: config.policy.name().to_string(),
        agencies: config.sources.iter().map(|s| s.agency.code().to_string()).collect(),
        contract_sha256,
        ethnicity_codes_sha256,
        period_from: config.period_from.to_string(),
        period_to: config.period_to.to_string(),
    }
}

/// Every file of the release: open data and pages in `public`, the audit model, the disclosure
/// log and the analyst report in `private`.
fn publish(
    config: &Config,
    public: &PublicDir,
    private: &PrivateDir,
    protected: &ProtectedRelease,
    analysis: &Analysis<'_>,
    child_population: u64,
) -> Result<()> {
    let coverage = Coverage {
        area_code: config.area_code.clone(),
        area_name: config.area_name.clone(),
        old_la_code: config.old_la_code.clone(),
        region: config.region.clone(),
        from_year: config.period_from.year(),
        to_year: config.period_to.year(),
    };
    let about = report::About {
        title: config.title.clone(),
        contact: config.contact.clone(),
        publication: config.publication.clone(),
    };
    let mut downloads = Vec::new();
    let mut models = Vec::new();
    let mut columns = Vec::new();
    for table in protected.tables() {
        let (written, model) = public.write_table(table, &coverage)?;
        models.push(model);
        columns.push(written.columns);
        downloads.push((table.title().to_string(), written.data, written.meta));
    }
    private.write_audit_model(&protected.private().audit_model(models))?;
    let community_pages = report::community::render(&about, &coverage, protected)?;
    for (slug, _, page) in &community_pages {
        public.write_page(&format!("communities/{slug}.html"), page)?;
    }
    let listed: Vec<(String, String)> =
        community_pages.iter().map(|(slug, label, _)| (slug.clone(), label.clone())).collect();
    let page = report::release::render(&about, &coverage, protected, &downloads, child_population, &listed)?;
    public.write_page("index.html", &page)?;
    public.write_page("data-guidance.html", &report::guidance::render(&about, &coverage, protected, &columns)?)?;
    public.write_page("methodology.html", &report::methodology::render(&about, &coverage, protected)?)?;
    private.write_json("disclosure-log.json", &protected.private().log)?;
    private.write_page("analyst.html", &report::analyst::render(&about, &coverage, protected, analysis)?)
}
