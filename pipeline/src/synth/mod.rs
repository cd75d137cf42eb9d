//! `safestat generate`: a synthetic sample with a known truth (../shared/docs/DATA.md).
//!
//! 1. Draw the true victim population (community x sex x age band, start year).
//! 2. Give each agency a capture probability per child: a base rate, lower police and social-care
//!    capture for the Pakistani-heritage and Roma communities (the under-reporting the inquiry
//!    describes), positive police -> social-care dependence, and per-child "visibility".
//! 3. Emit each capturing agency's records in its own ethnicity code set.
//!
//! Children are generated one at a time and written straight to the agency files, so memory
//! does not grow with `--children`. Everything written is synthetic.
//!
//! Owns: synthetic data. May not touch: releases (it never reads a real extract).

// The generator draws counts and days from floats on purpose.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::domain::date::Date;
use crate::domain::{Agency, age_band};
use crate::error::{Error, Result};
pub use crate::stats::rng::Rng;

/// Area code written into the sample (the borough of the 2014 inquiry's size class).
pub const SAMPLE_AREA_CODE: &str = "E08000018";
/// Area name written into the sample: the authority's official name, with its DfE code and
/// region, so the open data passes DfE's screener; every figure is synthetic.
pub const SAMPLE_AREA_NAME: &str = "Rotherham";
/// The area's DfE three-digit code and its region (ONS code, name).
const SAMPLE_AREA_OLD_CODE: &str = "372";
const SAMPLE_REGION: (&str, &str) = ("E12000003", "Yorkshire and The Humber");
/// Child population 0-17 for the default sample size.
const BASE_CHILD_POPULATION: f64 = 57_000.0;
/// Default number of true victims, for scaling the population.
const BASE_CHILDREN: f64 = 1_700.0;
/// The synthetic pseudonymisation key. Not a secret: it only makes sample pids look real.
/// Days over which a victim's records fall, from the start of their exploitation.
const EXPLOITATION_DAYS: i32 = 730;
const SAMPLE_KEY: &[u8] = b"safestat synthetic sample key - not a secret";

/// Validated options of `safestat generate`.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Random seed.
    pub seed: u64,
    /// True victims to draw.
    pub children: u64,
    /// First calendar year.
    pub from: i32,
    /// Last calendar year.
    pub to: i32,
    /// Write the extract as an agency would have given it on this day: only records entered by
    /// then (each record is entered some days, months or years after its referral), with a
    /// `recorded_date` column. `None`: every record, and no such column.
    pub as_of: Option<Date>,
}

impl GenerateOptions {
    /// Check the options.
    pub fn new(seed: u64, children: u64, from: i32, to: i32, as_of: Option<Date>) -> Result<GenerateOptions> {
        let usage = |message: &str| Error::usage(message);
        if children == 0 {
            return Err(usage("--children must be at least 1"));
        }
        if from < 1900 || from > to {
            return Err(usage("--from must be a year from 1900 and not after --to"));
        }
        if to >= Date::today().year() {
            return Err(usage("--to must be a past year (referral dates may not be in the future)"));
        }
        if as_of.is_some_and(|d| d > Date::today() || d.year() <= from) {
            return Err(usage("--as-of must be a past date after the first year of the period"));
        }
        Ok(GenerateOptions { seed, children, from, to, as_of })
    }
}

/// Community parameters: (ethnic group id, share of the child population, police and
/// social-care capture multiplier).
const COMMUNITIES: [(&str, f64, f64); 19] = [
    ("white_british", 0.835, 1.0),
    ("white_irish", 0.003, 1.0),
    ("white_gypsy_irish_traveller", 0.002, 1.0),
    ("white_roma", 0.012, 0.4),
    ("white_other", 0.020, 1.0),
    ("mixed_white_black_caribbean", 0.008, 1.0),
    ("mixed_white_black_african", 0.004, 1.0),
    ("mixed_white_asian", 0.008, 1.0),
    ("mixed_other", 0.007, 1.0),
    ("asian_indian", 0.005, 1.0),
    ("asian_pakistani", 0.060, 0.5),
    ("asian_bangladeshi", 0.002, 1.0),
    ("asian_chinese", 0.002, 1.0),
    ("asian_other", 0.004, 1.0),
    ("black_african", 0.009, 1.0),
    ("black_caribbean", 0.003, 1.0),
    ("black_other", 0.002, 1.0),
    ("other_arab", 0.003, 1.0),
    ("other_any", 0.011, 1.0),
];

