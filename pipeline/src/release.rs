//! `safestat run`: one release from configuration to published files.
//!
//! ingest (CSV -> Parquet, quarantine) -> engine (queries/ over Parquet -> inner cells)
//! -> tables derived in Rust from the inner cells -> disclosure control -> open-data CSV,
//! HTML report, private manifest and disclosure log, published atomically.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::date::Date;
use crate::disclosure::certificate::{ModelRow, TableModel};
use crate::disclosure::{
    self, CommunityRatesRequest, CommunityRow, CountTableRequest, EstimateRow, EstimateTableRequest, FilterColumn,
    IndicatorColumn, ProtectedRelease, RawCount, ShareRequest, ShareRow,
};
use crate::domain::{AGE_BANDS, HIGH_LEVEL_GROUPS};
use crate::engine::{self, Engine, RawColumn, RawTable};
use crate::error::{Error, Result};
use crate::ingest::{self, SourceReport};
use crate::output::{self, ees::Coverage};
use crate::population::PopulationRow;
use crate::prevalence::PrevalenceEstimate;

/// What a finished run reports on the command line.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Tables published.
    pub tables: usize,
    /// Cells suppressed across the release.
    pub suppressed_cells: usize,
}

/// One inner cell: the finest classification every published count is a sum of.
#[derive(Debug, Clone)]
pub struct InnerCell {
    /// Calendar year of the child's first referral in the period.
    pub year: i32,
    /// ONS 2021 detailed ethnic group identifier.
    pub ethnic_group: String,
    /// Sex code.
    pub sex: String,
    /// Age band at first referral.
    pub age_band: String,
    /// Known to services before referral.
    pub known_to_services: bool,
    /// Capture history: bit i set when agency list i recorded the child.
    pub agency_mask: u32,
    /// Children in the cell.
    pub children: RawCount,
}

/// Read the `inner_cells` query result.
pub fn inner_cells(table: &RawTable) -> Result<Vec<InnerCell>> {
    let fail = |message: &str| Error::Query { query: table.name().to_string(), message: message.to_string() };
    let text = |name: &str| match table.column(name) {
        Some(RawColumn::Text(v)) => Ok(v),
        _ => Err(fail(&format!("column `{name}` is missing or not text"))),
    };
    let int = |name: &str| match table.column(name) {
        Some(RawColumn::Int(v)) => Ok(v),
        _ => Err(fail(&format!("column `{name}` is missing or not an integer"))),
    };
    let (years, groups, sexes, bands, masks, children) =
        (int("year")?, text("ethnic_group")?, text("sex")?, text("age_band")?, int("agency_mask")?, int("children")?);
    let Some(RawColumn::Bool(known)) = table.column("known_to_services") else {
        return Err(fail("column `known_to_services` is missing or not boolean"));
    };
    Ok((0..table.rows())
        .map(|i| InnerCell {
            year: years[i] as i32,
            ethnic_group: groups[i].clone(),
            sex: sexes[i].clone(),
            age_band: bands[i].clone(),
            known_to_services: known[i],
            agency_mask: masks[i] as u32,
            children: RawCount::new(children[i] as u64),
        })
        .collect())
}

