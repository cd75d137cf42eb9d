//! Faults outside the data (issue #9): a full disk, a read-only output folder, missing or
//! unreadable inputs. Each gives a clear error that names the path, and never a partial release.
//!
//! A full disk is a real small tmpfs where this process may mount one (root in the CI sandbox);
//! otherwise the writer's fault injection (`SAFESTAT_FAULT_DISK_BYTES`) stands in for it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{files_under, generate, s, safestat, safestat_ok, temp_dir};

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, options: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs", s(dir)])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|st| st.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,{options}"), s(&self.0)]).status().unwrap();
        assert!(status.success(), "remount {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").args(["-l", s(&self.0)]).status();
    }
}

fn run(config: &Path, out: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_safestat"));
    command.args(["run", "--config", s(config), "--out", s(out)]);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// Nothing of a release is left where readers look, and no staging folder is left behind.
fn assert_no_partial_release(out: &Path) {
    assert!(!out.join("release").exists(), "a failed run left release/");
    let leftovers: Vec<_> = std::fs::read_dir(out)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(leftovers.iter().all(|n| n == "private" || n == "release"), "staging left behind: {leftovers:?}");
}

#[test]
fn a_full_disk_gives_a_clear_error_and_no_partial_release() {
    let sample = generate(51, 300);
    let config = sample.join("release.toml");
    let mount_dir = temp_dir().join("disk");
    let out = mount_dir.join("out");
    // A disk too small for the whole output: the run fails part-way.
    let mount = Tmpfs::mount(&mount_dir, "size=256k");
    let output = if mount.is_some() {
        run(&config, &out, &[])
    } else {
        eprintln!("faults: cannot mount a tmpfs here; using the writer's fault injection");
        run(&config, &out, &[("SAFESTAT_FAULT_DISK_BYTES", "200000")])
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("No space left on device") || stderr.contains("no storage space"),
        "the error says the disk is full: {stderr}"
    );
    assert!(stderr.contains(s(&out)), "the error names the path: {stderr}");
    assert_no_partial_release(&out);

    // With room again, the same command succeeds and the release verifies.
    if let Some(m) = &mount {
        m.remount("size=64m");
    }
    let output = run(&config, &out, &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    safestat_ok(&["verify", s(&out)]);
    drop(mount);
}

#[test]
fn a_read_only_output_folder_gives_a_clear_error_and_keeps_the_earlier_release() {
    let sample = generate(52, 300);
    let config = sample.join("release.toml");
    let mount_dir = temp_dir().join("disk");
    let Some(mount) = Tmpfs::mount(&mount_dir, "size=64m") else {
        // Root ignores file permissions, so only a read-only mount makes a folder unwritable;
        // where mounting is not allowed there is no honest way to simulate it.
        eprintln!("faults: cannot mount a tmpfs here; read-only test skipped");
        return;
    };
    let out = mount_dir.join("out");
    let first = run(&config, &out, &[]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let before: Vec<(PathBuf, Vec<u8>)> =
        files_under(&out.join("release")).into_iter().map(|f| (f.clone(), std::fs::read(&f).unwrap())).collect();
    mount.remount("ro");
    let output = run(&config, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Read-only file system") && stderr.contains(s(&out)), "{stderr}");
    // The earlier release is untouched and still verifies.
    for (file, bytes) in &before {
        assert_eq!(&std::fs::read(file).unwrap(), bytes, "{}", file.display());
    }
    safestat_ok(&["verify", s(&out)]);
}

#[test]
fn missing_or_unreadable_inputs_are_named_and_nothing_is_published() {
    let sample = generate(53, 200);
    let config = sample.join("release.toml");
    // Missing: the police extract is gone.
    std::fs::rename(sample.join("police.csv"), sample.join("police.moved")).unwrap();
    let out = temp_dir().join("out");
    let output = safestat(&["run", "--config", s(&config), "--out", s(&out)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("police.csv") && stderr.contains("No such file"), "{stderr}");
    assert_no_partial_release(&out);
    // Unreadable: a folder where the extract should be.
    std::fs::create_dir(sample.join("police.csv")).unwrap();
    let output = safestat(&["run", "--config", s(&config), "--out", s(&out)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("police.csv"), "{stderr}");
    assert_no_partial_release(&out);
}
