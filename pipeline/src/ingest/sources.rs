//! Every source of a release ingested in parallel, one per core, with the reconciled summary
//! (`quarantine/summary.json`) and the quarantine limit of the configuration.
//!
//! Owns: running ingest over a release's sources. May not touch: validation of a row.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Source, SourceReport};
use crate::domain::date::Date;
use crate::error::{Error, Result};

/// Ingest every source into `dir/dataset/records` and `dir/quarantine`, with the summary.
pub fn ingest_all(sources: &[Source], dir: &Path, today: Date) -> Result<Vec<SourceReport>> {
    let _timer = crate::log::StageTimer::start("ingest");
    // Sources are independent (each has its own Parquet and quarantine file), so they are
    // ingested in parallel, one per core; reports and errors keep the configuration's order.
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(sources.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let results: Vec<std::sync::Mutex<Option<Result<SourceReport>>>> =
        sources.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                use std::sync::atomic::Ordering;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= sources.len() || failed.load(Ordering::SeqCst) {
                        break;
                    }
                    let result =
                        super::ingest_source(&sources[i], &super::dataset_dir(dir), &dir.join("quarantine"), today);
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

fn write_ingest_summary(private_dir: &Path, reports: &[SourceReport]) -> Result<()> {
    let by_reason: BTreeMap<&str, u64> =
        reports.iter().flat_map(|r| r.quarantined_by_reason.iter()).fold(BTreeMap::new(), |mut acc, (reason, n)| {
            *acc.entry(*reason).or_insert(0) += n;
            acc
        });
    crate::files::write_json(
        &private_dir.join("quarantine").join("summary.json"),
        &serde_json::json!({ "sources": reports, "quarantined_by_reason": by_reason }),
    )
}

/// Refuse a release where a source's quarantined share is above `max_share`.
pub fn check_quarantine(sources: &[Source], reports: &[SourceReport], max_share: f64) -> Result<()> {
    for (source, report) in sources.iter().zip(reports) {
        if report.quarantined_share() > max_share {
            return Err(Error::QuarantineTooLarge {
                path: source.path.clone(),
                source_name: source.agency.code().to_string(),
                read: report.rows_read,
                quarantined: report.quarantined,
                share: 100.0 * report.quarantined_share(),
                allowed: 100.0 * max_share,
            });
        }
    }
    Ok(())
}