/// The table requests of a release, all derived from the same inner cells.
pub fn table_requests(config: &Config, cells: &[InnerCell]) -> (Vec<CountTableRequest>, Vec<ShareRequest>) {
    let count_indicator = IndicatorColumn {
        col_name: "children".into(),
        label: "Children identified".into(),
        unit: String::new(),
        dp: 0,
    };
    // The inner cells a published figure sums.
    let sum = |keep: &dyn Fn(&InnerCell) -> bool| -> Vec<usize> {
        cells.iter().enumerate().filter(|(_, c)| keep(c)).map(|(i, _)| i).collect()
    };
    let high_group = |id: &'static str| {
        move |c: &InnerCell| crate::domain::ethnic_group(&c.ethnic_group).is_some_and(|g| g.high_id == id)
    };
    let by_year = CountTableRequest {
        name: "children_by_year".into(),
        title: "Children identified, by year of first referral".into(),
        filter: FilterColumn {
            col_name: "time_period".into(),
            label: "Year of first referral".into(),
            hint: "The calendar year of the child's first referral in the period".into(),
        },
        indicator: count_indicator.clone(),
        rows: config.years().map(|y| (y.to_string(), y.to_string(), sum(&|c| c.year == y))).collect(),
        total: ("Total".into(), "All years".into()),
    };
    let by_community = CountTableRequest {
        name: "children_by_community".into(),
        title: "Children identified, by ethnic group (ONS 2021 high-level groups)".into(),
        filter: FilterColumn {
            col_name: "ethnic_group".into(),
            label: "Ethnic group".into(),
            hint: "ONS 2021 high-level ethnic group, harmonised from each agency's codes; 'Not known' is a group of its own".into(),
        },
        indicator: count_indicator.clone(),
        rows: HIGH_LEVEL_GROUPS
            .iter()
            .map(|(id, label)| ((*id).to_string(), (*label).to_string(), sum(&high_group(id))))
            .collect(),
        total: ("Total".into(), "All children".into()),
    };
    let by_age = CountTableRequest {
        name: "children_by_age_band".into(),
        title: "Children identified, by age at first referral".into(),
        filter: FilterColumn {
            col_name: "age_band".into(),
            label: "Age at first referral".into(),
            hint: "Age band of the child at their first referral in the period".into(),
        },
        indicator: IndicatorColumn {
            col_name: "children".into(),
            label: "Children identified".into(),
            unit: String::new(),
            dp: 0,
        },
        rows: AGE_BANDS
            .iter()
            .map(|(band, _, _)| ((*band).to_string(), format!("{band} years"), sum(&|c| c.age_band == *band)))
            .collect(),
        total: ("Total".into(), "All ages".into()),
    };
    let by_detailed = CountTableRequest {
        name: "children_by_detailed_group".into(),
        title: "Children identified, by ethnic group (ONS 2021 detailed groups)".into(),
        filter: FilterColumn {
            col_name: "ethnic_group_detailed".into(),
            label: "Ethnic group (detailed)".into(),
            hint: "ONS 2021 detailed ethnic group, harmonised from each agency's codes".into(),
        },
        indicator: count_indicator.clone(),
        rows: crate::domain::ETHNIC_GROUPS
            .iter()
            .map(|g| (g.id.to_string(), g.label.to_string(), sum(&|c| c.ethnic_group == g.id)))
            .collect(),
        total: ("Total".into(), "All children".into()),
    };
    let by_community_age = CountTableRequest {
        name: "children_by_community_and_age".into(),
        title: "Children identified, by ethnic group and age at first referral".into(),
        filter: FilterColumn {
            col_name: "ethnic_group_and_age".into(),
            label: "Ethnic group and age".into(),
            hint: "ONS 2021 high-level ethnic group and age band at first referral".into(),
        },
        indicator: count_indicator.clone(),
        rows: HIGH_LEVEL_GROUPS
            .iter()
            .flat_map(|(id, label)| AGE_BANDS.iter().map(move |(band, _, _)| (*id, *label, *band)))
            .map(|(id, label, band)| {
                let group = high_group(id);
                (format!("{id}:{band}"), format!("{label}, {band} years"), sum(&|c| group(c) && c.age_band == band))
            })
            .collect(),
        total: ("Total".into(), "All children".into()),
    };
    let by_community_agency = CountTableRequest {
        name: "children_by_community_and_agency".into(),
        title:
            "Children recorded by each agency, by ethnic group (a child recorded by several agencies counts in each)"
                .into(),
        filter: FilterColumn {
            col_name: "ethnic_group_and_agency".into(),
            label: "Ethnic group and agency".into(),
            hint: "ONS 2021 high-level ethnic group and the agency that recorded the child".into(),
        },
        indicator: count_indicator.clone(),
        rows: HIGH_LEVEL_GROUPS
            .iter()
            .flat_map(|(id, label)| config.sources.iter().map(move |s| (*id, *label, s.agency)))
            .map(|(id, label, agency)| {
                let group = high_group(id);
                let bit = agency.bit() as u32;
                (
                    format!("{id}:{}", agency.code()),
                    format!("{label}, {}", agency.label()),
                    sum(&|c| group(c) && c.agency_mask & bit != 0),
                )
            })
            .collect(),
        total: ("Total".into(), "All records by agency (children counted once per agency)".into()),
    };
    let share_rows = |rows: Vec<(String, String, Vec<usize>)>, total_label: &str| -> Vec<ShareRow> {
        let known = |set: &[usize]| set.iter().copied().filter(|&i| cells[i].known_to_services).collect::<Vec<usize>>();
        let mut out: Vec<ShareRow> = rows
            .into_iter()
            .map(|(code, label, denominator)| ShareRow {
                code,
                label,
                is_total: false,
                numerator: known(&denominator),
                denominator,
            })
            .collect();
        let all: Vec<usize> = (0..cells.len()).collect();
        out.push(ShareRow {
            code: "Total".into(),
            label: total_label.into(),
            is_total: true,
            numerator: known(&all),
            denominator: all,
        });
        out
    };
    let known_by_community = ShareRequest {
        name: "known_to_services_by_community".into(),
        title: "Children already known to services before their first referral, by ethnic group".into(),
        filter: FilterColumn {
            col_name: "ethnic_group".into(),
            label: "Ethnic group".into(),
            hint: "ONS 2021 high-level ethnic group".into(),
        },
        denominator_label: "Children identified".into(),
        numerator_label: "Known to services".into(),
        rows: share_rows(
            HIGH_LEVEL_GROUPS
                .iter()
                .map(|(id, label)| ((*id).to_string(), (*label).to_string(), sum(&high_group(id))))
                .collect(),
            "All children",
        ),
        level: 0.95,
    };
    let known_by_year = ShareRequest {
        name: "known_to_services_by_year".into(),
        title: "Children already known to services before their first referral, by year of first referral".into(),
        filter: FilterColumn {
            col_name: "first_referral_year".into(),
            label: "Year of first referral".into(),
            hint: "The calendar year of the child's first referral in the period".into(),
        },
        denominator_label: "Children identified".into(),
        numerator_label: "Known to services".into(),
        rows: share_rows(
            config.years().map(|y| (y.to_string(), y.to_string(), sum(&|c| c.year == y))).collect(),
            "All years",
        ),
        level: 0.95,
    };
    let known_by_agency = ShareRequest {
        name: "known_to_services_by_agency".into(),
        title: "Children already known to services before their first referral, by the agency that recorded them"
            .into(),
        filter: FilterColumn {
            col_name: "agency".into(),
            label: "Agency".into(),
            hint: "The agency list (a child recorded by several agencies appears in each)".into(),
        },
        denominator_label: "Children recorded by the agency".into(),
        numerator_label: "Known to services".into(),
        rows: share_rows(
            config
                .sources
                .iter()
                .map(|s| {
                    let bit = s.agency.bit() as u32;
                    (s.agency.code().to_string(), s.agency.label().to_string(), sum(&|c| c.agency_mask & bit != 0))
                })
                .collect(),
            "All children",
        ),
        level: 0.95,
    };
    (
        vec![by_year, by_community, by_detailed, by_age, by_community_age, by_community_agency],
        vec![known_by_community, known_by_year, known_by_agency],
    )
}

