#!/usr/bin/env bash
# Load test of `lotcheck import`: a CSV of ROWS rows (default 1,000,000)
# into a batch whose plan draws that many units, on a fresh SQLite file.
# Prints the wall time and peak memory (GNU time) of the import.
# Usage: scripts/import_load.sh [ROWS]   (needs a release build, curl, python3)
set -euo pipefail
rows=${1:-1000000}
bin=${LOTCHECK_BIN:-target/release/lotcheck}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export DATABASE_URL=$work/load.db LOTCHECK_LOG=warn
printf 'load-test-2026\n' | $bin user add --username loader --role admin --password-stdin >/dev/null
$bin serve --bind 127.0.0.1:18199 >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18199/healthz >/dev/null && break; sleep 0.2; done
api() { curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$2" "http://127.0.0.1:18199/api/v1/$1"; }
token=$(curl -sf -H 'content-type: application/json' -d '{"username":"loader","password":"load-test-2026"}' \
  http://127.0.0.1:18199/api/v1/auth/token | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
customer=$(api customers '{"name":"Load"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
product=$(api products '{"code":"LOAD","name":"Load","characteristics":[
  {"code":"flux","name":"Flux","unit":"lm","kind":"variable","lsl":700,"usl":900,"severity":"major"},
  {"code":"power","name":"Power","unit":"W","kind":"variable","lsl":8,"usl":10,"severity":"major"}]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
lot=$((rows * 10))
order=$(api orders "{\"customer_id\":$customer,\"product_id\":$product,\"po_number\":\"L1\",\"quantity\":$lot}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
batch=$(api "orders/$order/batches" "{\"lot_size\":$lot}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
api "batches/$batch/sampling-plan" '{"method":"percent","seed":1}' \
  | python3 -c '
import json, sys
units = json.load(sys.stdin)["units"]
with open(sys.argv[1], "w") as f:
    f.write("unit,flux,power,operator\n")
    for u in units:
        f.write(f"{u},{800 + u % 97 / 10:.1f},{9 + u % 13 / 100:.2f},line-3\n")
' "$work/export.csv"
kill $server; wait $server 2>/dev/null || true
echo "file: $(wc -l < "$work/export.csv") lines, $(du -h "$work/export.csv" | cut -f1)"
/usr/bin/time -f 'import: %e s wall, %M KiB peak resident memory' $bin import --batch "$batch" "$work/export.csv"
