//! The release configuration: a TOML file read once and validated into a [`Config`].
//!
//! Unknown keys are errors that name the key; paths are relative to the configuration file.
//! Nothing after this module sees the raw TOML.
//!
//! Owns: the release configuration file and its validation. Rooms do not read it: the
//! orchestrator hands each stage the part it needs.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::disclosure::Policy;
use crate::domain::date::Date;
use crate::domain::{Agency, is_gss_code};
use crate::engine::EngineChoice;
use crate::error::{Error, Result};
pub use crate::ingest::Source;

/// A validated release configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The configuration file.
    pub path: PathBuf,
    /// Title of the release.
    pub title: String,
    /// ONS GSS code of the area.
    pub area_code: String,
    /// Name of the area.
    pub area_name: String,
    /// Who readers should contact about the release.
    pub contact: Option<String>,
    /// The local authority's DfE three-digit code (`release.old_la_code`), for the open data.
    pub old_la_code: Option<String>,
    /// The area's region, ONS code and name (`release.region_code`, `release.region_name`).
    pub region: Option<(String, String)>,
    /// Dates, status and people of the release page.
    pub publication: Publication,
    /// First day of the period covered.
    pub period_from: Date,
    /// Last day of the period covered.
    pub period_to: Date,
    /// The agency extracts, one per capture list, in list order.
    pub sources: Vec<Source>,
    /// The child population denominators.
    pub population: PathBuf,
    /// The disclosure-control policy.
    pub policy: Policy,
    /// Largest share of a source's rows that may be quarantined before the run stops.
    pub max_quarantine_share: f64,
    /// Where the queries run (`[engine]`; `run --engine` overrides it).
    pub engine: EngineChoice,
    /// Output folders of earlier releases of the series (`[[earlier]]`; `run --earlier` adds
    /// to them), protected jointly with this one.
    pub earlier: Vec<PathBuf>,
}

/// The statistics' status, as the Code of Practice for Statistics names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatisticsStatus {
    /// New or changing statistics, published to involve users (the default).
    #[default]
    InDevelopment,
    /// Official statistics.
    Official,
    /// Official statistics accredited by the Office for Statistics Regulation.
    Accredited,
}

impl StatisticsStatus {
    /// The configuration's words for each status.
    pub const NAMES: [&'static str; 3] =
        ["official statistics in development", "official statistics", "accredited official statistics"];

    /// The status as the release page says it.
    pub fn label(self) -> &'static str {
        match self {
            StatisticsStatus::InDevelopment => "Official statistics in development",
            StatisticsStatus::Official => "Official statistics",
            StatisticsStatus::Accredited => "Accredited official statistics",
        }
    }
}

/// What the release page says about the publication itself (`[release]` keys, all optional:
/// a page without a release date says it is not yet scheduled).
#[derive(Debug, Clone, Default)]
pub struct Publication {
    /// Day of publication (`release_date`).
    pub release_date: Option<Date>,
    /// When the next release is due (`next_release`): a day, or a month as `YYYY-MM`.
    pub next_release: Option<NextRelease>,
    /// The statistics' status (`status`).
    pub status: StatisticsStatus,
    /// Who had access before publication, and why (`pre_release_access`).
    pub pre_release_access: Vec<String>,
    /// The responsible statistician (`lead_statistician`).
    pub lead_statistician: Option<String>,
}

/// When the next release is due: a day when it is confirmed, a month when provisional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextRelease {
    /// A confirmed day.
    Day(Date),
    /// A provisional month: (year, month 1-12).
    Month(i32, u8),
}

impl NextRelease {
    fn parse(text: &str) -> Option<NextRelease> {
        if let Some(day) = Date::parse_iso(text) {
            return Some(NextRelease::Day(day));
        }
        // `YYYY-MM`: four digits, a hyphen, two digits.
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 || !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month): (i32, u8) = (year.parse().ok()?, month.parse().ok()?);
        (1..=12).contains(&month).then_some(NextRelease::Month(year, month))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    release: RawRelease,
    #[serde(default)]
    source: Vec<RawSource>,
    population: RawPath,
    policy: RawPolicy,
    #[serde(default)]
    ingest: RawIngest,
    #[serde(default)]
    engine: Option<RawEngine>,
    #[serde(default)]
    earlier: Vec<RawPath>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEngine {
    kind: String,
    #[serde(default)]
    scheduler: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    title: String,
    area_code: String,
    area_name: String,
    period: RawPeriod,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    old_la_code: Option<String>,
    #[serde(default)]
    region_code: Option<String>,
    #[serde(default)]
    region_name: Option<String>,
    #[serde(default)]
    release_date: Option<String>,
    #[serde(default)]
    next_release: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    pre_release_access: Vec<String>,
    #[serde(default)]
    lead_statistician: Option<String>,
    #[serde(default)]
    allow_outside_paths: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    from: String,
    to: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    agency: String,
    path: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    path: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIngest {
    #[serde(default = "default_max_quarantine_share")]
    max_quarantine_share: f64,
}

impl Default for RawIngest {
    fn default() -> Self {
        RawIngest { max_quarantine_share: default_max_quarantine_share() }
    }
}

fn default_max_quarantine_share() -> f64 {
    0.05
}

/// Longest period a release covers, in financial years.
pub const MAX_FINANCIAL_YEARS: i32 = 24;

impl Config {
    /// Read and validate a release configuration.
    pub fn load(path: &Path) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io("cannot read the release configuration", path, e))?;
        Config::parse(path, &text)
    }

