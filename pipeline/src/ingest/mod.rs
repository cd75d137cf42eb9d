//! Ingest: agency extracts (CSV) validated against the data contract into a Parquet dataset.
//!
//! Every row read is either accepted (written to `private/dataset/records/<agency>.parquet`) or
//! quarantined (its line number, field and reason code written to
//! `private/quarantine/<agency>.csv`); nothing is lost and nothing is silently changed. Whole files
//! are refused when a column looks like a direct identifier, a required column is missing, or
//! the file is not a CSV. Neither the quarantine nor any error holds a field's value.
//!
//! Reading streams: memory is bounded by one Arrow batch, whatever the input size. Also here:
//! the population denominators ([`population`]) and the pseudonymisation of raw identifiers
//! ([`pseudonymise`]), and the parallel driver over every source of a release ([`sources`]).
//!
//! Owns: reading and validating inputs. May not touch: queries, counts or published files.

pub mod contract;
pub mod population;
pub mod pseudonymise;
mod schema;
pub mod sources;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufReader, Read};

use datafusion::arrow::array::Array;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::date::Date;
use crate::domain::is_gss_code;
use crate::domain::{Agency, age_band};
use crate::error::{Error, Result};
use contract::{Contract, Field, FieldKind, ethnicity_codes};
pub use schema::records_schema;

/// One agency extract of a release (`[[source]]` in its configuration).
#[derive(Debug, Clone)]
pub struct Source {
    /// The agency, i.e. the capture list.
    pub agency: Agency,
    /// The extract file (CSV).
    pub path: PathBuf,
}

/// Why a row was quarantined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A required value is empty.
    MissingRequired,
    /// The row has more or fewer fields than the header.
    WrongFieldCount,
    /// The row is not valid UTF-8.
    BadEncoding,
    /// A date is not a valid `YYYY-MM-DD` date.
    BadDate,
    /// A date lies after the day of the run.
    FutureDate,
    /// The first service contact is after the referral.
    DateOrder,
    /// A number is not an integer.
    BadNumber,
    /// The age is outside 0-17.
    AgeOutOfRange,
    /// A number is outside its allowed range.
    OutOfRange,
    /// A code is not in the contract's code list or the ethnicity mapping.
    UnknownCode,
    /// `source_agency` differs from the agency the source is configured as.
    AgencyMismatch,
    /// `child_pid` is not 64 lowercase hex digits.
    BadPid,
    /// A record identifier is malformed (too long or with control characters).
    BadId,
    /// The same `record_id` appeared earlier in the file.
    DuplicateRecord,
}

impl Reason {
    /// The reason code written to the quarantine file.
    pub fn code(self) -> &'static str {
        match self {
            Reason::MissingRequired => "missing_required",
            Reason::WrongFieldCount => "wrong_field_count",
            Reason::BadEncoding => "bad_encoding",
            Reason::BadDate => "bad_date",
            Reason::FutureDate => "future_date",
            Reason::DateOrder => "date_order",
            Reason::BadNumber => "bad_number",
            Reason::AgeOutOfRange => "age_out_of_range",
            Reason::OutOfRange => "out_of_range",
            Reason::UnknownCode => "unknown_code",
            Reason::AgencyMismatch => "agency_mismatch",
            Reason::BadPid => "bad_pid",
            Reason::BadId => "bad_id",
            Reason::DuplicateRecord => "duplicate_record",
        }
    }
}

/// What happened to one source: the reconciliation `rows_read = accepted + quarantined`.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// The agency (capture list).
    pub agency: Agency,
    /// File name of the extract (no folders: the manifest is shareable inside the team).
    pub file: String,
    /// SHA-256 of the extract.
    pub sha256: String,
    /// Data rows read (the header is not a row).
    pub rows_read: u64,
    /// Rows accepted into the dataset.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Quarantined rows per reason code.
    pub quarantined_by_reason: BTreeMap<&'static str, u64>,
}

impl SourceReport {
    /// Share of rows quarantined (0 for an empty source).
    #[allow(clippy::cast_precision_loss)] // a share: row counts far below 2^52
    pub fn quarantined_share(&self) -> f64 {
        if self.rows_read == 0 { 0.0 } else { self.quarantined as f64 / self.rows_read as f64 }
    }
}

/// Rows per Arrow batch and Parquet row group granule.
const BATCH_ROWS: usize = 65_536;