/// Base capture probability per agency, in `Agency::ALL` order.
const BASE_CAPTURE: [f64; 5] = [0.31, 0.35, 0.15, 0.20, 0.12];
/// Multiplier on social-care capture for children the police recorded.
const POLICE_TO_SOCIAL_CARE: f64 = 1.8;
/// Standard deviation of log visibility.
const VISIBILITY_SIGMA: f64 = 0.5;
/// Share of victims known to services before their first referral.
const KNOWN_SHARE: f64 = 0.36;
/// Share of girls.
const GIRLS: f64 = 0.67;
/// Share of records with ethnicity not recorded.
const ETHNICITY_NOT_RECORDED: f64 = 0.04;

/// Recording lag: the share of records entered within a month, within a year, and within three
/// years of the referral (the rest), as (share, longest lag in days).
const RECORDING_LAG: [(f64, u64); 3] = [(0.75, 30), (0.20, 365), (0.05, 1_095)];

/// Days from referral to entry of record `seq` of list `agency`: drawn from its own stream, so
/// the extracts of one seed at different dates hold the same records with the same dates, and
/// the sample without `--as-of` is unchanged.
fn recording_lag(seed: u64, agency: usize, seq: u64) -> i32 {
    let mut rng = Rng::new(seed ^ 0x7265_636f_7264_6564 ^ ((agency as u64) << 56) ^ seq.wrapping_mul(0x9E37_79B9));
    let band = rng.weighted(&RECORDING_LAG.map(|(share, _)| share));
    let floor = if band == 0 { 0 } else { RECORDING_LAG[band - 1].1 };
    (floor + rng.below(RECORDING_LAG[band].1 - floor + 1)) as i32
}

/// Which code set each agency uses.
fn code_set(agency: Agency) -> &'static str {
    match agency {
        Agency::Police => "police",
        Agency::Health => "nhs",
        _ => "dfe",
    }
}

/// The code an agency writes for a child of a given group (its own code set).
fn ethnicity_code(agency: Agency, group: &str, recorded: bool) -> &'static str {
    let set = code_set(agency);
    if !recorded {
        return match set {
            "police" => "NS",
            "nhs" => "Z",
            _ => "NOBT",
        };
    }
    let preferred = match (set, group) {
        ("dfe", "white_roma") => Some("WROR"),
        ("dfe", "white_gypsy_irish_traveller") => Some("WROG"),
        ("police", "white_roma" | "white_gypsy_irish_traveller") => Some("W9"),
        ("nhs", "white_roma" | "white_gypsy_irish_traveller") => Some("C"),
        ("dfe", "other_arab") => Some("OOTH"),
        ("police", "other_arab") => Some("O9"),
        ("nhs", "other_arab") => Some("S"),
        _ => None,
    };
    preferred.unwrap_or_else(|| {
        crate::ingest::contract::ethnicity_codes()
            .values()
            .filter(|c| c.code_set == set && c.group.id == group)
            .map(|c| c.code.as_str())
            .min()
            .unwrap_or("NOBT")
    })
}

/// The capture design, written to truth.json.
#[derive(Debug, Serialize)]
struct CaptureDesign {
    base: BTreeMap<&'static str, f64>,
    police_and_social_care_multiplier_by_group: BTreeMap<&'static str, f64>,
    police_to_social_care_dependence: f64,
    visibility_log_sd: f64,
}

#[derive(Debug, Serialize)]
struct Stratum {
    ethnic_group: &'static str,
    sex: &'static str,
    age_band: &'static str,
    true_children: u64,
    observed_children: u64,
}

#[derive(Debug, Serialize)]
struct Truth {
    about: &'static str,
    seed: u64,
    children: u64,
    from: i32,
    to: i32,
    /// The extract's date (`--as-of`); the truth is the whole population either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    area_code: &'static str,
    known_to_services_share: f64,
    capture: CaptureDesign,
    observed_children: u64,
    records: BTreeMap<&'static str, u64>,
    capture_histories: BTreeMap<u32, u64>,
    /// Per financial year (by the year it starts in): the victims whose exploitation (the two
    /// years from its start over which their records fall, cut at the period's end) overlaps it,
    /// recorded or not.
    children_by_financial_year: BTreeMap<i32, u64>,
    strata: Vec<Stratum>,
}