#[derive(Debug, Serialize)]
struct HashedFile {
    file: String,
    sha256: String,
}

#[derive(Debug, Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    policy: &'static str,
    area_code: &'a str,
    period: String,
    config: HashedFile,
    inputs: Vec<&'a SourceReport>,
    population: HashedFile,
    queries: Vec<HashedFile>,
    templates: Vec<HashedFile>,
    outputs: Vec<HashedFile>,
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Run a whole release into `out`.
pub fn run(config: &Config, out: &Path) -> Result<Summary> {
    output::publish_atomically(out, |staging| build(config, staging))
}

fn build(config: &Config, staging: &Path) -> Result<Summary> {
    let release_dir = staging.join("release");
    let private_dir = staging.join("private");
    let dataset_dir = ingest::dataset_dir(&private_dir);
    let today = Date::today();

    let reports = ingest_into(config, &private_dir, today)?;
    for (source, report) in config.sources.iter().zip(&reports) {
        if report.quarantined_share() > config.max_quarantine_share {
            return Err(Error::QuarantineTooLarge {
                path: source.path.clone(),
                source_name: source.agency.code().to_string(),
                read: report.rows_read,
                quarantined: report.quarantined,
                share: 100.0 * report.quarantined_share(),
                allowed: 100.0 * config.max_quarantine_share,
            });
        }
    }
    let population = crate::population::load(&config.population, &config.area_code)?;

    let queries = engine::queries::shipped()?;
    let query_timer = crate::log::StageTimer::start("queries");
    // A standalone Ballista cluster runs its scheduler and executor on this runtime too.
    let threads =
        if config.engine.is_distributed() { 4 * engine::TARGET_PARTITIONS } else { engine::TARGET_PARTITIONS };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the async runtime: {e}")))?;
    if config.engine.is_distributed() {
        crate::log::info("queries", format_args!("running the queries on Ballista ({})", config.engine));
    }
    let tables = runtime.block_on(async {
        let scratch = staging.join("scratch");
        let engine = Engine::open(&config.engine, &dataset_dir, &scratch, config.period_from, config.period_to).await?;
        engine.check_dataset(reports.iter().map(|r| r.accepted).sum()).await?;
        engine.run_all(&queries).await
    })?;
    let cells_table = tables.iter().find(|t| t.name() == "inner_cells").ok_or_else(|| Error::Query {
        query: "inner_cells".into(),
        message: "the query is missing from queries/".into(),
    })?;
    let cells = inner_cells(cells_table)?;
    crate::log::info("queries", format_args!("{} queries run; {} inner cells", queries.len(), cells.len()));
    drop(query_timer);
    let histories = tables.iter().find(|t| t.name() == "capture_histories").ok_or_else(|| Error::Query {
        query: "capture_histories".into(),
        message: "the query is missing from queries/".into(),
    })?;
    let estimate_timer = crate::log::StageTimer::start("estimate");
    let estimates = crate::prevalence::estimate(histories)?;
    crate::log::info("estimate", format_args!("{} capture-recapture models fitted", estimates.len()));
    drop(estimate_timer);
    output::write_json(&private_dir.join("estimates.json"), &crate::prevalence::diagnostics(&estimates))?;

    let disclosure_timer = crate::log::StageTimer::start("disclosure");
    let protected = protected_release(config, &cells, &estimates, &population)?;
    crate::log::info(
        "disclosure",
        format_args!(
            "{} tables protected jointly; {} cells withheld; {} repair rounds",
            protected.tables.len(),
            protected.suppressed_cells(),
            protected.log.repair_rounds
        ),
    );
    drop(disclosure_timer);
    let render_timer = crate::log::StageTimer::start("render");

    let coverage = Coverage {
        area_code: config.area_code.clone(),
        area_name: config.area_name.clone(),
        from_year: config.period_from.year(),
        to_year: config.period_to.year(),
    };
    let data_dir = release_dir.join("data");
    let mut downloads = Vec::new();
    let mut audit_model = protected.audit_model().clone();
    for table in &protected.tables {
        let written = output::ees::write_table(table, &coverage, &data_dir)?;
        audit_model.tables.push(table_model(table, &written));
        downloads.push((table.title().to_string(), written.data, written.meta));
    }
    audit_model.write(staging)?;
    let child_population: u64 = population.iter().map(|p| p.population).sum();
    let community_pages = crate::report::render_communities(config, &coverage, &protected)?;
    for (slug, _, html) in &community_pages {
        output::write_file(&release_dir.join("communities").join(format!("{slug}.html")), html.as_bytes())?;
    }
    let listed: Vec<(String, String)> =
        community_pages.iter().map(|(slug, label, _)| (slug.clone(), label.clone())).collect();
    let page = crate::report::render_release(config, &coverage, &protected, &downloads, child_population, &listed)?;
    output::write_file(&release_dir.join("index.html"), page.as_bytes())?;
    let guidance = crate::report::render_guidance(config, &coverage, &protected)?;
    output::write_file(&release_dir.join("data-guidance.html"), guidance.as_bytes())?;
    output::write_json(&private_dir.join("disclosure-log.json"), &protected.log)?;
    let analyst = crate::report::render_analyst(config, &coverage, &protected, &estimates, &reports)?;
    output::write_file(&private_dir.join("analyst.html"), analyst.as_bytes())?;
    write_manifest(config, staging, &reports, &queries)?;
    drop(render_timer);
    // The same check as `safestat audit`, from the files about to be published.
    let audit_timer = crate::log::StageTimer::start("audit");
    let primaries = disclosure::certificate::audit_output(staging)?;
    crate::log::info("audit", format_args!("audit passed from the files to publish ({primaries} primary cells)"));
    drop(audit_timer);

    Ok(Summary { tables: protected.tables.len(), suppressed_cells: protected.suppressed_cells() })
}