/// Validate one source and write its accepted rows to `dataset_dir/<agency>.parquet` and its
/// rejected rows to `quarantine_dir/<agency>.csv`.
pub fn ingest_source(source: &Source, dataset_dir: &Path, quarantine_dir: &Path, today: Date) -> Result<SourceReport> {
    let path = &source.path;
    let sha256 = crate::files::sha256_file(path)?;
    let refuse = |message: String| Error::InputRefused { path: path.clone(), message };

    let contract = Contract::shipped();
    let mut rows = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) {
        Rows::parquet(path).map_err(refuse)?
    } else {
        Rows::csv(path)?
    };
    let columns = rows.header().map_err(refuse)?;
    let layout = ColumnLayout::new(contract, &columns).map_err(refuse)?;

    std::fs::create_dir_all(dataset_dir).map_err(|e| Error::io("cannot create", dataset_dir, e))?;
    std::fs::create_dir_all(quarantine_dir).map_err(|e| Error::io("cannot create", quarantine_dir, e))?;
    let parquet_path = dataset_dir.join(format!("{}.parquet", source.agency.code()));
    let quarantine_path = quarantine_dir.join(format!("{}.csv", source.agency.code()));
    let mut sink = schema::RecordSink::create(&parquet_path, BATCH_ROWS)?;
    let mut quarantine =
        csv::Writer::from_path(&quarantine_path).map_err(|e| Error::io("cannot write", &quarantine_path, e.into()))?;
    quarantine
        .write_record(["line", "field", "reason"])
        .map_err(|e| Error::io("cannot write", &quarantine_path, e.into()))?;

    let mut seen_ids: HashSet<u128> = HashSet::new();
    let mut report = SourceReport {
        agency: source.agency,
        file: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        sha256,
        rows_read: 0,
        accepted: 0,
        quarantined: 0,
        quarantined_by_reason: BTreeMap::new(),
    };
    let validator =
        RowValidator { contract, layout: &layout, agency: source.agency, today, slots: Slots::new(contract) };
    let mut record = csv::ByteRecord::new();
    let mut progress = crate::log::Progress::new("ingest", &report.file);
    while let Some(line) = rows.next(&mut record).map_err(refuse)? {
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line is not a row
        }
        report.rows_read += 1;
        if report.rows_read.is_multiple_of(1 << 16) {
            progress.update(report.rows_read, "rows");
        }
        let outcome = validator.validate(&record).and_then(|row| {
            if seen_ids.insert(id_key(row.record_id)) { Ok(row) } else { Err(("record_id", Reason::DuplicateRecord)) }
        });
        match outcome {
            Ok(row) => {
                sink.push(&row)?;
                report.accepted += 1;
            }
            Err((field, reason)) => {
                quarantine
                    .write_record([line.to_string().as_str(), field, reason.code()])
                    .map_err(|e| Error::io("cannot write", &quarantine_path, e.into()))?;
                report.quarantined += 1;
                *report.quarantined_by_reason.entry(reason.code()).or_insert(0) += 1;
            }
        }
    }
    sink.finish()?;
    quarantine.flush().map_err(|e| Error::io("cannot write", &quarantine_path, e))?;
    Ok(report)
}

/// Longest CSV row accepted. Contract rows are a few hundred bytes; an unclosed quote would
/// otherwise read the rest of the file into one field.
pub const MAX_ROW_BYTES: u64 = 1 << 20;

/// Bytes handed to the CSV parser since the last row ended (shared with [`CappedReader`]).
type RecordBytes = std::rc::Rc<std::cell::Cell<u64>>;

/// A reader that fails once more than [`MAX_ROW_BYTES`] (plus the parser's 8 KiB buffer) are read
/// without a row ending, so memory stays bounded whatever the quoting.
struct CappedReader<R> {
    inner: R,
    since_row: RecordBytes,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.since_row.get() > MAX_ROW_BYTES {
            return Err(std::io::Error::other(format!(
                "a row is longer than {} KiB (an unclosed quote, or not a CSV extract)",
                MAX_ROW_BYTES >> 10
            )));
        }
        let n = self.inner.read(buf)?;
        self.since_row.set(self.since_row.get() + n as u64);
        Ok(n)
    }
}

/// The CSV reader of an extract: the sniffed head, then the rest of the file, capped per row.
type CsvReader = csv::Reader<CappedReader<std::io::Chain<std::io::Cursor<Vec<u8>>, BufReader<File>>>>;

/// The rows of an extract, as CSV byte records whatever the file format, with their line (CSV)
/// or row (Parquet, 1-based after a notional header line) numbers.
enum Rows {
    Csv(CsvReader, Option<csv::ByteRecord>, RecordBytes),
    Parquet {
        columns: Vec<String>,
        reader: datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader,
        batch: Option<datafusion::arrow::record_batch::RecordBatch>,
        next_row: usize,
        row_number: u64,
    },
}