impl Truth {
    /// The design of a sample, before any victim is drawn.
    fn design(options: &GenerateOptions) -> Truth {
        Truth {
            about: "Synthetic truth for tests and method checks only; never read by `safestat run`.",
            seed: options.seed,
            children: options.children,
            from: options.from,
            to: options.to,
            as_of: options.as_of.map(|d| d.to_string()),
            area_code: SAMPLE_AREA_CODE,
            known_to_services_share: KNOWN_SHARE,
            capture: CaptureDesign {
                base: Agency::ALL.iter().map(|a| a.code()).zip(BASE_CAPTURE).collect(),
                police_and_social_care_multiplier_by_group: COMMUNITIES.iter().map(|c| (c.0, c.2)).collect(),
                police_to_social_care_dependence: POLICE_TO_SOCIAL_CARE,
                visibility_log_sd: VISIBILITY_SIGMA,
            },
            observed_children: 0,
            records: BTreeMap::new(),
            capture_histories: BTreeMap::new(),
            children_by_financial_year: BTreeMap::new(),
            strata: Vec::new(),
        }
    }
}

/// What `generate` wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    /// True victims drawn.
    pub true_children: u64,
    /// Agency records written.
    pub records: u64,
}

const HEADER: [&str; 15] = [
    "record_id",
    "child_pid",
    "link_quality",
    "source_agency",
    "referral_date",
    "age_at_referral",
    "sex",
    "ethnicity_code",
    "la_code",
    "cse_status",
    "known_to_services",
    "first_service_contact_date",
    "missing_episodes",
    "looked_after",
    "outcome",
];

fn record_prefix(agency: Agency) -> &'static str {
    match agency {
        Agency::Police => "POL",
        Agency::ChildrensSocialCare => "CSC",
        Agency::Health => "HLT",
        Agency::VoluntarySector => "VOL",
        Agency::Education => "EDU",
    }
}

fn outcome(agency: Agency, rng: &mut Rng) -> &'static str {
    match agency {
        Agency::Police => ["charge", "caution", "no_further_action", "ongoing"][rng.weighted(&[0.1, 0.05, 0.5, 0.35])],
        Agency::ChildrensSocialCare => ["referred", "closed", "ongoing"][rng.weighted(&[0.3, 0.4, 0.3])],
        _ => "",
    }
}

fn pseudonym(seed: u64, index: u64) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SAMPLE_KEY).expect("HMAC takes keys of any length");
    mac.update(format!("synthetic-child:{seed}:{index}").as_bytes());
    crate::files::hex(&mac.finalize().into_bytes())
}

/// The financial years a victim's exploitation from `start` (days since the epoch) overlaps,
/// within the period.
fn exploitation_years(start: i32, period_end: Date) -> std::ops::RangeInclusive<i32> {
    let last = (start + EXPLOITATION_DAYS - 1).min(period_end.days_since_epoch());
    Date::from_days_since_epoch(start).financial_year_start()..=Date::from_days_since_epoch(last).financial_year_start()
}