/// Where the counts of a written table sit, for the audit model: the key is every column that is
/// not an indicator.
fn table_model(table: &disclosure::ProtectedTable, written: &output::ees::WrittenTable) -> TableModel {
    let indicators: Vec<&str> = table.indicators().iter().map(|i| i.col_name.as_str()).collect();
    let key: Vec<usize> =
        (0..written.header.len()).filter(|&i| !indicators.contains(&written.header[i].as_str())).collect();
    TableModel {
        file: format!("release/data/{}", written.data),
        key_columns: key.iter().map(|&i| written.header[i].clone()).collect(),
        rows: written
            .rows
            .iter()
            .enumerate()
            .map(|(r, row)| ModelRow {
                key: key.iter().map(|&i| row[i].clone()).collect(),
                counts: table
                    .count_cells()
                    .iter()
                    .filter(|(row, _, _)| *row == r)
                    .map(|&(_, i, cell)| (indicators[i].to_string(), cell))
                    .collect(),
            })
            .collect(),
    }
}

/// Ingest every source into `dir/dataset/records` and `dir/quarantine`, with the summary.
fn ingest_into(config: &Config, dir: &Path, today: Date) -> Result<Vec<SourceReport>> {
    let _timer = crate::log::StageTimer::start("ingest");
    // Sources are independent (each has its own Parquet and quarantine file), so they are
    // ingested in parallel, one per core; reports and errors keep the configuration's order.
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(config.sources.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let results: Vec<std::sync::Mutex<Option<Result<SourceReport>>>> =
        config.sources.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                use std::sync::atomic::Ordering;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= config.sources.len() || failed.load(Ordering::SeqCst) {
                        break;
                    }
                    let result = ingest::ingest_source(
                        &config.sources[i],
                        &ingest::dataset_dir(dir),
                        &dir.join("quarantine"),
                        today,
                    );
                    failed.fetch_or(result.is_err(), Ordering::SeqCst);
                    *results[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                }
            });
        }
    });
    let mut reports = Vec::new();
    for result in results {
        let Some(result) = result.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) else {
            continue; // not started because an earlier source failed
        };
        let report = result?;
        crate::log::debug(
            "ingest",
            format_args!(
                "{}: {} rows read, {} accepted, {} quarantined",
                report.file, report.rows_read, report.accepted, report.quarantined
            ),
        );
        if report.quarantined > 0 {
            crate::log::warn(
                "ingest",
                format_args!("{}: {} rows quarantined (see private/quarantine/)", report.file, report.quarantined),
            );
        }
        reports.push(report);
    }
    write_ingest_summary(dir, &reports)?;
    crate::log::info(
        "ingest",
        format_args!(
            "{} sources, {} rows read, {} accepted, {} quarantined",
            reports.len(),
            reports.iter().map(|r| r.rows_read).sum::<u64>(),
            reports.iter().map(|r| r.accepted).sum::<u64>(),
            reports.iter().map(|r| r.quarantined).sum::<u64>()
        ),
    );
    Ok(reports)
}

