#!/usr/bin/env bash
# Fuzz the CSV ingest path for a fixed time (default 60 s): bash scripts/fuzz.sh [SECONDS]
# Needs cargo-fuzz (cargo install cargo-fuzz) and a nightly toolchain; not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
if ! cargo fuzz --help >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
  exit 2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/safestat-fuzz-target}"
# A nightly compiler is needed for the sanitizer flags; RUSTC_BOOTSTRAP lets a stable one act as it.
RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}" cargo fuzz run --fuzz-dir fuzz csv_ingest fuzz/corpus/csv_ingest -- \
  -max_total_time="$seconds" -rss_limit_mb=4096
