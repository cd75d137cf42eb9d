//! Ingest against the data contract: every reason code with its exact quarantine row, file-level
//! refusals naming file and column, CSV dialects, Parquet input, reconciliation and round trip,
//! and pseudonymisation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Int32Type, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use safestat::config::Source;
use safestat::domain::Agency;
use safestat::domain::date::Date;
use safestat::ingest::{SourceReport, ingest_source};
use safestat::stats::rng::Rng;

use crate::harness::{read_csv, s, safestat, safestat_ok, temp_dir};

const HEADER: &str = "record_id,child_pid,link_quality,source_agency,referral_date,age_at_referral,sex,ethnicity_code,la_code,cse_status,known_to_services,first_service_contact_date,missing_episodes,looked_after,outcome,recorded_date";
const PID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn row(id: &str, edit: &[(usize, &str)]) -> String {
    let mut fields: Vec<String> = vec![
        id.into(),
        PID.into(),
        "exact".into(),
        "police".into(),
        "2010-05-01".into(),
        "14".into(),
        "F".into(),
        "W1".into(),
        "E08000018".into(),
        "confirmed".into(),
        "true".into(),
        "2009-01-01".into(),
        "2".into(),
        String::new(),
        "ongoing".into(),
        String::new(),
    ];
    for (i, v) in edit {
        fields[*i] = (*v).to_string();
    }
    fields.join(",")
}

fn ingest(path: &Path) -> Result<(SourceReport, PathBuf), safestat::Error> {
    let out = temp_dir();
    let source = Source { agency: Agency::Police, path: path.to_path_buf() };
    let today = Date::parse_iso("2026-11-29").unwrap();
    ingest_source(&source, &out.join("dataset"), &out.join("quarantine"), today).map(|r| (r, out))
}

#[test]
fn every_reason_code_is_quarantined_with_line_and_field() {
    let dir = temp_dir();
    let long_id = "R".repeat(70);
    let rows: Vec<String> = vec![
        row("ok-1", &[]),
        row("r2", &[(6, "")]),
        "r3,too,few".into(),
        row("r4", &[(4, "2013-02-30")]),
        row("r5", &[(4, "2099-01-01")]),
        row("r6", &[(11, "2011-01-01")]),
        row("r7", &[(5, "x")]),
        row("r8", &[(5, "18")]),
        row("r9", &[(12, "-1")]),
        row("r10", &[(6, "X")]),
        row("r11", &[(7, "ZZZZ")]),
        row("r12", &[(8, "X123")]),
        row("r13", &[(3, "health")]),
        row("r14", &[(1, "abc")]),
        row(&long_id, &[]),
        row("ok-1", &[]),
        row("r17", &[(10, "maybe")]),
        row("ok-2", &[(10, "Y"), (13, "0"), (15, "2010-05-20")]),
        row("r19", &[(15, "2010-04-30")]),
    ];
    let mut bytes = format!("{HEADER}\n{}\n", rows.join("\n")).into_bytes();
    // Row 21: not UTF-8.
    bytes.extend(row("r21", &[(14, "\u{1}")]).replace('\u{1}', "").into_bytes());
    bytes.extend(b"\xff\xfe\n");
    let path = dir.join("police.csv");
    std::fs::write(&path, &bytes).unwrap();
    let (report, out) = ingest(&path).unwrap();
    assert_eq!(report.rows_read, 20);
    assert_eq!(report.accepted, 2);
    assert_eq!(report.rows_read, report.accepted + report.quarantined);
    let (_, quarantine) = read_csv(&out.join("quarantine/police.csv"));
    let got: Vec<(String, String, String)> =
        quarantine.iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone())).collect();
    let expected: Vec<(&str, &str, &str)> = vec![
        ("3", "sex", "missing_required"),
        ("4", "", "wrong_field_count"),
        ("5", "referral_date", "bad_date"),
        ("6", "referral_date", "future_date"),
        ("7", "first_service_contact_date", "date_order"),
        ("8", "age_at_referral", "bad_number"),
        ("9", "age_at_referral", "age_out_of_range"),
        ("10", "missing_episodes", "out_of_range"),
        ("11", "sex", "unknown_code"),
        ("12", "ethnicity_code", "unknown_code"),
        ("13", "la_code", "unknown_code"),
        ("14", "source_agency", "agency_mismatch"),
        ("15", "child_pid", "bad_pid"),
        ("16", "record_id", "bad_id"),
        ("17", "record_id", "duplicate_record"),
        ("18", "known_to_services", "unknown_code"),
        ("20", "recorded_date", "date_order"),
        ("21", "recorded_date", "bad_encoding"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into())).collect();
    assert_eq!(got, expected);
    let text = std::fs::read_to_string(out.join("quarantine/police.csv")).unwrap();
    assert!(
        !text.contains(PID) && !text.contains("2013-02-30") && !text.contains("r13"),
        "no values in the quarantine"
    );
}

