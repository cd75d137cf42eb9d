//! Embeds `queries/*.sql` (with their `.toml` contracts) and `report-templates/**/*.html` in the
//! binary, so a release never depends on the working directory. Files are listed in sorted
//! order, which keeps builds and manifests deterministic.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut code = String::new();

    let queries_dir = root.join("queries");
    println!("cargo:rerun-if-changed={}", queries_dir.display());
    let mut sql = Vec::new();
    files(&queries_dir, "sql", &mut sql);
    sql.sort();
    code.push_str("/// (name, SQL, contract TOML) of every query in `queries/`, sorted by name.\n");
    code.push_str("pub const QUERIES: &[(&str, &str, &str)] = &[\n");
    for path in &sql {
        let name = path.file_stem().expect("a .sql file has a stem").to_string_lossy();
        let contract = path.with_extension("toml");
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rerun-if-changed={}", contract.display());
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?}), include_str!({:?})),",
            path.display().to_string(),
            contract.display().to_string()
        );
    }
    code.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("queries.rs"), &code).expect("OUT_DIR is writable");
    code.clear();

    let templates_dir = root.join("report-templates");
    println!("cargo:rerun-if-changed={}", templates_dir.display());
    let mut html = Vec::new();
    files(&templates_dir, "html", &mut html);
    html.sort();
    code.push_str("/// (name relative to report-templates/, text) of every template, sorted by name.\n");
    code.push_str("pub const TEMPLATES: &[(&str, &str)] = &[\n");
    for path in &html {
        println!("cargo:rerun-if-changed={}", path.display());
        let name =
            path.strip_prefix(&templates_dir).expect("under report-templates").to_string_lossy().replace('\\', "/");
        let _ = writeln!(code, "    ({name:?}, include_str!({:?})),", path.display().to_string());
    }
    code.push_str("];\n");

    std::fs::write(out_dir.join("templates.rs"), code).expect("OUT_DIR is writable");
}
