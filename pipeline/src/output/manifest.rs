//! The private manifest (`private/manifest.json`): what went into a run (configuration,
//! inputs, population, queries, templates, each hashed) and the hash of every file it left, and
//! its verification (`safestat verify`).
//!
//! Owns: the manifest's format. May not touch: what the hashed files contain.

use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::engine::queries::Query;
use crate::error::{Error, Result};
use crate::files;
use crate::ingest::SourceReport;

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

/// Write the manifest of the output in `staging` (its `release/` and `private/` folders).
pub fn write(config: &Config, staging: &Path, reports: &[SourceReport], queries: &[Query]) -> Result<()> {
    let mut outputs = Vec::new();
    for folder in ["release", "private"] {
        for rel in files::list_files(&staging.join(folder))? {
            let path = staging.join(folder).join(&rel);
            outputs.push(HashedFile { file: format!("{folder}/{rel}"), sha256: files::sha256_file(&path)? });
        }
    }
    let manifest = Manifest {
        tool: "safestat",
        version: env!("CARGO_PKG_VERSION"),
        policy: config.policy.name(),
        area_code: &config.area_code,
        period: format!("{} to {}", config.period_from, config.period_to),
        config: HashedFile { file: file_name(&config.path), sha256: files::sha256_file(&config.path)? },
        inputs: reports.iter().collect(),
        population: HashedFile { file: file_name(&config.population), sha256: files::sha256_file(&config.population)? },
        queries: queries
            .iter()
            .flat_map(|q| {
                [
                    HashedFile {
                        file: format!("queries/{}.sql", q.name),
                        sha256: files::sha256_bytes(q.sql.as_bytes()),
                    },
                    HashedFile {
                        file: format!("queries/{}.toml", q.name),
                        sha256: files::sha256_bytes(q.contract_text.as_bytes()),
                    },
                ]
            })
            .collect(),
        templates: crate::report::templates::TEMPLATES
            .iter()
            .map(|(name, text)| HashedFile {
                file: format!("report-templates/{name}"),
                sha256: files::sha256_bytes(text.as_bytes()),
            })
            .collect(),
        outputs,
    };
    files::write_json(&staging.join("private").join("manifest.json"), &manifest)
}

/// Recompute every output hash of `out/private/manifest.json`. Fails naming the first file that
/// differs or is missing, or a file in `release/` that the manifest does not list.
pub fn verify(out: &Path) -> Result<usize> {
    let path = out.join("private").join("manifest.json");
    let fail = Error::Verification;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read the manifest", &path, e))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("the manifest is not valid JSON: {e}")))?;
    let outputs = manifest["outputs"].as_array().ok_or_else(|| fail("the manifest lists no outputs".into()))?;
    let mut listed = std::collections::HashSet::new();
    for entry in outputs {
        let (Some(file), Some(sha)) = (entry["file"].as_str(), entry["sha256"].as_str()) else {
            return Err(fail("a manifest entry has no file or hash".into()));
        };
        let target = out.join(file);
        if !target.exists() {
            return Err(fail(format!("{file} is listed in the manifest but missing")));
        }
        if files::sha256_file(&target)? != sha {
            return Err(fail(format!("{file} differs from the manifest")));
        }
        listed.insert(file.to_string());
    }
    for rel in files::list_files(&out.join("release"))? {
        if !listed.contains(&format!("release/{rel}")) {
            return Err(fail(format!("release/{rel} is not in the manifest")));
        }
    }
    Ok(listed.len())
}
