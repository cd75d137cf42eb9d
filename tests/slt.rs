//! SQL semantics in sqllogictest files (`tests/slt/*.slt`), one concern per file, run in the
//! production session (`engine::session`) through the same checked entry point as `queries/`.
//!
//! Supported records: `query <types>` + SQL + `----` + expected rows (values separated by one
//! space), and `statement error <substring>` + SQL. Records end at a blank line; `#` comments.

use datafusion::arrow::util::display::array_value_to_string;
use safestat::engine::{session, sql_checked};

enum Record {
    Query { sql: String, expected: Vec<String>, line: usize },
    Error { sql: String, message: String, line: usize },
}

fn parse(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.is_empty() || line.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i + 1;
        let header = line.to_string();
        i += 1;
        let mut sql = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim() != "----" {
            sql.push(lines[i]);
            i += 1;
        }
        let sql = sql.join("\n");
        if let Some(message) = header.strip_prefix("statement error") {
            records.push(Record::Error { sql, message: message.trim().to_string(), line: start });
        } else if header.starts_with("query") {
            assert_eq!(lines.get(i).map(|l| l.trim()), Some("----"), "line {start}: query without ----");
            i += 1;
            let mut expected = Vec::new();
            while i < lines.len() && !lines[i].trim().is_empty() {
                expected.push(lines[i].trim().to_string());
                i += 1;
            }
            records.push(Record::Query { sql, expected, line: start });
        } else {
            panic!("line {start}: unknown record `{header}`");
        }
    }
    records
}

async fn run_file(path: &std::path::Path) -> usize {
    let ctx = session().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let records = parse(&text);
    for record in &records {
        match record {
            Record::Query { sql, expected, line } => {
                let df = sql_checked(&ctx, sql).await.unwrap_or_else(|e| panic!("{name}:{line}: {e}"));
                let batches = df.collect().await.unwrap_or_else(|e| panic!("{name}:{line}: {e}"));
                let mut rows = Vec::new();
                for batch in &batches {
                    for r in 0..batch.num_rows() {
                        let cells: Vec<String> =
                            batch.columns().iter().map(|c| array_value_to_string(c, r).unwrap()).collect();
                        rows.push(cells.join(" "));
                    }
                }
                assert_eq!(&rows, expected, "{name}:{line}");
            }
            Record::Error { sql, message, line } => {
                let outcome = match sql_checked(&ctx, sql).await {
                    Err(e) => e,
                    Ok(df) => df.collect().await.err().map(|e| e.to_string()).unwrap_or_default(),
                };
                assert!(
                    outcome.contains(message.as_str()),
                    "{name}:{line}: expected an error with `{message}`, got `{outcome}`"
                );
            }
        }
    }
    records.len()
}

#[test]
fn sql_logic_files() {
    let dir = crate::harness::repo().join("tests").join("slt");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 2);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for file in files {
        let records = runtime.block_on(run_file(&file));
        assert!(records > 0, "{} has no records", file.display());
    }
}
