#!/usr/bin/env bash
# Fuzz every target for a fixed time each (default 60 s), starting from the committed corpus:
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# Targets: csv_ingest (agency extracts), release_config (release.toml), protect_spec (spec.toml
# and cells.csv for `safestat protect`), mse_table (a capture table for `safestat mse`),
# funnel_input (a `safestat funnel` input, as proportions and as ratios). Installs cargo-fuzz when missing. The first build
# instruments every dependency (DataFusion included): expect a cold build of about 25 minutes.
# New inputs found go to fuzz/corpus/<target>/ (commit the interesting ones); crashes go to
# fuzz/artifacts/<target>/ and make the script fail. Not run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv_ingest release_config protect_spec mse_table funnel_input)
if ! cargo fuzz --help >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
export CARGO_TARGET_DIR="${SAFESTAT_FUZZ_TARGET_DIR:-$HOME/.cache/safestat-fuzz-target}"
# libFuzzer's flags need a nightly compiler; RUSTC_BOOTSTRAP lets the stable one act as it.
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
# No sanitizer by default: safestat forbids unsafe code, and an AddressSanitizer build of
# DataFusion is another hour on two cores. SAFESTAT_FUZZ_SANITIZER=address turns it on.
sanitizer="${SAFESTAT_FUZZ_SANITIZER:-none}"
# Debug assertions (and so overflow checks) on, as in the test build: a sum of counts that
# overflows panics and is found, instead of wrapping silently as a plain release build would.
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  echo "== $target: ${seconds} s"
  cargo fuzz run --fuzz-dir fuzz --debug-assertions -s "$sanitizer" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536
done
