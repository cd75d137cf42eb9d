//! `safestat pseudonymise`: raw linkage identifiers to a keyed pseudonym.

use std::path::Path;

use crate::error::Result;
use crate::ingest::pseudonymise::{self, Key};

pub(super) fn run(key_file: Option<&Path>, input: &Path, out: &Path, id_columns: &[String]) -> Result<()> {
    let key = Key::load(key_file)?;
    let rows = pseudonymise::run(&key, input, out, id_columns)?;
    crate::log::info(
        "pseudonymise",
        format_args!("{rows} rows pseudonymised with key {} into {}", key.fingerprint(), out.display()),
    );
    Ok(())
}
