"""Audits the main pages of each role with axe-core (Deque's WCAG rules
engine) in headless Chromium at portrait-tablet size, in Chinese, against
WCAG 2.0 and 2.1 levels A and AA; prints each page's violations and exits
non-zero when there are any.

Usage, with a demo server running and axe-core from npm:
    cargo run --release -- serve --demo --bind 127.0.0.1:8123 &
    npm pack axe-core@4 && tar xzf axe-core-*.tgz
    python scripts/accessibility-audit.py http://127.0.0.1:8123 package/axe.min.js
"""

import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.common.by import By

RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    ("lead", "demo-lead-2026", ["/dashboard", "/orders", "/orders/1", "/batches/1",
                                "/orders/1/report", "/orders/1/report/issue",
                                "/products/1/control-chart"]),
    ("admin", "demo-admin-2026", ["/admin/users", "/admin/customers", "/admin/suppliers",
                                  "/admin/products", "/admin/defects"]),
    ("helios", "demo-customer-2026", ["/orders", "/orders/1", "/orders/1/report"]),
    ("inspector", "demo-inspector-2026", ["/inspect"]),
]


def main(base: str, axe_path: str) -> int:
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--window-size=820,1180", "--lang=zh-CN"]:
        options.add_argument(argument)
    browser = webdriver.Chrome(options=options)
    axe = open(axe_path, encoding="utf-8").read()
    found = 0
    try:
        for user, password, paths in PAGES:
            browser.delete_all_cookies()
            browser.get(base + "/login")
            browser.find_element(By.NAME, "username").send_keys(user)
            browser.find_element(By.NAME, "password").send_keys(password)
            browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            time.sleep(1)
            for path in paths + ["/no-such-page"]:
                browser.get(base + path)
                time.sleep(0.5)
                browser.execute_script(axe)
                violations = browser.execute_async_script(
                    "const done = arguments[arguments.length - 1];"
                    "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
                    ".then(r => done(r.violations.map(v => [v.id, v.impact,"
                    " v.nodes.map(n => n.target.join(' '))])))",
                    RULES,
                )
                found += len(violations)
                print(user, path, json.dumps(violations, ensure_ascii=False))
    finally:
        browser.quit()
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