/// `safestat ingest`: validate and convert the sources only.
pub fn ingest_all(config: &Config, out: &Path) -> Result<Vec<SourceReport>> {
    ingest_into(config, out, Date::today())
}

fn write_ingest_summary(private_dir: &Path, reports: &[SourceReport]) -> Result<()> {
    let by_reason: BTreeMap<&str, u64> =
        reports.iter().flat_map(|r| r.quarantined_by_reason.iter()).fold(BTreeMap::new(), |mut acc, (reason, n)| {
            *acc.entry(*reason).or_insert(0) += n;
            acc
        });
    output::write_json(
        &private_dir.join("quarantine").join("summary.json"),
        &serde_json::json!({ "sources": reports, "quarantined_by_reason": by_reason }),
    )
}

fn write_manifest(
    config: &Config,
    staging: &Path,
    reports: &[SourceReport],
    queries: &[engine::queries::Query],
) -> Result<()> {
    let mut outputs = Vec::new();
    for folder in ["release", "private"] {
        for rel in output::list_files(&staging.join(folder))? {
            let path = staging.join(folder).join(&rel);
            outputs.push(HashedFile { file: format!("{folder}/{rel}"), sha256: output::sha256_file(&path)? });
        }
    }
    let manifest = Manifest {
        tool: "safestat",
        version: env!("CARGO_PKG_VERSION"),
        policy: config.policy.name(),
        area_code: &config.area_code,
        period: format!("{} to {}", config.period_from, config.period_to),
        config: HashedFile { file: file_name(&config.path), sha256: output::sha256_file(&config.path)? },
        inputs: reports.iter().collect(),
        population: HashedFile {
            file: file_name(&config.population),
            sha256: output::sha256_file(&config.population)?,
        },
        queries: queries
            .iter()
            .flat_map(|q| {
                [
                    HashedFile {
                        file: format!("queries/{}.sql", q.name),
                        sha256: output::sha256_bytes(q.sql.as_bytes()),
                    },
                    HashedFile {
                        file: format!("queries/{}.toml", q.name),
                        sha256: output::sha256_bytes(q.contract_text.as_bytes()),
                    },
                ]
            })
            .collect(),
        templates: engine::TEMPLATES
            .iter()
            .map(|(name, text)| HashedFile {
                file: format!("report-templates/{name}"),
                sha256: output::sha256_bytes(text.as_bytes()),
            })
            .collect(),
        outputs,
    };
    output::write_json(&staging.join("private").join("manifest.json"), &manifest)
}

