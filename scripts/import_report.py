#!/usr/bin/env python3
"""The import and report work of ../shared/perf/vs_peer.py on either
backend, for the PostgreSQL figures in BENCHMARKS.md (vs_peer.py itself runs
SQLite only). Run from the project's root after `cargo build --release`:

    python3 scripts/import_report.py postgres://postgres@127.0.0.1:5432 [UNITS] [BATCH]
    python3 scripts/import_report.py sqlite [UNITS] [BATCH]

1. `lotcheck import` of gen_readings.py's file (UNITS rows x 6 readings)
   into one batch with a 100% plan;
2. the same readings as UNITS/BATCH batches imported over HTTP, then the
   order's draft report PDF, with the server's peak memory.
A PostgreSQL database `lotcheck_perf` is dropped and made again for each part."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PERF = os.path.join(HERE, "..", "..", "shared", "perf")
sys.path.insert(0, PERF)
TARGET = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
UNITS = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
BATCH = int(sys.argv[3]) if len(sys.argv) > 3 else 500
BIN = os.path.abspath("target/release/lotcheck")


def load_vs_peer():
    """vs_peer.py's Server, CHARS and multipart, without running its main."""
    source = open(os.path.join(PERF, "vs_peer.py")).read()
    source = source[: source.rindex("\nmain()")]
    scope = {"__file__": os.path.join(PERF, "vs_peer.py"), "__name__": "vs_peer"}
    argv, sys.argv = sys.argv, [sys.argv[0], str(UNITS), str(BATCH)]
    try:
        exec(compile(source, "vs_peer.py", "exec"), scope)
    finally:
        sys.argv = argv
    return scope


def database(work, name):
    if TARGET == "sqlite":
        return os.path.join(work, f"{name}.db")
    subprocess.run(["psql", "-q", f"{TARGET}/postgres", "-c", "DROP DATABASE IF EXISTS lotcheck_perf",
                    "-c", "CREATE DATABASE lotcheck_perf"], check=True)
    return f"{TARGET}/lotcheck_perf"


def server(vp, work, url):
    """vs_peer's Server (migrate, admin user, serve, token) on `url`: its
    binary is swapped for a wrapper that points DATABASE_URL there."""
    wrapper = os.path.join(work, "lotcheck-on-url")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nDATABASE_URL="{url}" exec "{BIN}" "$@"\n')
    os.chmod(wrapper, 0o755)
    vp["BIN"] = wrapper
    return vp["Server"](work)


def product(srv, vp, tag):
    c = srv.call("/customers", {"name": f"Perf Lighting {tag}"})
    p = srv.call("/products", {"code": f"PERF-{tag}", "name": "A60 perf", "customer_id": c["id"],
                               "params": {"target_x": 0.4578, "target_y": 0.4101}, "characteristics": vp["CHARS"]})
    return srv.call("/orders", {"customer_id": c["id"], "product_id": p["id"], "po_number": f"PERF-{tag}",
                                "quantity": UNITS})


def main():
    vp = load_vs_peer()
    work = tempfile.mkdtemp(prefix="perf-")
    try:
        src = os.path.join(work, "all.csv")
        subprocess.run([sys.executable, os.path.join(PERF, "gen_readings.py"), str(UNITS), src, "1"], check=True)

        url = database(work, "imp")
        srv = server(vp, work, url)
        o = product(srv, vp, "1")
        big = srv.call(f"/orders/{o['id']}/batches", {"lot_size": UNITS})
        srv.call(f"/batches/{big['id']}/sampling-plan", {"method": "percent", "percent": 100, "seed": 1})
        srv.stop()
        env = dict(os.environ, DATABASE_URL=url, LOTCHECK_LOG="warn")
        t = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", BIN, "import", "--batch", str(big["id"]), src],
                           env=env, capture_output=True, text=True)
        imp_s = time.monotonic() - t
        if r.returncode != 0:
            sys.exit(r.stderr[-500:])
        imp_mb = int(r.stderr.strip().splitlines()[-1]) / 1024

        url = database(work, "report")
        srv = server(vp, work, url)
        o = product(srv, vp, "2")
        lines = open(src).read().splitlines()
        header, rows = lines[0], lines[1:]
        slices = []
        for b in range(UNITS // BATCH):
            batch = srv.call(f"/orders/{o['id']}/batches", {"lot_size": BATCH})
            srv.call(f"/batches/{batch['id']}/sampling-plan", {"method": "percent", "percent": 100, "seed": b})
            path = os.path.join(work, f"b{b}.csv")
            with open(path, "w") as f:
                f.write(header + "\n")
                for i, row in enumerate(rows[b * BATCH:(b + 1) * BATCH]):
                    f.write(f"{i + 1}," + row.split(",", 1)[1] + "\n")
            slices.append((batch["id"], path))
        t = time.monotonic()
        for bid, path in slices:
            body, ctype = vp["multipart"](path)
            srv.call(f"/batches/{bid}/imports", raw=body, ctype=ctype)
        http_s = time.monotonic() - t
        t = time.monotonic()
        pdf = srv.call(f"/orders/{o['id']}/report.pdf?draft=true")
        rep_s = time.monotonic() - t
        hwm = srv.hwm()
        srv.stop()
        readings = UNITS * 6
        print(f"backend {TARGET.split(':')[0]}: {readings:,} readings")
        print(f"lotcheck import    : {imp_s:7.2f} s  {readings / imp_s:10,.0f} readings/s  {imp_mb:6.0f} MiB")
        print(f"HTTP import of {UNITS // BATCH} files: {http_s:.2f} s; report.pdf {rep_s:.2f} s "
              f"({len(pdf):,} bytes); server peak {hwm:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
