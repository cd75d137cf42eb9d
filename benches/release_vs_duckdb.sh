#!/usr/bin/env bash
# Whole-release benchmark (issue #8): safestat's every stage next to DuckDB doing the same ingest
# (CSV -> Parquet) and the three core aggregations on the same files, in the same run.
#   bash benches/release_vs_duckdb.sh [CHILDREN...]   # default: 500000 5000000 10000000 true victims
# (about 1, 10 and 20 million agency records). Prints a table per size; asserts nothing.
# Uses the dev build (the cached one: dependencies optimised, see Cargo.toml) and creates a venv
# with DuckDB in ~/.cache/safestat-bench-venv. Needs about 4 GB of disk per 10M children.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500000 5000000 10000000)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/safestat-target}"
cargo build --locked --quiet
bin="$CARGO_TARGET_DIR/debug/safestat"
venv="$HOME/.cache/safestat-bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import duckdb" 2>/dev/null || "$venv/bin/pip" install --quiet duckdb >/dev/null
work="$(mktemp -d "${TMPDIR:-/tmp}/safestat-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
agencies="police childrens_social_care health voluntary_sector education"

for children in "${sizes[@]}"; do
  rm -rf "$work"/*
  "$bin" --quiet generate --out "$work/sample" --children "$children"
  records=0
  for a in $agencies; do records=$((records + $(wc -l < "$work/sample/$a.csv") - 1)); done

  # safestat: the whole release, stage times from its JSON debug log.
  /usr/bin/time -f "%e %M" -o "$work/safestat.time" \
    "$bin" run --config "$work/sample/release.toml" --out "$work/out" --log-level debug --log-format json \
    2> "$work/safestat.log"
  read -r s_total s_kb < "$work/safestat.time"

  # DuckDB: the same CSV -> Parquet, then three aggregations over the Parquet files.
  "$venv/bin/python" - "$work" $agencies > "$work/duckdb.json" <<'PY'
import json, resource, sys, time, duckdb
work, agencies = sys.argv[1], sys.argv[2:]
con = duckdb.connect()
con.execute("SET threads = 2")
t = {}
start = time.perf_counter()
for a in agencies:
    con.execute(f"COPY (SELECT * FROM read_csv('{work}/sample/{a}.csv', header = true)) "
                f"TO '{work}/duck_{a}.parquet' (FORMAT parquet)")
t["ingest"] = time.perf_counter() - start
src = f"read_parquet('{work}/duck_*.parquet')"
per_child = f"""select child_pid,
    bit_or(case source_agency when 'police' then 1 when 'childrens_social_care' then 2
           when 'health' then 4 when 'voluntary_sector' then 8 else 16 end) as mask,
    arg_min(ethnicity_code, referral_date) as community,
    bool_or(known_to_services) as known
  from {src} group by child_pid"""
start = time.perf_counter()
con.execute(f"select community, mask, count(*) from ({per_child}) group by all").fetchall()
con.execute(f"select year(referral_date), source_agency, count(*) from {src} group by all").fetchall()
con.execute(f"select community, count(*), sum(known::int) from ({per_child}) group by all").fetchall()
t["aggregations"] = time.perf_counter() - start
t["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t["version"] = duckdb.__version__
print(json.dumps(t))
PY

  "$venv/bin/python" - "$work" "$records" "$s_total" "$s_kb" <<'PY'
import json, sys
work, records, s_total, s_kb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
stages = {}
for line in open(f"{work}/safestat.log"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    message = entry.get("message", "")
    if entry.get("level") == "debug" and message.startswith("took "):
        stages[entry["stage"]] = float(message.split()[1])
d = json.load(open(f"{work}/duckdb.json"))
d_total = d["ingest"] + d["aggregations"]
print(f"\n{records:,} records ({records / 1e6:.1f} million); DuckDB {d['version']}, 2 threads")
print("| stage | safestat (s) | DuckDB (s) | safestat / DuckDB |")
print("|---|---|---|---|")
def row(name, s, dd=None):
    ratio = f"{s / dd:.2f}" if dd else ""
    print(f"| {name} | {s:.1f} | {'' if dd is None else f'{dd:.1f}'} | {ratio} |")
row("ingest (validate, quarantine, Parquet)", stages.get("ingest", 0), d["ingest"])
row("queries (per-child reduction, capture histories, inner cells)", stages.get("queries", 0), d["aggregations"])
for name in ("estimate", "disclosure", "render", "audit"):
    row(name, stages.get(name, 0))
row("whole run (wall)", s_total, d_total)
print(f"| peak RSS (MB) | {s_kb / 1024:.0f} | {d['peak_kb'] / 1024:.0f} | |")
PY
done
