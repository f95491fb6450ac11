#!/usr/bin/env bash
# Ingestion as the batch grows and on both backends, beside the no-op
# ceiling, in one run: ../shared/perf/ingest.lua (six readings of one new
# unit per request) against `lotcheck serve` and ../shared/perf/noop.
#
#   bash scripts/ingest_scale.sh            after `cargo build --release`
#   LOTS="3000 30000 1000000"  batch sizes (100% plans), each a fresh database
#   CLIENTS="1 8 64"           wrk connections
#   DUR=4s                     per run
#   LOTCHECK_BIN=…             another build (default target/release)
#   BACKENDS="sqlite postgres" PostgreSQL at $PG (default
#                              postgres://postgres@127.0.0.1:5432), database
#                              lotcheck_bench dropped and made again
# A run needs fewer new units than the batch has left: a run that would
# overrun the lot is skipped and said so. Needs wrk and curl.
set -euo pipefail
perf=$(cd "$(dirname "$0")/../../shared/perf" && pwd)
target=${PERF_TARGET:-/tmp/lotcheck-perf-target}
bin=${LOTCHECK_BIN:-$PWD/target/release/lotcheck}
lots=${LOTS:-3000 30000 1000000}
clients=${CLIENTS:-1 8 64}
dur=${DUR:-4s}
backends=${BACKENDS:-sqlite postgres}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
[ -x "$target/release/noop" ] || cargo build --release --quiet --manifest-path "$perf/noop/Cargo.toml" --target-dir "$target"
work=$(mktemp -d)
srv=""; noop=""
trap 'kill $srv $noop 2>/dev/null || true; rm -rf "$work"' EXIT
"$target/release/noop" 127.0.0.1:18702 2 & noop=$!

run() { # name port connections start -> RESULT line
  START=$4 BATCH=1 THREADS=1 wrk -t1 -c"$3" -d"$dur" -s "$perf/ingest.lua" --latency "http://127.0.0.1:$2" | grep RESULT
}

for backend in $backends; do
  for lot in $lots; do
    if [ "$backend" = postgres ]; then
      psql -q "$pg/postgres" -c 'DROP DATABASE IF EXISTS lotcheck_bench' -c 'CREATE DATABASE lotcheck_bench'
      export DATABASE_URL=$pg/lotcheck_bench
    else
      rm -f "$work"/l.db*; export DATABASE_URL=$work/l.db
    fi
    export LOTCHECK_LOG=warn
    "$bin" migrate >/dev/null
    printf 'perf-admin-2026\n' | "$bin" user add --username admin --role admin --password-stdin >/dev/null
    # A 100% plan of a million units is over the default sample limit.
    "$bin" serve --bind 127.0.0.1:18701 --max-sample-size 1000000 >/dev/null 2>&1 & srv=$!
    for _ in $(seq 100); do curl -sf 127.0.0.1:18701/healthz >/dev/null && break; sleep 0.2; done
    TOKEN=$(curl -sf -H 'Content-Type: application/json' -XPOST 127.0.0.1:18701/api/v1/auth/token \
      -d '{"username":"admin","password":"perf-admin-2026"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
    export TOKEN
    # The shared script's set-up: product with six characteristics, order, batch, 100% plan.
    sed -n '/^python3 - <<PY/,/^PY/p' "$perf/ingest_vs_noop.sh" | sed '1d;$d' | sed 's/18501/18701/' > "$work/setup.py"
    LOT=$lot python3 "$work/setup.py" >/dev/null
    start=0
    for c in $clients; do
      # Leave room for the run: at most the units not used yet.
      step=$(( lot / $(echo $clients | wc -w) ))
      out=$(run lotcheck 18701 "$c" "$start")
      echo "$backend lot=$lot c=$c lotcheck $out"
      echo "$backend lot=$lot c=$c noop     $(run noop 18702 "$c" 0)"
      case $out in *non2xx=0*) ;; *) echo "  (non-2xx: the run overran its share of $step units; lower DUR)";; esac
      start=$(( start + step ))
    done
    kill $srv; wait $srv 2>/dev/null || true; srv=""
  done
done
