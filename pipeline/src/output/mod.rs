//! Writers for everything a run leaves behind: open-data CSV with its `.meta.csv`, the private
//! JSON files, hashes, and the atomic swap that makes `OUT/release/` appear only after success.
//!
//! Writers take only protected types ([`ProtectedTable`]); raw counts cannot reach them.

pub mod ees;
mod publish;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
pub use publish::publish_atomically;

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let file = File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf).map_err(|e| Error::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Hex SHA-256 of bytes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Fault injection for tests where no small file system can be mounted: with
/// `SAFESTAT_FAULT_DISK_BYTES=N`, writes through [`write_file`] fail as on a full disk once N bytes
/// have been written. Unset, it costs one check per file.
fn simulated_disk_full(len: usize) -> bool {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static BUDGET: OnceLock<Option<AtomicU64>> = OnceLock::new();
    let Some(budget) =
        BUDGET.get_or_init(|| std::env::var("SAFESTAT_FAULT_DISK_BYTES").ok()?.parse().ok().map(AtomicU64::new))
    else {
        return false;
    };
    let len = len as u64;
    budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(len)).is_err()
}

/// Write bytes to a file, creating its folder.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    }
    if simulated_disk_full(bytes.len()) {
        return Err(Error::io("cannot write", path, std::io::Error::from(std::io::ErrorKind::StorageFull)));
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}

/// Write pretty JSON (with a final newline) to a file.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Engine(format!("cannot encode {}: {e}", path.display())))?;
    text.push('\n');
    write_file(path, text.as_bytes())
}

/// Every file under `root`, as sorted paths relative to it (with `/` separators).
pub fn list_files(root: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot list", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot list", dir, e))?;
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if root.exists() {
        walk(root, root, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Recompute every output hash of `out/private/manifest.json`. Fails naming the first file that
/// differs or is missing, or a file in `release/` that the manifest does not list.
pub fn verify_manifest(out: &Path) -> Result<usize> {
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
        if sha256_file(&target)? != sha {
            return Err(fail(format!("{file} differs from the manifest")));
        }
        listed.insert(file.to_string());
    }
    for rel in list_files(&out.join("release"))? {
        if !listed.contains(&format!("release/{rel}")) {
            return Err(fail(format!("release/{rel} is not in the manifest")));
        }
    }
    Ok(listed.len())
}