fn refusal(header: &str, body: &[u8], name: &str) -> String {
    let dir = temp_dir();
    let path = dir.join(name);
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(body);
    std::fs::write(&path, bytes).unwrap();
    let err = ingest(&path).map(|_| ()).unwrap_err();
    assert_eq!(err.exit_code(), 1, "{err}");
    let message = err.to_string();
    assert!(message.contains(name), "{message}");
    message
}

#[test]
fn file_level_refusals_name_file_and_column() {
    let missing = HEADER.replace(",sex", "");
    assert!(refusal(&missing, b"\n", "police.csv").contains("required column `sex` is missing"));
    for identifier in ["dob", "Postcode", "NHS_Number", "child_name", "email", "case_notes"] {
        let message = refusal(&format!("{HEADER},{identifier}"), b"\n", "police.csv");
        assert!(message.contains(&format!("`{identifier}`")) && message.contains("direct identifier"), "{message}");
    }
    assert!(refusal(&format!("{HEADER},favourite_colour"), b"\n", "police.csv").contains("not in the data contract"));
    assert!(refusal(&format!("{HEADER},sex"), b"\n", "police.csv").contains("appears twice"));
    assert!(refusal("", b"", "police.csv").contains("empty"));
    assert!(refusal("PAR1", b"\x00\x00binary", "police.csv").contains("Parquet"));
    assert!(refusal("not parquet at all", b"\n", "police.parquet").contains("not a readable Parquet file"));
}

#[test]
fn csv_dialects_are_read_alike() {
    let dir = temp_dir();
    let plain = format!("{HEADER}\n{}\n{}\n", row("a", &[]), row("b", &[(10, "0"), (13, "N")]));
    let semicolon = plain.replace(',', ";");
    let crlf_bom = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let quoted = format!(
        "{HEADER}\n\"a\",{}\n{}\n",
        row("a", &[]).split_once(',').unwrap().1,
        row("b", &[(10, "0"), (13, "N")])
    );
    for (name, text) in [("plain", plain), ("semicolon", semicolon), ("crlf_bom", crlf_bom), ("quoted", quoted)] {
        let path = dir.join(format!("{name}.csv"));
        std::fs::write(&path, text).unwrap();
        let (report, _) = ingest(&path).unwrap();
        assert_eq!((report.rows_read, report.accepted), (2, 2), "{name}: {report:?}");
    }
}

