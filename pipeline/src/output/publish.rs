//! Atomic publication: a run builds everything in a staging folder beside the output, then
//! renames `private/` and, last, `release/` into place. A run that fails, or is killed, never
//! leaves a partial `release/`: `OUT/release/` exists exactly when the last run passed.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn staging_dir(out: &Path) -> PathBuf {
    out.join(format!(".safestat-staging-{}", std::process::id()))
}

/// Remove staging folders left behind by killed runs.
fn clear_stale_staging(out: &Path) -> Result<()> {
    let entries = std::fs::read_dir(out).map_err(|e| Error::io("cannot list", out, e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(".safestat-staging-") {
            std::fs::remove_dir_all(entry.path()).map_err(|e| Error::io("cannot remove", entry.path(), e))?;
        }
    }
    Ok(())
}

fn replace_dir(staged: &Path, target: &Path, trash: &Path) -> Result<()> {
    if target.exists() {
        std::fs::rename(target, trash).map_err(|e| Error::io("cannot move aside", target, e))?;
    }
    std::fs::rename(staged, target).map_err(|e| Error::io("cannot publish", target, e))
}

/// Run `build` with a staging root holding empty `release/` and `private/` folders; on success
/// move both into `out`. On failure remove any earlier `out/release/` and keep the failed run's
/// `private/` (its quarantine explains the failure), then return the error.
pub fn publish_atomically<T>(out: &Path, build: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    std::fs::create_dir_all(out).map_err(|e| Error::io("cannot create the output folder", out, e))?;
    clear_stale_staging(out)?;
    let staging = staging_dir(out);
    for sub in ["release", "private", "trash"] {
        let dir = staging.join(sub);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    }
    let result = build(&staging);
    let trash = staging.join("trash");
    let swap = if result.is_ok() {
        replace_dir(&staging.join("private"), &out.join("private"), &trash.join("private"))
            .and_then(|()| replace_dir(&staging.join("release"), &out.join("release"), &trash.join("release")))
    } else {
        {
            let old_release = out.join("release");
            let removed = if old_release.exists() {
                std::fs::rename(&old_release, trash.join("release"))
                    .map_err(|e| Error::io("cannot withdraw the earlier release", &old_release, e))
            } else {
                Ok(())
            };
            removed.and_then(|()| replace_dir(&staging.join("private"), &out.join("private"), &trash.join("private")))
        }
    };
    let cleanup = std::fs::remove_dir_all(&staging).map_err(|e| Error::io("cannot remove", &staging, e));
    let value = result?;
    swap?;
    cleanup?;
    Ok(value)
}
