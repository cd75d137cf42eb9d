#!/usr/bin/env bash
# A Ballista cluster on this machine (issue 10): start a scheduler and two `safestat executor`
# processes on 127.0.0.1, run the bundled sample release against them, compare it byte for byte
# with the local engine's release, and stop everything this script started (also on failure).
#
#   bash scripts/cluster-demo.sh [WORK_DIR]
#
# SAFESTAT=path/to/safestat uses a binary built with `--features distributed`; otherwise the
# script builds one. Ports are chosen at random in 20000-59999 unless SCHEDULER_PORT is set.
# Exit status 0 only if the two releases are identical.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [ -z "${SAFESTAT:-}" ]; then
  cargo build --locked --features distributed --bin safestat
  SAFESTAT="${CARGO_TARGET_DIR:-target}/debug/safestat"
fi

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

wait_for_port() { # PORT NAME LOG
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "the $2 did not open port $1 within 20 s; its log:" >&2
  cat "$3" >&2
  exit 1
}

base=${SCHEDULER_PORT:-$((20000 + (RANDOM % 8000) * 5))}
scheduler_port=$base
"$SAFESTAT" scheduler --bind 127.0.0.1 --port "$scheduler_port" --external-host 127.0.0.1 \
  >"$work/scheduler.log" 2>&1 &
pids+=($!)
echo "$!" >"$work/pids"
wait_for_port "$scheduler_port" scheduler "$work/scheduler.log"

for i in 1 2; do
  flight=$((base + 2 * i - 1))
  grpc=$((base + 2 * i))
  "$SAFESTAT" executor --scheduler "df://127.0.0.1:$scheduler_port" --bind 127.0.0.1 \
    --port "$flight" --grpc-port "$grpc" --concurrent-tasks 1 --work-dir "$work/executor-$i" \
    >"$work/executor-$i.log" 2>&1 &
  pids+=($!)
  echo "$!" >>"$work/pids"
  wait_for_port "$flight" "executor $i" "$work/executor-$i.log"
done
echo "scheduler on 127.0.0.1:$scheduler_port, executors on ports $((base + 1))-$((base + 4))"

# OUT is on this machine's disk, which every process here sees at the same path: the condition
# a real cluster meets with a shared folder.
rm -rf "$work/local" "$work/cluster"
"$SAFESTAT" --quiet run --config data-samples/release.toml --out "$work/local" --engine local
start=$(date +%s.%N)
"$SAFESTAT" run --config data-samples/release.toml --out "$work/cluster" \
  --engine "ballista://127.0.0.1:$scheduler_port"
end=$(date +%s.%N)

if diff -r "$work/local" "$work/cluster" >"$work/diff.txt"; then
  files=$(find "$work/cluster" -type f | wc -l)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "identical: $files files of the cluster release match the local release (cluster run $seconds s)"
else
  echo "the cluster release differs from the local release:" >&2
  head -20 "$work/diff.txt" >&2
  exit 1
fi