/// The prevalence table request: the whole period, all children and each community.
pub fn prevalence_request(estimates: &[PrevalenceEstimate]) -> EstimateTableRequest {
    // All children: the stepwise model's profile-likelihood estimate. Communities: the
    // stratified model (all communities fitted together, agency dependence shared).
    let values = |e: &PrevalenceEstimate| match (&e.chao, &e.selected, e.stratified) {
        (Some(chao), _, Some([point, lower, upper])) if e.stratum != "all" => Some([chao[0], point, lower, upper]),
        (Some(chao), Ok(model), _) if e.stratum == "all" => {
            Some([chao[0], model.profile_point, model.profile[0], model.profile[1]])
        }
        _ => None,
    };
    let find = |stratum: &str| estimates.iter().find(|e| e.window == "whole_period" && e.stratum == stratum);
    let mut rows: Vec<EstimateRow> = HIGH_LEVEL_GROUPS
        .iter()
        .map(|(id, label)| EstimateRow {
            code: (*id).to_string(),
            label: (*label).to_string(),
            values: find(id).and_then(values),
        })
        .collect();
    rows.push(EstimateRow { code: "Total".into(), label: "All children".into(), values: find("all").and_then(values) });
    EstimateTableRequest {
        name: "prevalence".into(),
        title: "Children identified and estimated, including those no agency recorded".into(),
        filter: FilterColumn {
            col_name: "ethnic_group".into(),
            label: "Ethnic group".into(),
            hint: "ONS 2021 high-level ethnic group; 'All children' is the whole area".into(),
        },
        observed_table: "children_by_community".into(),
        rows,
    }
}