    /// Validate the text of a release configuration that lives at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let fail = |message: String| Error::Config { path: path.to_path_buf(), message };
        let raw: RawConfig = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));

        let title = raw.release.title.trim().to_string();
        if title.is_empty() {
            return Err(fail("`release.title` is empty".into()));
        }
        if !is_gss_code(&raw.release.area_code) {
            return Err(fail("`release.area_code` is not an ONS GSS code (a letter E, W, S or N and 8 digits)".into()));
        }
        let date = |key: &str, value: &str| {
            Date::parse_iso(value).ok_or_else(|| fail(format!("`release.period.{key}` is not a date YYYY-MM-DD")))
        };
        let period_from = date("from", &raw.release.period.from)?;
        let period_to = date("to", &raw.release.period.to)?;
        let (old_la_code, region, publication) = geography_and_publication(&raw.release, &fail)?;
        if period_from > period_to {
            return Err(fail("`release.period.from` is after `release.period.to`".into()));
        }
        // The per-child table packs each financial year's agencies into 5 bits of two 64-bit
        // columns (queries/child_histories.sql).
        let financial_years = period_to.financial_year_start() - period_from.financial_year_start() + 1;
        if financial_years > MAX_FINANCIAL_YEARS {
            return Err(fail(format!(
                "the period spans {financial_years} financial years; a release covers at most {MAX_FINANCIAL_YEARS}"
            )));
        }
        // Paths must stay inside the configuration's folder unless explicitly allowed, so a
        // configuration cannot make safestat read files it was not meant to.
        let inside = |key: &str, p: &Path| -> Result<()> {
            let leaves = p.is_absolute() || p.components().any(|c| matches!(c, std::path::Component::ParentDir));
            if leaves && !raw.release.allow_outside_paths {
                return Err(fail(format!(
                    "`{key}` points outside the configuration's folder; set `release.allow_outside_paths = true` to allow it"
                )));
            }
            Ok(())
        };
        for (i, s) in raw.source.iter().enumerate() {
            inside(&format!("source[{i}].path"), &s.path)?;
        }
        inside("population.path", &raw.population.path)?;
        if raw.source.is_empty() {
            return Err(fail("no `[[source]]` block: a release needs at least one agency extract".into()));
        }
        let mut sources: Vec<Source> = Vec::with_capacity(raw.source.len());
        for (i, s) in raw.source.iter().enumerate() {
            let agency = Agency::from_code(&s.agency).ok_or_else(|| {
                fail(format!("`source[{i}].agency` is not one of: {}", Agency::ALL.map(Agency::code).join(", ")))
            })?;
            if sources.iter().any(|x| x.agency == agency) {
                return Err(fail(format!("agency `{agency}` has more than one `[[source]]` block")));
            }
            sources.push(Source { agency, path: dir.join(&s.path) });
        }
        sources.sort_by_key(|s| s.agency);
        let policy = Policy::from_name(&raw.policy.name).ok_or_else(|| {
            fail(format!(
                "`policy.name` must be one of: {} (disclosure control cannot be turned off)",
                Policy::NAMES.join(", ")
            ))
        })?;
        let share = raw.ingest.max_quarantine_share;
        if !(0.0..=1.0).contains(&share) {
            return Err(fail("`ingest.max_quarantine_share` must be between 0 and 1".into()));
        }
        let engine = match &raw.engine {
            None => EngineChoice::Local,
            Some(RawEngine { kind, scheduler }) => match (kind.as_str(), scheduler) {
                ("ballista", Some(address)) => {
                    EngineChoice::parse_scheduler(address).map_err(|e| fail(format!("`engine.scheduler` {e}")))?
                }
                ("ballista", None) => {
                    return Err(fail(
                        "`engine.kind = \"ballista\"` needs `engine.scheduler = \"df://HOST:PORT\"`".into(),
                    ));
                }
                ("local" | "ballista-standalone", Some(_)) => {
                    return Err(fail("`engine.scheduler` is only for `engine.kind = \"ballista\"`".into()));
                }
                ("local", None) => EngineChoice::Local,
                ("ballista-standalone", None) => EngineChoice::BallistaStandalone,
                (other, _) => {
                    return Err(fail(format!(
                        "`engine.kind` is `{other}`; it must be one of: local, ballista, ballista-standalone"
                    )));
                }
            },
        };
        Ok(Config {
            path: path.to_path_buf(),
            title,
            area_code: raw.release.area_code,
            area_name: raw.release.area_name.trim().to_string(),
            contact: raw.release.contact.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
            old_la_code,
            region,
            publication,
            period_from,
            period_to,
            sources,
            population: dir.join(&raw.population.path),
            // Earlier outputs usually sit beside this release's folder: they are safestat's own
            // outputs, checked against their manifests, so they may be outside it.
            earlier: raw.earlier.iter().map(|e| dir.join(&e.path)).collect(),
            policy,
            max_quarantine_share: share,
            engine,
        })
    }

    /// The calendar years of the period, in order.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.period_from.year()..=self.period_to.year()
    }
}

