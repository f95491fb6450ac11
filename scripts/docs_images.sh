#!/usr/bin/env bash
# Regenerates the pictures in docs/ from the demo data: one PNG per chart
# kind, fetched from the chart routes, and pages of the demo order's issued
# QC report rendered with pdftoppm (poppler-utils).
#   scripts/docs_images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pdftoppm >/dev/null || { echo "needs pdftoppm (apt-get install poppler-utils)" >&2; exit 1; }

cargo build --release --quiet
work=$(mktemp -d)
port=18089
DATABASE_URL="sqlite://$work/docs.db" target/release/lotcheck serve --demo --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 1
done

base="http://127.0.0.1:$port/api/v1"
token=$(curl -sf -X POST "$base/auth/token" -H 'content-type: application/json' \
    -d '{"username":"helios","password":"demo-customer-2026"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
get() { curl -sf -H "Authorization: Bearer $token" -o "$2" "$base/$1"; }

mkdir -p docs
# The demo's first order (id 1) is the A60 bulb of Helios Home Lighting.
get "orders/1/charts/histogram.png?characteristic=flux" docs/chart-histogram.png
get "products/1/charts/control-chart.png?characteristic=flux&chart=i-mr" docs/chart-control.png
get "orders/1/charts/chromaticity.png" docs/chart-chromaticity.png
get "batches/1/charts/oc-curve.png" docs/chart-oc-curve.png
get "orders/1/charts/pareto.png" docs/chart-pareto.png
get "orders/1/charts/yield.png" docs/chart-yield.png
get "orders/1/report.pdf" "$work/report.pdf"
pdftoppm -r 70 -png -f 1 -l 1 -singlefile "$work/report.pdf" docs/report-page-1
pdftoppm -r 70 -png -f 2 -l 2 -singlefile "$work/report.pdf" docs/report-page-2
echo "docs/: $(ls docs | tr '\n' ' ')"
