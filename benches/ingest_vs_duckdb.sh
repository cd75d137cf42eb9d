#!/usr/bin/env bash
# Ingest benchmark (issue #3): safestat's validated CSV -> Parquet ingest next to DuckDB's
# `COPY ... TO 'x.parquet'` on the same generated files, with wall time and peak memory.
#   bash benches/ingest_vs_duckdb.sh [CHILDREN]    # default 10,000,000 true victims: about 20M records
# Prints figures; asserts nothing. Uses the dev build (the cached one) and a venv for DuckDB.
set -euo pipefail
cd "$(dirname "$0")/.."
children="${1:-10000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/safestat-target}"
cargo build --locked --quiet
bin="$CARGO_TARGET_DIR/debug/safestat"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" generate --out "$work/sample" --children "$children" 2>/dev/null
agencies="police childrens_social_care health voluntary_sector education"
records=0
for a in $agencies; do records=$((records + $(wc -l < "$work/sample/$a.csv") - 1)); done
bytes=$(cat "$work"/sample/{police,childrens_social_care,health,voluntary_sector,education}.csv | wc -c)

/usr/bin/time -f "%e %M" -o "$work/safestat.time" "$bin" ingest --config "$work/sample/release.toml" --out "$work/safestat" 2>/dev/null
read -r s_secs s_kb < "$work/safestat.time"

venv="$HOME/.cache/safestat-bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet duckdb >/dev/null
read -r d_secs d_kb d_version < <("$venv/bin/python" - "$work" $agencies <<'PY'
import resource, sys, time, duckdb
work, agencies = sys.argv[1], sys.argv[2:]
con = duckdb.connect()
con.execute("SET threads = 2")
start = time.perf_counter()
for a in agencies:
    con.execute(f"COPY (SELECT * FROM read_csv('{work}/sample/{a}.csv', header = true)) TO '{work}/{a}.duck.parquet' (FORMAT parquet)")
elapsed = time.perf_counter() - start
print(f"{elapsed:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {duckdb.__version__}")
PY
)

awk -v n="$records" -v b="$bytes" -v ss="$s_secs" -v sk="$s_kb" -v ds="$d_secs" -v dk="$d_kb" -v dv="$d_version" 'BEGIN {
  printf "records: %d (%.0f MB of CSV)\n", n, b / 1e6
  printf "safestat ingest (validate, quarantine, Parquet): %.1f s, %.0f records/s, peak RSS %.0f MB\n", ss, n / ss, sk / 1024
  printf "DuckDB %s COPY ... TO parquet (2 threads):      %.1f s, %.0f records/s, peak RSS %.0f MB\n", dv, ds, n / ds, dk / 1024
  printf "ratio safestat / DuckDB (time): %.2f\n", ss / ds
}'