/// Write a synthetic sample into `out`.
pub fn generate(options: &GenerateOptions, out: &Path) -> Result<Summary> {
    std::fs::create_dir_all(out).map_err(|e| Error::io("cannot create", out, e))?;
    let mut rng = Rng::new(options.seed);
    let mut writers = Vec::new();
    for agency in Agency::ALL {
        let path = out.join(format!("{}.csv", agency.code()));
        let file = File::create(&path).map_err(|e| Error::io("cannot write", &path, e))?;
        let mut w = crate::files::csv_writer(BufWriter::with_capacity(1 << 20, file));
        let header = HEADER.iter().copied().chain(options.as_of.map(|_| "recorded_date"));
        w.write_record(header).map_err(|e| Error::io("cannot write", &path, e.into()))?;
        writers.push((path, w, 0u64));
    }

    let years: Vec<i32> = (options.from..=options.to).collect();
    let year_weights: Vec<f64> = years.iter().map(|y| 1.0 + 0.1 * f64::from(y - options.from)).collect();
    let community_weights: Vec<f64> = COMMUNITIES.iter().map(|c| c.1).collect();
    let age_weights = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 4.0, 6.0, 8.0, 8.0, 6.0, 4.0, 2.0];
    let period_end = Date::new(options.to, 12, 31).expect("31 December exists");
    let mut strata: BTreeMap<(usize, &'static str, &'static str), (u64, u64)> = BTreeMap::new();
    let mut histories: BTreeMap<u32, u64> = BTreeMap::new();
    let mut by_financial_year: BTreeMap<i32, u64> = BTreeMap::new();
    let mut observed = 0u64;

    for index in 0..options.children {
        let community = rng.weighted(&community_weights);
        let (group, _, multiplier) = COMMUNITIES[community];
        let sex = if rng.bernoulli(GIRLS) { "F" } else { "M" };
        // Ages 5-17 at the start of exploitation; about 80% aged 10 or over.
        let start_age = 5 + rng.weighted(&age_weights) as u8;
        let start_year = years[rng.weighted(&year_weights)];
        let start = Date::new(start_year, 1, 1).expect("1 January exists").days_since_epoch() + rng.below(365) as i32;
        let visibility = (VISIBILITY_SIGMA * rng.normal() - VISIBILITY_SIGMA * VISIBILITY_SIGMA / 2.0).exp();
        let known = rng.bernoulli(KNOWN_SHARE);
        let pid = pseudonym(options.seed, index);
        for year in exploitation_years(start, period_end) {
            *by_financial_year.entry(year).or_insert(0) += 1;
        }

        let mut mask = 0u32;
        for (a, agency) in Agency::ALL.into_iter().enumerate() {
            let mut p = BASE_CAPTURE[a] * visibility;
            if matches!(agency, Agency::Police | Agency::ChildrensSocialCare) {
                p *= multiplier;
            }
            if agency == Agency::ChildrensSocialCare && mask & 1 == 1 {
                p *= POLICE_TO_SOCIAL_CARE;
            }
            if !rng.bernoulli(p.min(0.95)) {
                continue;
            }
            mask |= 1 << a;
            let extra_mean = if agency == Agency::Police { 0.8 } else { 0.6 };
            let n_records = 1 + rng.poisson(extra_mean);
            let (path, writer, seq) = &mut writers[a];
            for _ in 0..n_records {
                let days = start + rng.below(EXPLOITATION_DAYS as u64) as i32;
                let date = Date::from_days_since_epoch(days.min(period_end.days_since_epoch()));
                let age = (u32::from(start_age) + ((days - start) as u32) / 365).min(17) as u8;
                let says_known = known && rng.bernoulli(0.85);
                let contact = if says_known {
                    Date::from_days_since_epoch(date.days_since_epoch() - 30 - rng.below(670) as i32).to_string()
                } else {
                    String::new()
                };
                let looked_after = match agency {
                    Agency::ChildrensSocialCare => (if rng.bernoulli(0.2) { "true" } else { "false" }).to_string(),
                    _ => String::new(),
                };
                let missing = match agency {
                    Agency::Police | Agency::ChildrensSocialCare => rng.poisson(1.0).to_string(),
                    _ => String::new(),
                };
                *seq += 1;
                let recorded =
                    Date::from_days_since_epoch(date.days_since_epoch() + recording_lag(options.seed, a, *seq));
                let mut record = vec![
                    format!("{}-{:08}", record_prefix(agency), seq),
                    pid.clone(),
                    (if rng.bernoulli(0.9) { "exact" } else { "probabilistic" }).to_string(),
                    agency.code().to_string(),
                    date.to_string(),
                    age.to_string(),
                    (if rng.bernoulli(0.02) { "U" } else { sex }).to_string(),
                    ethnicity_code(agency, group, !rng.bernoulli(ETHNICITY_NOT_RECORDED)).to_string(),
                    SAMPLE_AREA_CODE.to_string(),
                    (if rng.bernoulli(0.6) { "confirmed" } else { "at_risk" }).to_string(),
                    says_known.to_string(),
                    contact,
                    missing,
                    looked_after,
                    outcome(agency, &mut rng).to_string(),
                ];
                match options.as_of {
                    Some(as_of) if recorded > as_of => continue,
                    Some(_) => record.push(recorded.to_string()),
                    None => {}
                }
                writer.write_record(&record).map_err(|e| Error::io("cannot write", path.as_path(), e.into()))?;
            }
        }
        let entry = strata.entry((community, sex, age_band(start_age))).or_insert((0, 0));
        entry.0 += 1;
        if mask != 0 {
            entry.1 += 1;
            observed += 1;
            *histories.entry(mask).or_insert(0) += 1;
        }
    }

    let mut records = BTreeMap::new();
    let mut total_records = 0;
    for (agency, (path, writer, seq)) in Agency::ALL.into_iter().zip(writers) {
        let mut inner = writer.into_inner().map_err(|e| Error::io("cannot write", &path, e.into_error()))?;
        inner.flush().map_err(|e| Error::io("cannot write", &path, e))?;
        records.insert(agency.code(), seq);
        total_records += seq;
    }

    write_population(options, out)?;
    write_release_toml(options, out)?;
    let truth = Truth {
        observed_children: observed,
        records,
        capture_histories: histories,
        children_by_financial_year: by_financial_year,
        strata: strata
            .into_iter()
            .map(|((c, sex, band), (true_children, observed_children))| Stratum {
                ethnic_group: COMMUNITIES[c].0,
                sex,
                age_band: band,
                true_children,
                observed_children,
            })
            .collect(),
        ..Truth::design(options)
    };
    crate::files::write_json(&out.join("truth.json"), &truth)?;
    Ok(Summary { true_children: options.children, records: total_records })
}

