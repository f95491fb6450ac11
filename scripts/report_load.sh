#!/usr/bin/env bash
# Times the QC report of a large order and the server's peak memory while
# it is made: an order of BATCHES batches (lot LOT, default 200; a PERCENT
# plan, default 10%: 20 units; three characteristics each) is recorded over
# HTTP on a scratch SQLite database, then the draft PDF and the CSV are
# fetched. CARGO_TARGET_DIR is honoured; CARGO overrides the cargo command.
#   BATCHES=300 scripts/report_load.sh
#   BATCHES=200 LOT=500 PERCENT=100 scripts/report_load.sh   # 500 units a batch
set -euo pipefail
cd "$(dirname "$0")/.."
batches=${BATCHES:-300}
lot=${LOT:-200}
percent=${PERCENT:-10}
${CARGO:-cargo} build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/lotcheck
work=$(mktemp -d)
port=18091
export DATABASE_URL="sqlite://$work/load.db"
"$bin" migrate >/dev/null
printf 'load-admin-2026\n' | "$bin" user add --username admin --role admin --password-stdin >/dev/null
"$bin" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done

python3 - "$port" "$batches" "$lot" "$percent" <<'PY'
import json, sys, urllib.request
port, batches, lot, percent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
base = f"http://127.0.0.1:{port}/api/v1"
def call(path, body=None, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
    return json.load(urllib.request.urlopen(req))
token = call("/auth/token", {"username": "admin", "password": "load-admin-2026"})["token"]
customer = call("/customers", {"name": "Load Test Lighting"}, token)
product = call("/products", {"code": "LOAD-A60", "name": "A60 load", "customer_id": customer["id"], "characteristics": [
    {"code": "flux", "name": "Luminous flux", "unit": "lm", "kind": "variable", "nominal": 806, "lsl": 725, "usl": 887, "severity": "major"},
    {"code": "power", "name": "Input power", "unit": "W", "kind": "variable", "nominal": 9, "lsl": 8.1, "usl": 9.9, "severity": "major"},
    {"code": "lights_up", "name": "Lights up", "kind": "attribute", "severity": "critical"}]}, token)
order = call("/orders", {"customer_id": customer["id"], "product_id": product["id"], "po_number": "LOAD-PO-1", "quantity": lot * batches}, token)
for b in range(batches):
    batch = call(f"/orders/{order['id']}/batches", {"lot_size": lot}, token)
    plan = call(f"/batches/{batch['id']}/sampling-plan", {"method": "percent", "percent": percent, "seed": b}, token)
    readings = []
    for i, unit in enumerate(plan["units"]):
        readings += [{"unit": unit, "characteristic": "flux", "value": 800 + (i * 7 + b) % 40},
                     {"unit": unit, "characteristic": "power", "value": 9 + ((i + b) % 9) / 20},
                     {"unit": unit, "characteristic": "lights_up", "value": 0}]
    call(f"/batches/{batch['id']}/measurements", {"measurements": readings}, token)
print(f"order {order['id']} recorded")
PY
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"load-admin-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
hwm() { awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$server/status"; }
echo "batches: $batches, lot: $lot, plan: $percent%"
echo "server peak RSS before the report: $(hwm)"
curl -sf -H "Authorization: Bearer $token" -o "$work/report.pdf" \
    -w "report.pdf: %{time_total} s, %{size_download} bytes\n" "http://127.0.0.1:$port/api/v1/orders/1/report.pdf"
echo "server peak RSS after the report: $(hwm)"
curl -sf -H "Authorization: Bearer $token" -o "$work/report.csv" \
    -w "report.csv: %{time_total} s, %{size_download} bytes\n" "http://127.0.0.1:$port/api/v1/orders/1/report.csv"
echo "server peak RSS after the CSV: $(hwm)"
command -v pdfinfo >/dev/null && pdfinfo "$work/report.pdf" | grep Pages
