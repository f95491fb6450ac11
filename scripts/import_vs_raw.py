#!/usr/bin/env python3
"""The import against its ceiling, repeated: `lotcheck import` of one wide CSV
(UNITS rows x 6 readings) into one batch with a 100% plan, each run beside a
run of the plain bulk insert (`../shared/perf/raw_insert`) on the same file,
RUNS pairs in turn. One pair, as `../shared/perf/vs_peer.py` takes it, swings
with the machine (the bulk insert alone has taken from 0.3 to 0.7 s on one
machine in one hour); the median and the spread of several pairs say where
the ratio stands.

    scripts/import_vs_raw.py [RUNS] [UNITS]      (defaults 8, 100000)

Run from the project's root after `cargo build --release`. With BASELINE_BIN
set to another build of lotcheck, each pair also runs that build's import
(the three in turn, the two builds taking turns at going first: give an
even RUNS), to compare two builds on the same file and machine; the
database is set up by this build's migrations.
The batch, its product and the file are set up as `vs_peer.py` does, with its
own code (its `Server`, `CHARS`, `timed` and `helpers`), so the two measure
the same thing."""
import os
import shutil
import statistics
import sys
import tempfile

PERF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "perf")
VS_PEER = os.path.abspath(os.path.join(PERF, "vs_peer.py"))


def vs_peer():
    """vs_peer.py's definitions, without running its comparison (the script
    ends by calling `main()`)."""
    source = open(VS_PEER).read().rstrip()
    if not source.endswith("\nmain()"):
        sys.exit(f"{VS_PEER} no longer ends by calling main(): read it differently here")
    source = source[: -len("main()")]
    names = {"__file__": VS_PEER, "__name__": "vs_peer"}
    argv, sys.argv = sys.argv, sys.argv[:1]
    exec(compile(source, VS_PEER, "exec"), names)
    sys.argv = argv
    return names


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    peer = vs_peer()
    # Builds raw_insert if need be; with PEER_PYTHON set it makes no
    # environment for the peer, which this script does not run.
    os.environ.setdefault("PEER_PYTHON", sys.executable)
    peer["helpers"]()
    builds = {"lotcheck": peer["BIN"]}
    if os.environ.get("BASELINE_BIN"):
        builds["baseline"] = os.path.abspath(os.environ["BASELINE_BIN"])
    work = tempfile.mkdtemp(prefix="import-vs-raw-")
    try:
        src = os.path.join(work, "all.csv")
        peer["subprocess"].run([sys.executable, os.path.join(PERF, "gen_readings.py"), str(units), src, "1"],
                               check=True)
        srv = peer["Server"](work)
        try:
            c = srv.call("/customers", {"name": "Perf Lighting"})
            p = srv.call("/products", {"code": "PERF-A60", "name": "A60 perf", "customer_id": c["id"],
                                       "params": {"target_x": 0.4578, "target_y": 0.4101},
                                       "characteristics": peer["CHARS"]})
            o = srv.call("/orders", {"customer_id": c["id"], "product_id": p["id"], "po_number": "PERF-1",
                                     "quantity": units})
            batch = srv.call(f"/orders/{o['id']}/batches", {"lot_size": units})["id"]
            srv.call(f"/batches/{batch}/sampling-plan", {"method": "percent", "percent": 100, "seed": 1})
        finally:
            srv.stop()
        template = os.path.join(work, "srv.db")
        raw_times, import_times = [], {name: [] for name in builds}
        for run in range(1, runs + 1):
            raw_s, _ = peer["timed"]([peer["RAW"], src, os.path.join(work, "raw.db")])
            raw_times.append(raw_s)
            line = f"run {run}: bulk insert {raw_s:.3f} s"
            # Builds take turns at going first after the bulk insert.
            order = list(builds.items())
            order = order[run % len(order):] + order[:run % len(order)]
            for name, binary in order:
                db = os.path.join(work, f"{name}.db")
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(db + suffix):
                        os.remove(db + suffix)
                shutil.copy(template, db)
                env = dict(os.environ, DATABASE_URL=db, LOTCHECK_LOG="warn")
                import_s, mib = peer["timed"]([binary, "import", "--batch", str(batch), src], env=env)
                import_times[name].append(import_s)
                line += f"; {name} import {import_s:.3f} s ({raw_s / import_s:.3f}, {mib:.0f} MiB)"
            print(line, flush=True)
        for name, times in import_times.items():
            ratios = sorted(r / i for r, i in zip(raw_times, times))
            print(f"{name}: import {statistics.median(times):.3f} s median "
                  f"({min(times):.3f}-{max(times):.3f}); ratio to the bulk insert of its pair "
                  f"median {statistics.median(ratios):.3f}, {ratios[0]:.3f}-{ratios[-1]:.3f}, "
                  f"{sum(r >= 0.5 for r in ratios)} of {len(ratios)} at or above 0.5")
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