fn write_population(options: &GenerateOptions, out: &Path) -> Result<()> {
    let path = out.join("population.csv");
    let scale = BASE_CHILD_POPULATION * (options.children as f64 / BASE_CHILDREN).max(1.0);
    let mut file = crate::files::CsvFile::new(&path);
    file.row(["la_code", "ethnicity", "age", "sex", "population"])?;
    for (group, share, _) in COMMUNITIES {
        for age in 0..=17u8 {
            for sex in ["F", "M"] {
                let population = (scale * share / 36.0).round() as u64;
                file.row([SAMPLE_AREA_CODE, group, &age.to_string(), sex, &population.to_string()])?;
            }
        }
    }
    file.write()
}

fn write_release_toml(options: &GenerateOptions, out: &Path) -> Result<()> {
    let to = options.as_of.map_or(options.to, |d| options.to.min(d.year() - 1));
    let mut text = format!(
        "# Synthetic sample release made by `safestat generate --seed {seed} --children {children} --from {from} --to {last}{as_of}`.\n\
         # Every record is synthetic.\n\n\
         [release]\n\
         title = \"Child sexual exploitation: annual estimates (synthetic sample)\"\n\
         area_code = \"{SAMPLE_AREA_CODE}\"\n\
         area_name = \"{SAMPLE_AREA_NAME}\"\n\
         old_la_code = \"{SAMPLE_AREA_OLD_CODE}\"\n\
         region_code = \"{region_code}\"\n\
         region_name = \"{region_name}\"\n\
         contact = \"The statistics team, statistics@example.org (synthetic sample)\"\n\
         period = {{ from = \"{from}-01-01\", to = \"{to}-12-31\" }}\n\
         release_date = \"{release_year}-08-26\"\n\
         next_release = \"{next_year}-08\"\n\
         status = \"official statistics in development\"\n\
         lead_statistician = \"A. Statistician, statistics@example.org (synthetic sample)\"\n\
         pre_release_access = [\n  \"Chief Executive (synthetic sample)\",\n  \"Director of Children's Services (synthetic sample)\",\n  \"Head of Communications (synthetic sample)\",\n]\n",
        region_code = SAMPLE_REGION.0,
        region_name = SAMPLE_REGION.1,
        release_year = to + 1,
        next_year = to + 2,
        seed = options.seed,
        children = options.children,
        from = options.from,
        last = options.to,
        as_of = options.as_of.map(|d| format!(" --as-of {d}")).unwrap_or_default(),
    );
    for agency in Agency::ALL {
        let _ = write!(text, "\n[[source]]\nagency = \"{agency}\"\npath = \"{agency}.csv\"\n");
    }
    text.push_str("\n[population]\npath = \"population.csv\"\n\n[policy]\nname = \"uk-children\"\n");
    crate::files::write_file(&out.join("release.toml"), text.as_bytes())
}