/// The optional `[release]` keys of the open data's geography and of the release page.
type Extras = (Option<String>, Option<(String, String)>, Publication);

fn geography_and_publication(raw: &RawRelease, fail: &dyn Fn(String) -> Error) -> Result<Extras> {
    let text = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let old_la_code = text(&raw.old_la_code);
    if let Some(code) = &old_la_code
        && !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(fail("`release.old_la_code` is not a three-digit DfE local authority code".into()));
    }
    let region = match (text(&raw.region_code), text(&raw.region_name)) {
        (Some(code), Some(name)) if is_gss_code(&code) => Some((code, name)),
        (Some(_), Some(_)) => return Err(fail("`release.region_code` is not an ONS GSS code".into())),
        (None, None) => None,
        _ => return Err(fail("`release.region_code` and `release.region_name` go together".into())),
    };
    let release_date = match text(&raw.release_date) {
        Some(d) => {
            Some(Date::parse_iso(&d).ok_or_else(|| fail("`release.release_date` is not a date YYYY-MM-DD".into()))?)
        }
        None => None,
    };
    let next_release = match text(&raw.next_release) {
        Some(d) => Some(
            NextRelease::parse(&d)
                .ok_or_else(|| fail("`release.next_release` is not a date YYYY-MM-DD or a month YYYY-MM".into()))?,
        ),
        None => None,
    };
    if let (Some(NextRelease::Day(next)), Some(day)) = (next_release, release_date)
        && next <= day
    {
        return Err(fail("`release.next_release` is not after `release.release_date`".into()));
    }
    let status = match text(&raw.status).map(|s| s.to_lowercase()) {
        None => StatisticsStatus::default(),
        Some(s) => match StatisticsStatus::NAMES.iter().position(|n| *n == s) {
            Some(0) => StatisticsStatus::InDevelopment,
            Some(1) => StatisticsStatus::Official,
            Some(_) => StatisticsStatus::Accredited,
            None => {
                return Err(fail(format!("`release.status` must be one of: {}", StatisticsStatus::NAMES.join(", "))));
            }
        },
    };
    let pre_release_access: Vec<String> =
        raw.pre_release_access.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    let publication = Publication {
        release_date,
        next_release,
        status,
        pre_release_access,
        lead_statistician: text(&raw.lead_statistician),
    };
    Ok((old_la_code, region, publication))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[release]
title = "T"
area_code = "E08000018"
area_name = "Example"
period = { from = "1997-01-01", to = "2013-12-31" }

[[source]]
agency = "police"
path = "police.csv"

[population]
path = "population.csv"

