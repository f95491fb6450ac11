#!/usr/bin/env bash
# Schema-driven fuzz of the running service (schemathesis, run by .ci/run).
#
# Starts the debug binary, `lotcheck serve --demo`, on a fresh SQLite file
# and a free port, signs in as the demo admin and the demo customer, and
# runs schemathesis against every operation of /api/v1/openapi.json as each.
# It fails on any 5xx and on any answer the document does not describe
# (status, content type, headers, body schema), on a method the service
# should refuse with 405, and on a secured operation that answers without a
# valid token. The checks that judge what the data means to the service
# (`positive_data_acceptance`: a schema-valid batch id that does not exist
# is rightly a 404, an unknown characteristic a 422) are left out.
#
# Four passes: the admin's and the customer's, then the operations that end
# the session they run in, each with a token of its own: sign-in (which
# locks out an address after repeated failures) and sign-out, then disabling
# users (the demo admin's id is not offered, but may be drawn).
#
# Environment: LOTCHECK_BIN (default $CARGO_TARGET_DIR/debug/lotcheck),
# SCHEMATHESIS (default .venv/bin/schemathesis), FUZZ_MAX_EXAMPLES (per
# operation and phase, default 25), FUZZ_SEED (default 20261127),
# FUZZ_TIMEOUT (seconds for the whole fuzz, default 720).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${LOTCHECK_BIN:-${CARGO_TARGET_DIR:-target}/debug/lotcheck}
schemathesis=${SCHEMATHESIS:-.venv/bin/schemathesis}
python=$(dirname "$schemathesis")/python
examples=${FUZZ_MAX_EXAMPLES:-25}
seed=${FUZZ_SEED:-20261127}
budget=${FUZZ_TIMEOUT:-720}
started=$SECONDS

[ -x "$bin" ] || { echo "fuzz: no $bin; run cargo build first" >&2; exit 2; }
[ -x "$schemathesis" ] || {
    echo "fuzz: no $schemathesis; pip install -r scripts/requirements.txt into .venv" >&2
    exit 2
}
schemathesis=$(cd "$(dirname "$schemathesis")" && pwd)/$(basename "$schemathesis")

