#!/usr/bin/env python3
"""What lotcheck's own tables cost to fill, beside the plain bulk insert of
../shared/perf/raw_insert: the floor under `lotcheck import`.

raw_insert stores a reading as (batch, unit, characteristic name, value) in
a table with no index. lotcheck stores one with who recorded it, under its
import (without a client id: an imported reading is answered under one
derived from its row id; and without a receipt time: it has its import's),
with foreign keys checked, the B-tree
that recording and reading need (`measurements_version`), and one row of
derived colour per unit. This script fills both with the
same readings, by the same loop (Python's sqlite3, one transaction, one
prepared statement per table, every value prepared before the clock
starts), so the ratio of the two is what the schema alone costs; then it
runs `lotcheck import` of the same file into the same kind of database.

Run from the project's root after `cargo build --release`:

    python3 scripts/schema_floor.py [UNITS]      (default 100000)
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.argv = [sys.argv[0], "sqlite", *sys.argv[1:2]]
import import_report as ir  # noqa: E402  (its main() runs only as a script)

CODES = ["flux_lm", "power_w", "cie_x", "cie_y", "cri_ra", "length_mm"]
RECORDED_AT = "2026-12-05 12:00:00.000000"


def readings(src):
    with open(src) as f:
        next(f)
        for line in f:
            cells = line.rstrip("\n").split(",")
            yield int(cells[0]), [float(v) for v in cells[1:]]


def open_db(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                       "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384;")
    return conn


def fill_raw(path, rows):
    conn = open_db(path)
    conn.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, "
                 "unit INTEGER NOT NULL, characteristic TEXT NOT NULL, value REAL NOT NULL)")
    values = [(unit, CODES[i], v) for unit, vs in rows for i, v in enumerate(vs)]
    t = time.monotonic()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO readings (batch_id, unit, characteristic, value) VALUES (1, ?, ?, ?)", values)
    conn.execute("COMMIT")
    return time.monotonic() - t


def fill_lotcheck(path, batch_id, rows):
    conn = open_db(path)
    ids = dict(conn.execute("SELECT code, id FROM characteristics"))
    user = conn.execute("SELECT MIN(id) FROM users").fetchone()[0]
    first = (conn.execute("SELECT MAX(id) FROM measurements").fetchone()[0] or 0) + 1
    conn.execute("INSERT INTO imports (batch_id, sha256, filename, rows_read, readings, imported_by, imported_at) "
                 "VALUES (?, 'floor', 'all.csv', ?, ?, ?, ?)", (batch_id, len(rows), 6 * len(rows), user, RECORDED_AT))
    import_id = conn.execute("SELECT MAX(id) FROM imports").fetchone()[0]
    values, colours = [], []
    for unit, vs in rows:
        base = first + len(values)
        for i, v in enumerate(vs):
            values.append((batch_id, unit, ids[CODES[i]], v, user, import_id))
        colours.append((batch_id, unit, base + 2, base + 3, 2725.0, 0.001, 1.5))
    t = time.monotonic()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO measurements (batch_id, unit, characteristic_id, value, "
                     "recorded_by, import_id) VALUES (?, ?, ?, ?, ?, ?)", values)
    conn.executemany("INSERT INTO derived_colours (batch_id, unit, x_measurement_id, y_measurement_id, "
                     "cct_k, duv, macadam_steps) VALUES (?, ?, ?, ?, ?, ?, ?)", colours)
    conn.execute("COMMIT")
    return time.monotonic() - t


def main():
    vp = ir.load_vs_peer()
    work = tempfile.mkdtemp(prefix="floor-")
    try:
        src = os.path.join(work, "all.csv")
        subprocess.run([sys.executable, os.path.join(ir.PERF, "gen_readings.py"), str(ir.UNITS), src, "1"],
                       check=True)
        rows = list(readings(src))
        url = os.path.join(work, "lotcheck.db")
        srv = ir.server(vp, work, url)
        order = ir.product(srv, vp, "1")
        batch = srv.call(f"/orders/{order['id']}/batches", {"lot_size": ir.UNITS})
        srv.call(f"/batches/{batch['id']}/sampling-plan", {"method": "percent", "percent": 100, "seed": 1})
        srv.stop()
        shutil.copy(url, os.path.join(work, "import.db"))

        raw_s = fill_raw(os.path.join(work, "raw.db"), rows)
        schema_s = fill_lotcheck(url, batch["id"], rows)
        env = dict(os.environ, DATABASE_URL=os.path.join(work, "import.db"), LOTCHECK_LOG="warn")
        t = time.monotonic()
        subprocess.run([ir.BIN, "import", "--batch", str(batch["id"]), src], env=env, check=True,
                       capture_output=True)
        import_s = time.monotonic() - t
        n = len(rows) * len(CODES)
        print(f"{n:,} readings of {len(rows):,} units")
        print(f"plain bulk insert, raw_insert's table  : {raw_s:6.2f} s")
        print(f"plain bulk insert, lotcheck's tables   : {schema_s:6.2f} s  ({raw_s / schema_s:.3f} of the first)")
        print(f"lotcheck import (process, checks, colour): {import_s:6.2f} s  "
              f"({raw_s / import_s:.3f} of the first, {schema_s / import_s:.3f} of the second)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