impl Rows {
    fn csv(path: &Path) -> Result<Rows> {
        let refuse = |message: String| Error::InputRefused { path: path.to_path_buf(), message };
        let file = File::open(path).map_err(|e| Error::io("cannot read the extract", path, e))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut head = [0u8; 4096];
        let head_len = read_up_to(&mut reader, &mut head).map_err(|e| Error::io("cannot read", path, e))?;
        let head = &head[..head_len];
        if head_len == 0 {
            return Err(refuse("the file is empty (no header row)".into()));
        }
        if head.starts_with(b"PAR1") {
            return Err(refuse("the file is Parquet, but its name or configuration says CSV".into()));
        }
        if head.contains(&0) {
            return Err(refuse("the file is not a text CSV file (it contains NUL bytes)".into()));
        }
        let delimiter = sniff_delimiter(head);
        let chained = std::io::Cursor::new(head.to_vec()).chain(reader);
        let since_row = RecordBytes::default();
        let capped = CappedReader { inner: chained, since_row: since_row.clone() };
        let mut csv =
            csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(capped);
        let mut header = csv::ByteRecord::new();
        let has_header =
            csv.read_byte_record(&mut header).map_err(|e| refuse(format!("header: {}", csv_error_message(&e))))?;
        if !has_header {
            return Err(refuse("the file is empty (no header row)".into()));
        }
        since_row.set(0);
        Ok(Rows::Csv(csv, Some(header), since_row))
    }

    fn parquet(path: &Path) -> Result<Rows, String> {
        use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let file = File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|_| "the file is not a readable Parquet file, but its name says Parquet".to_string())?;
        let columns = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
        let reader =
            builder.with_batch_size(8192).build().map_err(|_| "the file is not a readable Parquet file".to_string())?;
        Ok(Rows::Parquet { columns, reader, batch: None, next_row: 0, row_number: 1 })
    }

    fn header(&mut self) -> Result<Vec<String>, String> {
        match self {
            Rows::Csv(_, header, _) => header_columns(&header.take().unwrap_or_default()),
            Rows::Parquet { columns, .. } => Ok(columns.clone()),
        }
    }

    /// Read the next row into `record`; returns its line number, or `None` at the end.
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, String> {
        match self {
            Rows::Csv(csv, _, since_row) => {
                let line = csv.position().line();
                let result = csv.read_byte_record(record);
                // The parser reads ahead by at most its buffer, so counting from the end of
                // each row bounds the next one.
                since_row.set(0);
                match result {
                    Ok(false) => Ok(None),
                    Ok(true) => Ok(Some(record.position().map_or(line, csv::Position::line))),
                    // The csv reader only fails on I/O (including an overlong row); malformed
                    // quoting is read leniently and caught by the field checks.
                    Err(e) => Err(format!("line {line}: {}", csv_error_message(&e))),
                }
            }
            Rows::Parquet { reader, batch, next_row, row_number, .. } => loop {
                if let Some(b) = batch.as_ref().filter(|b| *next_row < b.num_rows()) {
                    record.clear();
                    for column in b.columns() {
                        if column.is_null(*next_row) {
                            record.push_field(b"");
                        } else {
                            let text = datafusion::arrow::util::display::array_value_to_string(column, *next_row)
                                .map_err(|_| "a Parquet column has a type that cannot be read".to_string())?;
                            record.push_field(text.as_bytes());
                        }
                    }
                    *next_row += 1;
                    *row_number += 1;
                    return Ok(Some(*row_number));
                }
                match reader.next() {
                    None => return Ok(None),
                    Some(Ok(b)) => {
                        *batch = Some(b);
                        *next_row = 0;
                    }
                    Some(Err(_)) => return Err("the Parquet file is damaged".into()),
                }
            },
        }
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// `;` when the header line has more semicolons than commas, otherwise `,`.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    if count(b';') > count(b',') { b';' } else { b',' }
}

fn csv_error_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => "the file is not a readable CSV file".into(),
    }
}

fn header_columns(record: &csv::ByteRecord) -> Result<Vec<String>, String> {
    record
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
            std::str::from_utf8(raw)
                .map(|s| s.trim().to_string())
                .map_err(|_| format!("header column {} is not UTF-8 text", i + 1))
        })
        .collect()
}