[policy]
name = "uk-children"
"#;

    #[test]
    fn good_config_resolves_paths() {
        let c = Config::parse(Path::new("/data/release.toml"), GOOD).unwrap();
        assert_eq!(c.sources[0].path, Path::new("/data/police.csv"));
        assert_eq!(c.population, Path::new("/data/population.csv"));
        assert_eq!(c.years(), 1997..=2013);
        assert!((c.max_quarantine_share - 0.05).abs() < f64::EPSILON);
    }

    #[test]
    fn unknown_key_is_named() {
        let text = GOOD.replace("area_name = \"Example\"", "area_name = \"Example\"\ncolour = 1");
        let err = Config::parse(Path::new("r.toml"), &text).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn paths_outside_the_folder_need_permission() {
        let text = GOOD.replace("path = \"police.csv\"", "path = \"../elsewhere/police.csv\"");
        let err = Config::parse(Path::new("/data/r.toml"), &text).unwrap_err().to_string();
        assert!(err.contains("source[0].path") && err.contains("allow_outside_paths"), "{err}");
        let allowed = text.replace("area_name = \"Example\"", "area_name = \"Example\"\nallow_outside_paths = true");
        assert!(Config::parse(Path::new("/data/r.toml"), &allowed).is_ok());
        let absolute = GOOD.replace("path = \"population.csv\"", "path = \"/etc/passwd\"");
        assert!(Config::parse(Path::new("/data/r.toml"), &absolute).is_err());
    }

    #[test]
    fn publication_and_geography_keys_are_validated() {
        let plain = Config::parse(Path::new("r.toml"), GOOD).unwrap();
        assert_eq!(plain.publication.status, StatisticsStatus::InDevelopment);
        assert!(plain.publication.release_date.is_none() && plain.old_la_code.is_none() && plain.region.is_none());
        let with = |keys: &str| {
            Config::parse(
                Path::new("r.toml"),
                &GOOD.replace("area_name = \"Example\"", &format!("area_name = \"Example\"\n{keys}")),
            )
        };
        let full = with(
            "old_la_code = \"372\"\nregion_code = \"E12000003\"\nregion_name = \"Yorkshire and The Humber\"\n\
             release_date = \"2014-08-26\"\nnext_release = \"2015-08\"\nstatus = \"Official statistics\"\n\
             pre_release_access = [\"Director of Children's Services\", \" \"]\nlead_statistician = \"A. Analyst\"",
        )
        .unwrap();
        assert_eq!(full.old_la_code.as_deref(), Some("372"));
        assert_eq!(full.region, Some(("E12000003".into(), "Yorkshire and The Humber".into())));
        assert_eq!(full.publication.release_date, Date::parse_iso("2014-08-26"));
        assert_eq!(full.publication.next_release, Some(NextRelease::Month(2015, 8)));
        assert_eq!(full.publication.status, StatisticsStatus::Official);
        assert_eq!(full.publication.pre_release_access, vec!["Director of Children's Services".to_string()]);
        for (keys, expected) in [
            ("old_la_code = \"37\"", "old_la_code"),
            ("region_code = \"E12000003\"", "go together"),
            ("region_code = \"Yorkshire\"\nregion_name = \"Y\"", "region_code` is not"),
            ("release_date = \"26/08/2014\"", "release_date"),
            ("next_release = \"2015-13\"", "next_release"),
            ("release_date = \"2014-08-26\"\nnext_release = \"2014-08-01\"", "not after"),
            ("status = \"national statistics\"", "official statistics in development"),
        ] {
            let err = with(keys).unwrap_err().to_string();
            assert!(err.contains(expected), "{keys}: {err}");
        }
    }

    #[test]
    fn engine_table_is_validated() {
        assert_eq!(Config::parse(Path::new("r.toml"), GOOD).unwrap().engine, EngineChoice::Local);
        let with = |table: &str| Config::parse(Path::new("r.toml"), &format!("{GOOD}\n[engine]\n{table}\n"));
        assert_eq!(
            with("kind = \"ballista\"\nscheduler = \"df://10.1.2.3:50050\"").unwrap().engine,
            EngineChoice::Ballista { host: "10.1.2.3".into(), port: 50050 }
        );
        assert_eq!(with("kind = \"ballista-standalone\"").unwrap().engine, EngineChoice::BallistaStandalone);
        assert_eq!(with("kind = \"local\"").unwrap().engine, EngineChoice::Local);
        for (table, expected) in [
            ("kind = \"ballista\"", "needs `engine.scheduler"),
            ("kind = \"local\"\nscheduler = \"df://h:1\"", "only for `engine.kind = \"ballista\"`"),
            ("kind = \"spark\"", "must be one of: local, ballista"),
            ("kind = \"ballista\"\nscheduler = \"h:1\"", "`engine.scheduler`"),
            ("kind = \"local\"\nthreads = 4", "threads"),
        ] {
            let err = with(table).unwrap_err().to_string();
            assert!(err.contains(expected), "{table}: {err}");
        }
    }

    #[test]
    fn policy_off_is_refused() {
        let text = GOOD.replace("uk-children", "off");
        let err = Config::parse(Path::new("r.toml"), &text).unwrap_err().to_string();
        assert!(err.contains("cannot be turned off"), "{err}");
    }

    #[test]
    fn periods_longer_than_the_per_child_masks_are_refused() {
        // 1997-01-01 is in financial year 1996/97, so 2020-03-31 (in 2019/20) makes 24.
        let long = GOOD.replace("to = \"2013-12-31\"", "to = \"2020-03-31\"");
        assert!(Config::parse(Path::new("r.toml"), &long).is_ok(), "24 financial years are allowed");
        let longer = GOOD.replace("to = \"2013-12-31\"", "to = \"2020-04-01\"");
        let err = Config::parse(Path::new("r.toml"), &longer).unwrap_err().to_string();
        assert!(err.contains("25 financial years") && err.contains("at most 24"), "{err}");
    }
}
