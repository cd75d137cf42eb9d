//! Atomic publication: an output is built in a staging folder, then renamed into place, so a
//! command that fails, or is killed, never leaves a half-written output.
//!
//! - [`publish_atomically`] (`safestat run`): staging inside `OUT`; `private/` and, last,
//!   `release/` are renamed into place. `OUT/release/` exists exactly when the last run passed.
//! - [`replace_folder`] (`safestat protect`): staging beside `OUT`, which it replaces whole.
//!
//! Both use one swap ([`swap_in`]) and one staging guard ([`Staging`]).
//!
//! Owns: staging and swapping folders. May not touch: their content.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A staging folder, removed when dropped (after success it is empty or gone).
struct Staging(PathBuf);

impl Staging {
    /// A fresh, empty staging folder at `path` (an older one there is removed).
    fn create(path: PathBuf) -> Result<Staging> {
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| Error::io("cannot remove", &path, e))?;
        }
        std::fs::create_dir_all(&path).map_err(|e| Error::io("cannot create", &path, e))?;
        Ok(Staging(path))
    }

    /// Remove the folder now, reporting a failure.
    fn remove(self) -> Result<()> {
        let path = self.0.clone();
        std::mem::forget(self);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| Error::io("cannot remove", &path, e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Put `staged` in place of `target`, moving an existing `target` to `trash` first.
fn swap_in(staged: &Path, target: &Path, trash: &Path) -> Result<()> {
    if target.exists() {
        std::fs::rename(target, trash).map_err(|e| Error::io("cannot move aside", target, e))?;
    }
    std::fs::rename(staged, target).map_err(|e| Error::io("cannot publish", target, e))
}

fn staging_prefix() -> &'static str {
    ".safestat-staging-"
}

/// Remove staging folders left inside `out` by killed runs.
fn clear_stale_staging(out: &Path) -> Result<()> {
    let entries = std::fs::read_dir(out).map_err(|e| Error::io("cannot list", out, e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(staging_prefix()) {
            std::fs::remove_dir_all(entry.path()).map_err(|e| Error::io("cannot remove", entry.path(), e))?;
        }
    }
    Ok(())
}

/// Run `build` with a staging root holding empty `release/` and `private/` folders; on success
/// move both into `out`. On failure remove any earlier `out/release/` and keep the failed run's
/// `private/` (its quarantine explains the failure), then return the error.
pub fn publish_atomically<T>(out: &Path, build: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    std::fs::create_dir_all(out).map_err(|e| Error::io("cannot create the output folder", out, e))?;
    clear_stale_staging(out)?;
    let staging = Staging::create(out.join(format!("{}{}", staging_prefix(), std::process::id())))?;
    for sub in ["release", "private", "trash"] {
        let dir = staging.0.join(sub);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    }
    let result = build(&staging.0);
    let (root, trash) = (&staging.0, staging.0.join("trash"));
    let swap = if result.is_ok() {
        swap_in(&root.join("private"), &out.join("private"), &trash.join("private"))
            .and_then(|()| swap_in(&root.join("release"), &out.join("release"), &trash.join("release")))
    } else {
        let old_release = out.join("release");
        let removed = if old_release.exists() {
            std::fs::rename(&old_release, trash.join("release"))
                .map_err(|e| Error::io("cannot withdraw the earlier release", &old_release, e))
        } else {
            Ok(())
        };
        removed.and_then(|()| swap_in(&root.join("private"), &out.join("private"), &trash.join("private")))
    };
    let cleanup = staging.remove();
    let value = result?;
    swap?;
    cleanup?;
    Ok(value)
}

/// Run `write` on a fresh staging folder beside `out`, then put it in place of `out`. `out` may
/// be missing, empty, or a folder for which `replaceable` holds (an earlier output of the same
/// command); any other folder is refused. On failure `out` is left as it was.
pub fn replace_folder(
    out: &Path,
    replaceable: impl Fn(&Path) -> bool,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let refuse = |message: &str| Error::OutputFolder { path: out.to_path_buf(), message: message.into() };
    if out.exists() {
        let empty = std::fs::read_dir(out).map_err(|e| Error::io("cannot list", out, e))?.next().is_none();
        if !empty && !replaceable(out) {
            return Err(refuse("the output folder holds other files; name a new folder or an earlier protect output"));
        }
    }
    let name = out.file_name().ok_or_else(|| refuse("the output folder needs a name"))?.to_string_lossy();
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let pid = std::process::id();
    let staging = Staging::create(parent.join(format!(".{name}.safestat-staging-{pid}")))?;
    // Where the earlier output waits during the swap; never removed until the new one is in place.
    let trash = parent.join(format!(".{name}.safestat-old-{pid}"));
    if trash.exists() {
        std::fs::remove_dir_all(&trash).map_err(|e| Error::io("cannot remove", &trash, e))?;
    }
    write(&staging.0)?;
    if let Err(err) = swap_in(&staging.0, out, &trash) {
        // Put the earlier output back: a failed swap loses nothing.
        if trash.exists() && !out.exists() {
            let _ = std::fs::rename(&trash, out);
        }
        return Err(err);
    }
    if trash.exists() {
        std::fs::remove_dir_all(&trash).map_err(|e| Error::io("cannot remove", &trash, e))?;
    }
    staging.remove()
}