fn id_key(record_id: &str) -> u128 {
    // Two independent 64-bit SipHash values with fixed keys: deterministic, and a false
    // duplicate needs a 128-bit collision.
    let mut a = std::hash::DefaultHasher::new();
    record_id.hash(&mut a);
    let mut b = std::hash::DefaultHasher::new();
    (0x5afe_u16, record_id).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// Where each contract field sits in the file (`None`: an optional field the file lacks).
struct ColumnLayout {
    positions: Vec<Option<usize>>,
    width: usize,
}

impl ColumnLayout {
    fn new(contract: &Contract, columns: &[String]) -> Result<ColumnLayout, String> {
        let mut seen = HashSet::new();
        for column in columns {
            if contract.is_refused_column(column) {
                return Err(format!(
                    "column `{column}` looks like a direct identifier or free text; safestat \
                     refuses such files. Remove the column, or turn raw identifiers into a \
                     `child_pid` with `safestat pseudonymise`"
                ));
            }
            if contract.field(column).is_none() {
                return Err(format!(
                    "column `{column}` is not in the data contract; remove it (see \
                     pipeline/src/ingest/contract.toml for the accepted columns)"
                ));
            }
            if !seen.insert(column.as_str()) {
                return Err(format!("column `{column}` appears twice in the header"));
            }
        }
        let positions: Vec<Option<usize>> =
            contract.fields.iter().map(|f| columns.iter().position(|c| *c == f.name)).collect();
        if let Some(missing) = contract.fields.iter().zip(&positions).find(|(f, p)| f.required && p.is_none()) {
            return Err(format!("required column `{}` is missing", missing.0.name));
        }
        Ok(ColumnLayout { positions, width: columns.len() })
    }
}

/// A validated row, borrowing its text from the input record.
#[derive(Debug)]
pub(crate) struct ValidRow<'a> {
    pub record_id: &'a str,
    pub child_pid: &'a str,
    pub link_quality: Option<&'a str>,
    pub agency: Agency,
    pub referral_date: Date,
    pub age: u8,
    pub sex: &'a str,
    pub ethnicity_code: &'a str,
    pub ethnic_group: &'static str,
    pub ethnic_group_high: &'static str,
    pub la_code: &'a str,
    pub cse_status: &'a str,
    pub known_to_services: bool,
    pub first_service_contact_date: Option<Date>,
    pub missing_episodes: Option<i32>,
    pub looked_after: Option<bool>,
    pub outcome: Option<&'a str>,
    pub recorded_date: Option<Date>,
}

impl ValidRow<'_> {
    pub(crate) fn age_band(&self) -> &'static str {
        age_band(self.age)
    }
}

type RowError = (&'static str, Reason);

struct RowValidator<'c> {
    contract: &'static Contract,
    layout: &'c ColumnLayout,
    agency: Agency,
    today: Date,
    slots: Slots,
}

/// Positions of the fields the validator reads, in contract order (looked up once, not per row).
struct Slots {
    record_id: usize,
    child_pid: usize,
    link_quality: usize,
    source_agency: usize,
    referral_date: usize,
    age_at_referral: usize,
    sex: usize,
    ethnicity_code: usize,
    la_code: usize,
    cse_status: usize,
    known_to_services: usize,
    first_service_contact_date: usize,
    missing_episodes: usize,
    looked_after: usize,
    outcome: usize,
    recorded_date: usize,
}

impl Slots {
    fn new(contract: &Contract) -> Slots {
        // The contract is compiled in; a missing field is a build error caught by every test.
        let at = |name: &str| {
            contract.fields.iter().position(|f| f.name == name).unwrap_or_else(|| panic!("contract field `{name}`"))
        };
        Slots {
            record_id: at("record_id"),
            child_pid: at("child_pid"),
            link_quality: at("link_quality"),
            source_agency: at("source_agency"),
            referral_date: at("referral_date"),
            age_at_referral: at("age_at_referral"),
            sex: at("sex"),
            ethnicity_code: at("ethnicity_code"),
            la_code: at("la_code"),
            cse_status: at("cse_status"),
            known_to_services: at("known_to_services"),
            first_service_contact_date: at("first_service_contact_date"),
            missing_episodes: at("missing_episodes"),
            looked_after: at("looked_after"),
            outcome: at("outcome"),
            recorded_date: at("recorded_date"),
        }
    }
}