/// Write rows of the contract's columns (all text) to a Parquet file.
fn write_parquet(path: &Path, rows: &[String]) {
    let names: Vec<&str> = HEADER.split(',').collect();
    let schema = Arc::new(Schema::new(names.iter().map(|n| Field::new(*n, DataType::Utf8, true)).collect::<Vec<_>>()));
    let columns: Vec<ArrayRef> = (0..names.len())
        .map(|c| {
            let values: Vec<Option<String>> =
                rows.iter().map(|r| r.split(',').nth(c).map(str::to_string).filter(|v| !v.is_empty())).collect();
            Arc::new(StringArray::from(values)) as ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_extracts_are_validated_like_csv() {
    let dir = temp_dir();
    let rows = vec![row("a", &[]), row("b", &[(5, "18")]), row("c", &[(7, "APKN")])];
    let path = dir.join("police.parquet");
    write_parquet(&path, &rows);
    let (report, out) = ingest(&path).unwrap();
    assert_eq!((report.rows_read, report.accepted, report.quarantined), (3, 2, 1));
    let (_, quarantine) = read_csv(&out.join("quarantine/police.csv"));
    assert_eq!(quarantine, vec![vec!["3".to_string(), "age_at_referral".into(), "age_out_of_range".into()]]);
}

/// Random mixes of valid and invalid rows: rows read = accepted + quarantined, and every
/// accepted row comes back from the Parquet dataset exactly.
#[test]
fn reconciliation_and_round_trip_over_random_mixes() {
    let mut rng = Rng::new(77);
    for round in 0..8 {
        let n = 50 + rng.below(200) as usize;
        let mut lines = Vec::new();
        let mut valid: Vec<(String, String, i32, String)> = Vec::new();
        for i in 0..n {
            let id = format!("R{round}-{i}");
            let date = format!("{}-{:02}-{:02}", 1997 + rng.below(17), 1 + rng.below(12), 1 + rng.below(28));
            let age = rng.below(18).to_string();
            let code = ["W1", "A2", "B9", "NS"][rng.below(4) as usize];
            let bad = rng.bernoulli(0.3);
            let edit: Vec<(usize, &str)> = if bad {
                match rng.below(4) {
                    0 => vec![(4, "1999-13-01")],
                    1 => vec![(5, "40")],
                    2 => vec![(7, "??")],
                    _ => vec![(1, "nothex")],
                }
            } else {
                Vec::new()
            };
            let mut fields = vec![(4, date.as_str()), (5, age.as_str()), (7, code), (11, "")];
            fields.extend(edit.iter().copied());
            lines.push(row(&id, &fields));
            if !bad {
                valid.push((id, date, age.parse().unwrap(), code.to_string()));
            }
        }
        let dir = temp_dir();
        let path = dir.join("police.csv");
        std::fs::write(&path, format!("{HEADER}\n{}\n", lines.join("\n"))).unwrap();
        let (report, out) = ingest(&path).unwrap();
        assert_eq!(report.rows_read as usize, n);
        assert_eq!(report.rows_read, report.accepted + report.quarantined);
        assert_eq!(report.accepted as usize, valid.len());
        let file = std::fs::File::open(out.join("dataset/police.parquet")).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
        let mut back = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let col = |name: &str| batch.column(batch.schema().index_of(name).unwrap()).clone();
            let (ids, dates, ages, codes) =
                (col("record_id"), col("referral_date"), col("age_at_referral"), col("ethnicity_code"));
            for i in 0..batch.num_rows() {
                let date = Date::from_days_since_epoch(dates.as_primitive::<Date32Type>().value(i)).to_string();
                back.push((
                    ids.as_string::<i32>().value(i).to_string(),
                    date,
                    ages.as_primitive::<Int32Type>().value(i),
                    codes.as_string::<i32>().value(i).to_string(),
                ));
            }
        }
        assert_eq!(back, valid, "round {round}");
    }
}

#[test]
fn pseudonymise_links_across_files_and_never_shows_the_key() {
    let dir = temp_dir();
    let key = dir.join("key");
    std::fs::write(&key, "a-secret-key-of-32-bytes-length!\n").unwrap();
    std::fs::write(dir.join("a.csv"), "nhs_number,surname,sex\n943 476 5919 ,Smith,F\n1234567890,Jones,M\n").unwrap();
    std::fs::write(dir.join("b.csv"), "surname,nhs_number,age\nSMITH,943 476 5919,14\n").unwrap();
    let run = |input: &str, out: &str, cols: &str| {
        safestat_ok(&[
            "pseudonymise",
            "--key-file",
            s(&key),
            "--in",
            s(&dir.join(input)),
            "--out",
            s(&dir.join(out)),
            "--id-columns",
            cols,
        ])
    };
    let output = run("a.csv", "a_out.csv", "nhs_number,surname");
    run("b.csv", "b_out.csv", "nhs_number,surname");
    let (ha, ra) = read_csv(&dir.join("a_out.csv"));
    let (hb, rb) = read_csv(&dir.join("b_out.csv"));
    assert_eq!(ha, ["child_pid", "sex"]);
    assert_eq!(hb, ["child_pid", "age"]);
    assert_eq!(ra[0][0], rb[0][0], "same person, same pid in both files");
    assert_ne!(ra[0][0], ra[1][0]);
    assert!(ra[0][0].len() == 64 && ra[0][0].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let everything = format!(
        "{}{}{}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(dir.join("a_out.csv")).unwrap(),
        std::fs::read_to_string(dir.join("b_out.csv")).unwrap()
    );
    assert!(!everything.contains("a-secret-key") && !everything.contains("943 476") && !everything.contains("Smith"));
    // A different key gives different pids; no key at all is a usage error.
    std::fs::write(&key, "another-secret-key-of-32-bytes!!").unwrap();
    run("a.csv", "a_other.csv", "nhs_number,surname");
    assert_ne!(read_csv(&dir.join("a_other.csv")).1[0][0], ra[0][0]);
    let no_key = safestat(&[
        "pseudonymise",
        "--in",
        s(&dir.join("a.csv")),
        "--out",
        s(&dir.join("x.csv")),
        "--id-columns",
        "surname",
    ]);
    assert_eq!(no_key.status.code(), Some(2));
}

/// Huge fields, pathological quoting and very many columns give a clear refusal naming the file
/// and line, and memory stays bounded (a row may not exceed 1 MiB, so nothing reads the rest of
/// a file into one field).
#[test]
fn pathological_rows_are_refused_within_bounded_memory() {
    // An unclosed quote: without the cap the rest of the file would become one field.
    let mut unclosed = b"\nPOL-00000001,\"".to_vec();
    unclosed.extend(std::iter::repeat_n(b'x', 3 << 20));
    unclosed.extend_from_slice(b"\nPOL-00000002,a,b\n");
    let message = refusal(HEADER, &unclosed, "police.csv");
    assert!(message.contains("line 2") && message.contains("longer than 1024 KiB"), "{message}");
    // One enormous unquoted field.
    let mut huge = b"\n".to_vec();
    huge.extend(std::iter::repeat_n(b'7', 2 << 20));
    let message = refusal(HEADER, &huge, "police.csv");
    assert!(message.contains("line 2") && message.contains("longer than"), "{message}");
    // Very many columns.
    let wide: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let message = refusal(&wide.join(","), b"\n", "police.csv");
    assert!(message.contains("column `c0` is not in the data contract"), "{message}");
    // A header that is itself too long.
    let wider: Vec<String> = (0..300_000).map(|i| format!("c{i}")).collect();
    let message = refusal(&wider.join(","), b"\n", "police.csv");
    assert!(message.contains("header") && message.contains("longer than"), "{message}");
}
