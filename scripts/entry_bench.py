#!/usr/bin/env python3
"""The inspector app's entry path, measured in headless Chromium against a
release build on SQLite, each figure beside its ceiling from the same run:

1. A value typed into the grid until it is stored: the change event, the
   entry kept in IndexedDB, sent with its CSRF token, the answer, the entry
   removed and the grid redrawn. Ceiling: the same reading POSTed by the
   page with a bare fetch (the API round trip from the browser alone).
2. 500 entries made while the server was down, flushed after it is back
   (oldest first, one request each, as the app sends them). Ceiling: the
   same 500 requests sent by a bare fetch loop from the page.

    cargo build --release && python3 scripts/entry_bench.py
Needs chromium, chromium-driver and `pip install selenium`.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BIN = os.path.abspath(os.environ.get("LOTCHECK_BIN", "target/release/lotcheck"))
PORT = 18801
BASE = f"http://127.0.0.1:{PORT}"
ADMIN, INSPECTOR, PASSWORD = "admin", "inspector", "bench-password-2026"


def api(method, path, body=None, token=None):
    request = urllib.request.Request(BASE + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def serve(database):
    env = dict(os.environ, DATABASE_URL=database, LOTCHECK_LOG="warn")
    process = subprocess.Popen([BIN, "serve", "--bind", f"127.0.0.1:{PORT}"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(BASE + "/healthz")
            return process
        except OSError:
            time.sleep(0.05)
    sys.exit("the server did not start")


def set_up(database):
    env = dict(os.environ, DATABASE_URL=database, LOTCHECK_LOG="warn")
    subprocess.run([BIN, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    for name, role in [(ADMIN, "admin"), (INSPECTOR, "inspector")]:
        subprocess.run([BIN, "user", "add", "--username", name, "--role", role, "--password-stdin"],
                       env=env, input=PASSWORD.encode(), check=True, stdout=subprocess.DEVNULL)
    server = serve(database)
    token = api("POST", "/api/v1/auth/token", {"username": ADMIN, "password": PASSWORD})["token"]
    customer = api("POST", "/api/v1/customers", {"name": "Bench Lighting"}, token)
    product = api("POST", "/api/v1/products", {
        "code": "A60-BENCH", "name": "A60 bench", "customer_id": customer["id"],
        "characteristics": [
            {"code": "flux", "name": "Luminous flux", "unit": "lm", "kind": "variable", "lsl": 725, "usl": 887, "severity": "major"},
            {"code": "power", "name": "Input power", "unit": "W", "kind": "variable", "lsl": 8.1, "usl": 9.9, "severity": "major"},
            {"code": "lights_up", "name": "Lights up", "kind": "attribute", "severity": "critical"},
            {"code": "x", "name": "Chromaticity x", "kind": "variable", "severity": "minor", "quantity": "cie_x"},
            {"code": "y", "name": "Chromaticity y", "kind": "variable", "severity": "minor", "quantity": "cie_y"},
            {"code": "cct", "name": "CCT", "unit": "K", "kind": "variable", "severity": "major", "quantity": "cct_k"},
        ]}, token)
    order = api("POST", "/api/v1/orders", {"customer_id": customer["id"], "product_id": product["id"],
                                            "po_number": "BENCH-1", "quantity": 5000}, token)
    batch = api("POST", f"/api/v1/orders/{order['id']}/batches", {"lot_size": 5000}, token)["id"]
    api("POST", f"/api/v1/batches/{batch}/sampling-plan", {"method": "percent", "seed": 1}, token)
    units = api("GET", f"/api/v1/batches/{batch}/worksheet", token=token)["units"]
    return server, batch, units


def browser():
    options = webdriver.ChromeOptions()
    for arg in ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"]:
        options.add_argument(arg)
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")),
                              options=options)
    driver.set_script_timeout(600)
    return driver


# In the page: one grid cell typed (value set, change fired) until stored.
TYPED = """
const [key, value, done] = arguments;
const input = document.querySelector(`#grid input[data-key="${key}"]`);
input.value = value;
const t0 = performance.now();
input.dispatchEvent(new Event('change'));
// Stored: the entry was kept on the tablet, is gone from it (the server
// answered), and the grid shows the cell as stored, no longer pending.
let kept = false;
const wait = () => {
  const cell = document.querySelector(`#grid input[data-key="${key}"]`);
  const waiting = window.lotcheck.entries().length;
  if (waiting > 0) kept = true;
  if (kept && waiting === 0 && cell && cell.readOnly && !cell.classList.contains('pending')) done(performance.now() - t0);
  else setTimeout(wait, 1);
};
wait();
"""

# In the page: the same kind of reading by a bare fetch.
BARE = """
const [batch, readings, done] = arguments;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const times = [];
(async () => {
  for (const r of readings) {
    const t0 = performance.now();
    const answer = await fetch(`/api/v1/batches/${batch}/measurements`, {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify({measurements: [{id: window.lotcheck.uuid(), unit: r[0], characteristic: r[1], value: r[2]}]})});
    if (answer.status !== 201) throw new Error(`bare fetch answered ${answer.status}`);
    times.push(performance.now() - t0);
  }
  done(times);
})().catch((e) => done(String(e)));
"""

# In the page: entries kept while the server is down.
KEEP = """
const [batch, readings, done] = arguments;
(async () => {
  for (const r of readings) {
    await window.lotcheck.keep(window.lotcheck.readingsEntry(batch, r[0],
      [{id: window.lotcheck.uuid(), unit: r[0], characteristic: r[1], value: r[2], taken_at: new Date().toISOString()}]));
  }
  await window.lotcheck.refreshEntries();
  done(window.lotcheck.entries().length);
})().catch((e) => done(String(e)));
"""

FLUSH = """
const done = arguments[0];
const t0 = performance.now();
(async () => {
  while (window.lotcheck.entries().some((e) => e.state === 'pending')) {
    await window.lotcheck.flush();
    await new Promise((r) => setTimeout(r, 1));
  }
  done([performance.now() - t0, window.lotcheck.entries().length]);
})().catch((e) => done(String(e)));
"""


def summary(times):
    times = sorted(times)
    return f"median {statistics.median(times):.1f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms (n={len(times)})"


def main():
    work = tempfile.mkdtemp()
    database = os.path.join(work, "bench.db")
    server, batch, units = set_up(database)
    driver = browser()
    try:
        driver.get(BASE + "/login")
        driver.find_element(By.ID, "username").send_keys(INSPECTOR)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "header form"))
        driver.get(f"{BASE}/inspect/batches/{batch}")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-tab=grid]"))
        driver.find_element(By.CSS_SELECTOR, "[data-tab=grid]").click()
        # Typed into the grid: flux and power of the first 50 units.
        typed = []
        for unit in units[:50]:
            for code, value in [("flux", "801.5"), ("power", "9.02")]:
                typed.append(driver.execute_async_script(TYPED, f"{unit}:{code}", value))
        bare = driver.execute_async_script(BARE, batch, [[u, "x", 0.4578] for u in units[:50]]
                                           + [[u, "y", 0.4101] for u in units[:50]])
        if isinstance(bare, str):
            sys.exit(bare)
        print(f"typed value to stored (grid, 100 values): {summary(typed)}")
        print(f"ceiling, bare fetch of one reading:        {summary(bare)}")
        print(f"ratio of medians: {statistics.median(typed) / statistics.median(bare):.2f}")

        # 500 entries while the server is down, flushed when it is back.
        server.terminate()
        server.wait()
        pending = [[u, "flux", 800.0] for u in units[50:500]] + [[u, "power", 9.0] for u in units[50:100]]
        kept = driver.execute_async_script(KEEP, batch, pending)
        if kept != 500:
            sys.exit(f"expected 500 entries kept, found {kept}")
        server = serve(database)
        flushed = driver.execute_async_script(FLUSH)
        if isinstance(flushed, str) or flushed[1] != 0:
            sys.exit(f"flush failed: {flushed}")
        again = [[u, "x", 0.4578] for u in units[50:500]] + [[u, "y", 0.4101] for u in units[50:100]]
        bare = driver.execute_async_script(BARE, batch, again)
        if isinstance(bare, str):
            sys.exit(bare)
        print(f"flush of 500 pending entries after reconnecting: {flushed[0] / 1000:.2f} s "
              f"({flushed[0] / 500:.1f} ms per entry)")
        print(f"ceiling, 500 bare fetches in a loop:             {sum(bare) / 1000:.2f} s "
              f"({sum(bare) / 500:.1f} ms per request)")
        print(f"ratio: {flushed[0] / sum(bare):.2f}")
    finally:
        driver.quit()
        server.terminate()


if __name__ == "__main__":
    main()