impl RowValidator<'_> {
    fn validate<'r>(&self, record: &'r csv::ByteRecord) -> Result<ValidRow<'r>, RowError> {
        if record.len() != self.layout.width {
            return Err(("", Reason::WrongFieldCount));
        }
        // Text of each contract field, trimmed; `None` when absent or empty.
        let mut text: Vec<Option<&str>> = Vec::with_capacity(self.contract.fields.len());
        for (field, position) in self.contract.fields.iter().zip(&self.layout.positions) {
            let value = match position {
                Some(p) => {
                    let raw = &record[*p];
                    let s = std::str::from_utf8(raw).map_err(|_| (field.name.as_str(), Reason::BadEncoding))?;
                    Some(s.trim()).filter(|s| !s.is_empty())
                }
                None => None,
            };
            if field.required && value.is_none() {
                return Err((field.name.as_str(), Reason::MissingRequired));
            }
            if let Some(v) = value {
                check_kind(field, v, self.today)?;
            }
            text.push(value);
        }
        let slot = &self.slots;
        let get = |i: usize| -> Option<&'r str> { text[i] };
        let req = |i: usize| get(i).unwrap_or_default();
        let agency = Agency::from_code(req(slot.source_agency)).unwrap_or(self.agency);
        if agency != self.agency {
            return Err(("source_agency", Reason::AgencyMismatch));
        }
        let referral_date = Date::parse_iso(req(slot.referral_date)).ok_or(("referral_date", Reason::BadDate))?;
        let first_contact = get(slot.first_service_contact_date).and_then(Date::parse_iso);
        if first_contact.is_some_and(|d| d > referral_date) {
            return Err(("first_service_contact_date", Reason::DateOrder));
        }
        let recorded_date = get(slot.recorded_date).and_then(Date::parse_iso);
        if recorded_date.is_some_and(|d| d < referral_date) {
            return Err(("recorded_date", Reason::DateOrder));
        }
        let code = req(slot.ethnicity_code);
        let group = ethnicity_codes().get(code).ok_or(("ethnicity_code", Reason::UnknownCode))?.group;
        Ok(ValidRow {
            record_id: req(slot.record_id),
            child_pid: req(slot.child_pid),
            link_quality: get(slot.link_quality),
            agency,
            referral_date,
            age: req(slot.age_at_referral).parse().map_err(|_| ("age_at_referral", Reason::BadNumber))?,
            sex: req(slot.sex),
            ethnicity_code: code,
            ethnic_group: group.id,
            ethnic_group_high: group.high_id,
            la_code: req(slot.la_code),
            cse_status: req(slot.cse_status),
            known_to_services: parse_bool(req(slot.known_to_services)).unwrap_or(false),
            first_service_contact_date: first_contact,
            missing_episodes: get(slot.missing_episodes).and_then(|s| s.parse().ok()),
            looked_after: get(slot.looked_after).and_then(parse_bool),
            outcome: get(slot.outcome),
            recorded_date,
        })
    }
}

/// Parse a boolean: true/false, 1/0, Y/N (any case).
pub fn parse_bool(text: &str) -> Option<bool> {
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("true") || is("1") || is("y") || is("yes") {
        Some(true)
    } else if is("false") || is("0") || is("n") || is("no") {
        Some(false)
    } else {
        None
    }
}

fn check_kind(field: &'static Field, value: &str, today: Date) -> Result<(), RowError> {
    let name = field.name.as_str();
    match field.kind {
        FieldKind::TextId => {
            if value.len() > field.max_length.unwrap_or(64) || value.chars().any(char::is_control) {
                return Err((name, Reason::BadId));
            }
        }
        FieldKind::Pid => {
            if value.len() != 64 || !value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err((name, Reason::BadPid));
            }
        }
        FieldKind::Agency => {
            if Agency::from_code(value).is_none() {
                return Err((name, Reason::UnknownCode));
            }
        }
        FieldKind::Date => {
            let date = Date::parse_iso(value).ok_or((name, Reason::BadDate))?;
            if date > today {
                return Err((name, Reason::FutureDate));
            }
        }
        FieldKind::Integer => {
            let n: i64 = value.parse().map_err(|_| (name, Reason::BadNumber))?;
            let (lo, hi) = (field.min.unwrap_or(i64::MIN), field.max.unwrap_or(i64::MAX));
            if !(lo..=hi).contains(&n) {
                let reason = if name == "age_at_referral" { Reason::AgeOutOfRange } else { Reason::OutOfRange };
                return Err((name, reason));
            }
        }
        FieldKind::Enum => {
            if !field.values.iter().any(|v| v == value) {
                return Err((name, Reason::UnknownCode));
            }
        }
        FieldKind::Boolean => {
            if parse_bool(value).is_none() {
                return Err((name, Reason::UnknownCode));
            }
        }
        FieldKind::EthnicityCode => {
            if !ethnicity_codes().contains_key(value) {
                return Err((name, Reason::UnknownCode));
            }
        }
        FieldKind::GssCode => {
            if !is_gss_code(value) {
                return Err((name, Reason::UnknownCode));
            }
        }
    }
    Ok(())
}

/// The folder holding the Parquet dataset inside `private/`.
pub fn dataset_dir(private: &Path) -> PathBuf {
    private.join("dataset").join("records")
}