/// The community measures request: populations per high-level group and age band.
pub fn community_request(config: &Config, population: &[PopulationRow]) -> CommunityRatesRequest {
    let by_age = |keep: &dyn Fn(&PopulationRow) -> bool| -> Vec<f64> {
        AGE_BANDS
            .iter()
            .map(|(_, lo, hi)| {
                population.iter().filter(|p| (*lo..=*hi).contains(&p.age) && keep(p)).map(|p| p.population as f64).sum()
            })
            .collect()
    };
    let with_population = |v: Vec<f64>, known: bool| (known && v.iter().sum::<f64>() > 0.0).then_some(v);
    let high = HIGH_LEVEL_GROUPS.iter().map(|(id, label)| CommunityRow {
        code: (*id).to_string(),
        label: (*label).to_string(),
        count_table: None,
        population_by_age: with_population(
            by_age(&|p| crate::domain::ethnic_group(p.ethnic_group).is_some_and(|g| g.high_id == *id)),
            *id != "not_known",
        ),
    });
    // Detailed groups where numbers allow: the rules of the measures decide (x below 3 or 10).
    let detailed = crate::domain::ETHNIC_GROUPS.iter().filter(|g| g.id != "not_known").map(|g| CommunityRow {
        code: g.id.to_string(),
        label: g.label.to_string(),
        count_table: Some("children_by_detailed_group".into()),
        population_by_age: with_population(by_age(&|p| p.ethnic_group == g.id), true),
    });
    let rows = high.chain(detailed).collect();
    CommunityRatesRequest {
        name: "community_rates".into(),
        title: "Recorded rates, reporting ratios and the share of estimated victims identified, by ethnic group".into(),
        count_table: "children_by_community".into(),
        age_table: "children_by_age_band".into(),
        community_age_table: "children_by_community_and_age".into(),
        agency_table: "children_by_community_and_agency".into(),
        agencies: config.sources.iter().map(|s| (s.agency.code().to_string(), s.agency.label().to_string())).collect(),
        estimate_table: "prevalence".into(),
        reference: "white".into(),
        rows,
        multiplier: 10_000.0,
        level: 0.95,
    }
}

/// The protected release a configuration produces from its query results.
pub fn protected_release(
    config: &Config,
    cells: &[InnerCell],
    estimates: &[PrevalenceEstimate],
    population: &[PopulationRow],
) -> Result<ProtectedRelease> {
    let (counts, shares) = table_requests(config, cells);
    let inner: Vec<RawCount> = cells.iter().map(|c| c.children).collect();
    disclosure::protect(
        config.policy,
        &inner,
        &counts,
        &shares,
        &[prevalence_request(estimates)],
        &[community_request(config, population)],
    )
}