work=$(mktemp -d)
server=
runner=
cleanup() {
    for pid in $runner $server; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# Port 0: the server takes a free port and prints it.
LOTCHECK_LOG=${LOTCHECK_LOG:-warn} "$bin" serve --demo --database-url "$work/fuzz.db" \
    --bind 127.0.0.1:0 --workers 2 --sqlite-sync normal >"$work/server.log" 2>&1 &
server=$!
base=
for _ in $(seq 1 300); do
    base=$(sed -n 's|^lotcheck listening on \(http://[0-9.:]*\)$|\1|p' "$work/server.log")
    [ -n "$base" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 1
done
if [ -z "$base" ]; then
    echo "fuzz: the server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "fuzz: lotcheck at $base (demo data), seed $seed, $examples examples per operation"

# A bearer token for the demo user (its password is printed at start).
token() {
    local user=$1 password
    password=$(awk -v user="$user" '$2 == user && $3 == "password" { print $4 }' "$work/server.log")
    "$python" - "$base" "$user" "$password" <<'EOF'
import json, sys, urllib.request
base, username, password = sys.argv[1:]
request = urllib.request.Request(
    base + "/api/v1/auth/token",
    data=json.dumps({"username": username, "password": password}).encode(),
    headers={"Content-Type": "application/json"},
)
print(json.load(urllib.request.urlopen(request))["token"])
EOF
}
admin=$(token admin)
customer=$(token helios)
inspector=$(token inspector)
throwaway=$(token admin)

# Ids of the demo's records, which the fuzz uses for path and query
# parameters in most of its cases (random ids would mostly meet a 404 and
# never reach the code behind it).
config="$work/schemathesis.toml"
"$python" - "$base" "$admin" >"$config" <<'EOF'
import json, sys, urllib.request
base, token = sys.argv[1:]

def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(request))

products = get("/api/v1/products?per_page=200")["items"]
orders = get("/api/v1/orders?per_page=200")["items"]
batches = [b["id"] for o in orders for b in get(f"/api/v1/orders/{o['id']}/batches")["items"]]
readings, inspections, photos = [], [], []
for batch in batches[:3]:
    readings += [m["id"] for m in get(f"/api/v1/batches/{batch}/measurements?per_page=5")["items"]]
    found = get(f"/api/v1/batches/{batch}/inspections?per_page=5")["items"]
    inspections += [i["id"] for i in found]
    photos += [p["id"] for i in found for p in i["photos"]]
reports = [r for o in orders for r in get(f"/api/v1/orders/{o['id']}/reports")]
users = [u["id"] for u in get("/api/v1/users") if u["username"] != "admin"]
dictionaries = {
    "customers": [c["id"] for c in get("/api/v1/customers?per_page=200")["items"]],
    "products": [p["id"] for p in products],
    "orders": [o["id"] for o in orders],
    "batches": batches,
    "measurements": readings,
    "inspections": inspections,
    "photos": photos or [1],
    "users": users,
    "revisions": sorted({r["revision"] for r in reports}) or [1],
    "sha256": [r["sha256"] for r in reports] or ["0" * 64],
    "characteristics": sorted({c["code"] for p in products for c in p["characteristics"]}) + ["visual"],
    "chart_kinds": ["xbar-r", "xbar-s", "i-mr", "p", "u"],
    "batch_charts": [f"{n}.{f}" for n in ["histogram", "chromaticity", "oc-curve", "pareto"] for f in ["svg", "png"]],
    "order_charts": [f"{n}.{f}" for n in ["histogram", "chromaticity", "pareto", "yield"] for f in ["svg", "png"]],
    "product_charts": ["control-chart.svg", "control-chart.png"],
    # Calculator inputs: values of the standard's tables and real colours.
    "lot_sizes": [2, 50, 500, 3200, 150000, 1000000],
    "sample_sizes": [5, 50, 80, 200],
    "accept_numbers": [0, 1, 2, 5],
    "aql": [0.065, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0],
    "levels": ["S-1", "S-2", "S-3", "S-4", "I", "II", "III"],
    "severities": ["normal", "tightened", "reduced"],
    "models": ["hypergeometric", "binomial", "poisson"],
    "fractions": ["0.01,0.05,0.1", "0", "0.5", "1"],
    "cie_x": [0.4578, 0.4338, 0.3818, 0.3127],
    "cie_y": [0.4101, 0.4030, 0.3797, 0.3290],
}
# No state kept between runs (a run is its seed's), nor files left behind.
print("[cache]\nenabled = false\n")
for name, values in dictionaries.items():
    print(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")

def bind(**parameters):
    return ", ".join(
        f'"{key.replace("_", ".", 1)}" = {{ dictionary = "{name}", probability = 0.8 }}'
        for key, name in parameters.items()
    )

# Each path's record id, and what its query names (one entry per path).
operations = [
    (r"^/api/v1/customers/\{id\}", bind(path_id="customers")),
    (r"^/api/v1/products/\{id\}/charts/", bind(path_id="products", path_chart="product_charts",
                                                   query_characteristic="characteristics", query_chart="chart_kinds")),
    (r"^/api/v1/products/\{id\}(?!/charts/)", bind(path_id="products", query_characteristic="characteristics",
                                            query_chart="chart_kinds")),
    (r"^/api/v1/orders/\{id\}/charts/", bind(path_id="orders", path_chart="order_charts",
                                                 query_characteristic="characteristics")),
    (r"^/api/v1/orders/\{id\}/reports/", bind(path_id="orders", path_revision="revisions")),
    (r"^/api/v1/orders/\{id\}(?!/charts/|/reports/)", bind(path_id="orders")),
    (r"^/api/v1/batches/\{id\}/charts/", bind(path_id="batches", path_chart="batch_charts",
                                                  query_characteristic="characteristics")),
    (r"^/api/v1/batches/\{id\}(?!/charts/)", bind(path_id="batches", query_characteristic="characteristics")),
    (r"^/api/v1/measurements/\{id\}", bind(path_id="measurements")),
    (r"^/api/v1/inspections/\{id\}", bind(path_id="inspections")),
    (r"^/api/v1/photos/\{id\}", bind(path_id="photos")),
    (r"^/api/v1/users/\{id\}", bind(path_id="users")),
    (r"^/api/v1/reports/verify/", bind(path_sha256="sha256")),
    (r"^/api/v1/(yields|orders)$", bind(query_product_id="products", query_order_id="orders",
                                        query_customer_id="customers")),
    (r"^/api/v1/sampling/iso2859-1$", bind(query_lot_size="lot_sizes", query_aql="aql", query_level="levels",
                                           query_inspection="severities")),
    (r"^/api/v1/sampling/oc-curve$", bind(query_lot_size="lot_sizes", query_sample_size="sample_sizes",
                                          query_accept="accept_numbers", query_model="models", query_p="fractions")),
    (r"^/api/v1/colorimetry$", bind(query_x="cie_x", query_y="cie_y", query_target_x="cie_x",
                                    query_target_y="cie_y")),
]
for regex, parameters in operations:
    print(f"[[operations]]\ninclude-path-regex = '{regex}'\nparameters = {{ {parameters} }}\n")
EOF

# Operations that end the session of the pass they run in.
not_ending=(--exclude-path /api/v1/auth/token --exclude-path-regex '^/api/v1/users/\{id\}/disable$')

failed=0
pass() {
    local name=$1 token=$2
    shift 2
    local left=$((budget - (SECONDS - started)))
    if [ "$left" -le 10 ]; then
        echo "fuzz: out of time before the $name pass (FUZZ_TIMEOUT=$budget)" >&2
        failed=1
        return
    fi
    echo "== fuzz: $name ($left s left)"
    local status=0
    # From the scratch directory, where Hypothesis leaves its files; in the
    # background, so that a signal to this script is handled at once.
    (cd "$work" && exec timeout --kill-after=10 "$left" "$schemathesis" --config-file "$config" \
        run "$base/api/v1/openapi.json" \
        --url "$base" -H "Authorization: Bearer $token" \
        --checks all --exclude-checks positive_data_acceptance \
        --max-examples "$examples" --seed "$seed" --generation-database none \
        --request-timeout 120 --max-response-time 120 --workers 1 --no-color \
        "$@") &
    runner=$!
    wait "$runner" || status=$?
    runner=
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "fuzz: the $name pass ran out of time (FUZZ_TIMEOUT=$budget)" >&2
    fi
    [ "$status" -eq 0 ] || failed=1
}

pass "admin" "$admin" "${not_ending[@]}"
pass "customer" "$customer" "${not_ending[@]}"
pass "sign-in and sign-out" "$inspector" --include-path /api/v1/auth/token
pass "disabling users" "$throwaway" --include-path-regex '^/api/v1/users/\{id\}/disable$'

if ! kill -0 "$server" 2>/dev/null; then
    echo "fuzz: the server died:" >&2
    tail -50 "$work/server.log" >&2
    failed=1
fi
echo "fuzz: done in $((SECONDS - started)) s"
if [ "$failed" -ne 0 ]; then
    echo "fuzz: FAILED; the server's log:" >&2
    grep -E 'ERROR|panicked' "$work/server.log" | tail -40 >&2 || true
    exit 1
fi
