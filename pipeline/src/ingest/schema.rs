//! The Parquet schema of the records dataset and the streaming writer that fills it.
//!
//! Owns: the Parquet schema and writer settings. May not touch: validation.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, FixedSizeBinaryBuilder, Int32Builder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use super::ValidRow;
use crate::error::{Error, Result};

/// The Arrow schema of `private/dataset/records/*.parquet`: the contract's fields plus derived
/// columns (`referral_year`, `financial_year`, `age_band`, `ethnic_group`, `ethnic_group_high`,
/// `agency_bit`). `child_pid` is stored as its 32 bytes, not 64 hex characters: half the size,
/// and the per-child `GROUP BY` hashes and compares fixed-width keys.
pub fn records_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let f = |name: &str, ty: DataType, nullable: bool| Field::new(name, ty, nullable);
            Arc::new(Schema::new(vec![
                f("record_id", DataType::Utf8, false),
                f("child_pid", DataType::FixedSizeBinary(PID_BYTES), false),
                f("link_quality", DataType::Utf8, true),
                f("source_agency", DataType::Utf8, false),
                f("agency_bit", DataType::Int32, false),
                f("referral_date", DataType::Date32, false),
                f("referral_year", DataType::Int32, false),
                f("financial_year", DataType::Int32, false),
                f("age_at_referral", DataType::Int32, false),
                f("age_band", DataType::Utf8, false),
                f("sex", DataType::Utf8, false),
                f("ethnicity_code", DataType::Utf8, false),
                f("ethnic_group", DataType::Utf8, false),
                f("ethnic_group_high", DataType::Utf8, false),
                f("la_code", DataType::Utf8, false),
                f("cse_status", DataType::Utf8, false),
                f("known_to_services", DataType::Boolean, false),
                f("first_service_contact_date", DataType::Date32, true),
                f("missing_episodes", DataType::Int32, true),
                f("looked_after", DataType::Boolean, true),
                f("outcome", DataType::Utf8, true),
                f("recorded_date", DataType::Date32, true),
            ]))
        })
        .clone()
}

/// Fixed writer settings, so the same rows always give the same bytes.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(1 << 20))
        .set_created_by(format!("safestat {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Bytes in a `child_pid` (HMAC-SHA256).
pub const PID_BYTES: i32 = 32;

/// The 32 bytes of a validated pseudonym (64 lowercase hex digits; validation guarantees it).
fn pid_bytes(hex: &str) -> [u8; 32] {
    let digit = |b: u8| if b.is_ascii_digit() { b - b'0' } else { b.wrapping_sub(b'a').wrapping_add(10) & 0x0f };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        *o = (digit(pair[0]) << 4) | digit(pair[1]);
    }
    out
}

/// Buffers validated rows into Arrow batches and streams them to one Parquet file.
pub(crate) struct RecordSink {
    path: PathBuf,
    writer: ArrowWriter<File>,
    batch_rows: usize,
    rows: usize,
    record_id: StringBuilder,
    child_pid: FixedSizeBinaryBuilder,
    link_quality: StringBuilder,
    source_agency: StringBuilder,
    agency_bit: Int32Builder,
    referral_date: Date32Builder,
    referral_year: Int32Builder,
    financial_year: Int32Builder,
    age: Int32Builder,
    age_band: StringBuilder,
    sex: StringBuilder,
    ethnicity_code: StringBuilder,
    ethnic_group: StringBuilder,
    ethnic_group_high: StringBuilder,
    la_code: StringBuilder,
    cse_status: StringBuilder,
    known: BooleanBuilder,
    first_contact: Date32Builder,
    missing_episodes: Int32Builder,
    looked_after: BooleanBuilder,
    outcome: StringBuilder,
    recorded_date: Date32Builder,
}

impl RecordSink {
    pub(crate) fn create(path: &Path, batch_rows: usize) -> Result<RecordSink> {
        let file = File::create(path).map_err(|e| Error::io("cannot write", path, e))?;
        let writer = ArrowWriter::try_new(file, records_schema(), Some(writer_properties()))
            .map_err(|e| Error::Engine(format!("cannot start Parquet file {}: {e}", path.display())))?;
        Ok(RecordSink {
            path: path.to_path_buf(),
            writer,
            batch_rows,
            rows: 0,
            record_id: StringBuilder::new(),
            child_pid: FixedSizeBinaryBuilder::new(PID_BYTES),
            link_quality: StringBuilder::new(),
            source_agency: StringBuilder::new(),
            agency_bit: Int32Builder::new(),
            referral_date: Date32Builder::new(),
            referral_year: Int32Builder::new(),
            financial_year: Int32Builder::new(),
            age: Int32Builder::new(),
            age_band: StringBuilder::new(),
            sex: StringBuilder::new(),
            ethnicity_code: StringBuilder::new(),
            ethnic_group: StringBuilder::new(),
            ethnic_group_high: StringBuilder::new(),
            la_code: StringBuilder::new(),
            cse_status: StringBuilder::new(),
            known: BooleanBuilder::new(),
            first_contact: Date32Builder::new(),
            missing_episodes: Int32Builder::new(),
            looked_after: BooleanBuilder::new(),
            outcome: StringBuilder::new(),
            recorded_date: Date32Builder::new(),
        })
    }

    pub(crate) fn push(&mut self, row: &ValidRow<'_>) -> Result<()> {
        self.record_id.append_value(row.record_id);
        self.child_pid
            .append_value(pid_bytes(row.child_pid))
            .map_err(|e| Error::Engine(format!("cannot buffer a pseudonym for {}: {e}", self.path.display())))?;
        self.link_quality.append_option(row.link_quality);
        self.source_agency.append_value(row.agency.code());
        self.agency_bit.append_value(row.agency.bit());
        self.referral_date.append_value(row.referral_date.days_since_epoch());
        self.referral_year.append_value(row.referral_date.year());
        self.financial_year.append_value(row.referral_date.financial_year_start());
        self.age.append_value(i32::from(row.age));
        self.age_band.append_value(row.age_band());
        self.sex.append_value(row.sex);
        self.ethnicity_code.append_value(row.ethnicity_code);
        self.ethnic_group.append_value(row.ethnic_group);
        self.ethnic_group_high.append_value(row.ethnic_group_high);
        self.la_code.append_value(row.la_code);
        self.cse_status.append_value(row.cse_status);
        self.known.append_value(row.known_to_services);
        self.first_contact
            .append_option(row.first_service_contact_date.map(crate::domain::date::Date::days_since_epoch));
        self.missing_episodes.append_option(row.missing_episodes);
        self.looked_after.append_option(row.looked_after);
        self.outcome.append_option(row.outcome);
        self.recorded_date.append_option(row.recorded_date.map(crate::domain::date::Date::days_since_epoch));
        self.rows += 1;
        if self.rows >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.record_id.finish()),
            Arc::new(self.child_pid.finish()),
            Arc::new(self.link_quality.finish()),
            Arc::new(self.source_agency.finish()),
            Arc::new(self.agency_bit.finish()),
            Arc::new(self.referral_date.finish()),
            Arc::new(self.referral_year.finish()),
            Arc::new(self.financial_year.finish()),
            Arc::new(self.age.finish()),
            Arc::new(self.age_band.finish()),
            Arc::new(self.sex.finish()),
            Arc::new(self.ethnicity_code.finish()),
            Arc::new(self.ethnic_group.finish()),
            Arc::new(self.ethnic_group_high.finish()),
            Arc::new(self.la_code.finish()),
            Arc::new(self.cse_status.finish()),
            Arc::new(self.known.finish()),
            Arc::new(self.first_contact.finish()),
            Arc::new(self.missing_episodes.finish()),
            Arc::new(self.looked_after.finish()),
            Arc::new(self.outcome.finish()),
            Arc::new(self.recorded_date.finish()),
        ];
        let batch = RecordBatch::try_new(records_schema(), columns)
            .map_err(|e| Error::Engine(format!("cannot build a record batch: {e}")))?;
        self.writer
            .write(&batch)
            .map_err(|e| Error::Engine(format!("cannot write Parquet file {}: {e}", self.path.display())))?;
        self.rows = 0;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| Error::Engine(format!("cannot finish Parquet file {}: {e}", self.path.display())))?;
        Ok(())
    }
}
