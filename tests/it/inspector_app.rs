//! The inspector's app, end to end in headless Chromium: an inspector
//! signs in, records every drawn unit through the unit form, the grid and
//! an instrument's CSV, marks a tray passed, records defects with a photo;
//! then the connection drops (a proxy between the browser and the server is
//! cut), the inspector keeps working, the page shows the entries pending,
//! the connection returns and they arrive exactly once; an entry that
//! conflicts with what someone else recorded meanwhile is shown, not lost.
//! The API's statistics then match what was typed.
//!
//! With `LOTCHECK_SCREENSHOTS=<dir>` the run also saves each screen at
//! tablet size, portrait and landscape (the README's pictures come from
//! `LOTCHECK_SCREENSHOTS=docs/screens cargo test --test it -- inspector_app::`).

use crate::browser::{
    browser, chromedriver, click, is_not_ready, is_stale, js, screens, text_of, type_into, until,
    TABLET,
};
use crate::common::{self, stats_of, Backend, TestApp, PASSWORD};
use fantoccini::{Client, Locator};
use lotcheck::domain::access::Role;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy that can be cut: while down it drops every connection, open
/// ones included, as a factory's Wi-Fi does.
struct Proxy {
    url: String,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let (accepting, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: the browser sees the connection fail
                }
                let mut cut_now = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_now.changed() => {}
                    }
                });
            }
        });
        Proxy { url, up, cut }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Opens a batch's entry page through the proxy.
async fn open_batch(browser: &Client, proxy: &Proxy, batch: i64) {
    browser
        .goto(&proxy.url(&format!("/inspect/batches/{batch}")))
        .await
        .unwrap();
}

/// Entries kept on the tablet in a state.
const PENDING: &str = "window.lotcheck.entries().filter(e => e.state === 'pending').length";
const REFUSED: &str = "window.lotcheck.entries().filter(e => e.state === 'refused').length";

async fn sign_in(browser: &Client, proxy: &Proxy, username: &str) {
    browser.goto(&proxy.url("/login")).await.unwrap();
    for (id, text) in [("username", username), ("password", PASSWORD)] {
        let field = browser.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }
    browser
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("header form"))
        .await
        .unwrap();
}

/// Types into the focused control, then presses Enter. The page redraws
/// a form when an entry is sent (keeping what is typed and the focus), so
/// a control found a moment ago may have been replaced, or be mid-redraw
/// and not yet usable: find it again.
async fn type_and_enter(browser: &Client, text: &str) {
    for _ in 0..20 {
        let focused = browser.active_element().await.unwrap();
        match focused.send_keys(&format!("{text}\u{E007}")).await {
            Ok(()) => return,
            Err(e) if is_stale(&e) || is_not_ready(&e) => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("typing {text}: {e}"),
        }
    }
    panic!("the focused control kept being replaced while typing {text}");
}

/// One unit's readings as typed: flux, power, lights up (pass), x, y.
struct Typed {
    flux: f64,
    power: f64,
    x: f64,
    y: f64,
}

fn typed_for(i: usize) -> Typed {
    // Decimal values as an instrument shows them (no binary noise to type).
    let i = i as f64;
    Typed {
        flux: (7900.0 + 35.0 * i) / 10.0,
        power: (890.0 + 5.0 * i) / 100.0,
        x: (4578.0 + 4.0 * i) / 10_000.0,
        y: (4101.0 - 3.0 * i) / 10_000.0,
    }
}

/// Types a unit's readings through the unit form, by keyboard only: Enter
/// moves to the next field, Enter on Pass presses it, and Enter after the
/// last field saves the unit and opens the next, which says so.
async fn unit_by_keyboard(browser: &Client, unit: i64, typed: &Typed) {
    until(
        browser,
        "the unit's form",
        &format!("document.querySelector('#unit-form h2') && document.querySelector('#unit-form h2').textContent.includes('Unit {unit}') && document.querySelector('#f-flux')"),
    )
    .await;
    click(browser, "#f-flux").await;
    type_and_enter(browser, &typed.flux.to_string()).await;
    type_and_enter(browser, &typed.power.to_string()).await;
    type_and_enter(browser, "").await; // Pass
    type_and_enter(browser, &typed.x.to_string()).await;
    type_and_enter(browser, &typed.y.to_string()).await;
    until(
        browser,
        "the next unit's form, saying the unit was saved",
        &format!(
            "!document.querySelector('#unit-form h2').textContent.includes('Unit {unit}') \
             && document.querySelector('#unit-saved').textContent === 'Readings saved for unit {unit}: 5.'"
        ),
    )
    .await;
}

/// A unit's defects on the visual tab: two scratches and a photo.
async fn record_defects(browser: &Client, unit: i64, photo: &std::path::Path) {
    js(
        browser,
        "document.querySelector('#visual-unit').value = ''; return 0;",
    )
    .await;
    type_into(browser, "#visual-unit", &unit.to_string()).await;
    for _ in 0..2 {
        click(browser, "[data-defect=scratch]").await;
    }
    type_into(browser, "#photo", photo.to_str().unwrap()).await;
    until(
        browser,
        "the photo's thumbnail",
        "document.querySelectorAll('#new-photos img').length === 1",
    )
    .await;
    click(browser, "#save-defects").await;
    until(
        browser,
        "the form cleared",
        "document.querySelectorAll('#new-photos img').length === 0",
    )
    .await;
}

fn colour_product(customer: &Value) -> Value {
    json!({
        "code": "A60-E27-9W-2700K", "name": "A60 E27 9 W 2700 K", "customer_id": customer["id"],
        "params": {"target_x": 0.4578, "target_y": 0.4101},
        "characteristics": [
            {"code": "flux", "name": "Luminous flux", "unit": "lm", "kind": "variable", "nominal": 806, "lsl": 725, "usl": 887, "severity": "major"},
            {"code": "power", "name": "Input power", "unit": "W", "kind": "variable", "nominal": 9, "lsl": 8.1, "usl": 9.9, "severity": "major"},
            {"code": "lights_up", "name": "Lights up", "kind": "attribute", "severity": "critical"},
            {"code": "x", "name": "Chromaticity x", "kind": "variable", "severity": "minor", "quantity": "cie_x"},
            {"code": "y", "name": "Chromaticity y", "kind": "variable", "severity": "minor", "quantity": "cie_y"},
            {"code": "cct", "name": "CCT", "unit": "K", "kind": "variable", "severity": "major", "quantity": "cct_k", "lsl": 2580, "usl": 2870},
            {"code": "duv", "name": "Duv", "kind": "variable", "severity": "major", "quantity": "duv", "lsl": -0.006, "usl": 0.006}
        ]
    })
}

/// The API's current value of a unit's reading.
fn current_value(readings: &Value, unit: i64, code: &str) -> Option<f64> {
    readings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["unit"] == unit && m["characteristic"] == code && m["superseded_by"].is_null())
        .map(|m| m["value"].as_f64().unwrap())
}

/// The app behind a proxy the test can cut, with a batch of 100 units of a
/// bulb with chromaticity and a scratch in its defect catalogue, 10% drawn.
async fn batch_to_record(backend: Backend) -> (TestApp, Proxy, i64) {
    let app = TestApp::spawn(backend).await;
    let upstream: SocketAddr = app.url("").trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start(upstream).await;
    let customer = app
        .create(
            "/api/v1/customers",
            json!({"name": "Helios Home Lighting Ltd"}),
        )
        .await;
    let product = app
        .create("/api/v1/products", colour_product(&customer))
        .await;
    app.create(
        "/api/v1/defect-types",
        json!({"family": product["family"], "code": "scratch", "name": "Scratch on housing", "severity": "minor"}),
    )
    .await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": "HHL-PO-0412", "quantity": 100}))
        .await;
    let batch = common::new_batch(&app, order["id"].as_i64().unwrap(), 100).await;
    app.create(
        &format!("/api/v1/batches/{batch}/sampling-plan"),
        json!({"method": "percent", "seed": 7}),
    )
    .await;
    (app, proxy, batch)
}

pub async fn an_inspector_records_a_batch_online_and_offline(backend: Backend) {
    let driver = chromedriver();
    let (app, proxy, batch) = batch_to_record(backend).await;
    let (_, sheet) = app.get(&format!("/api/v1/batches/{batch}/worksheet")).await;
    let units: Vec<i64> = sheet["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_i64().unwrap())
        .collect();
    assert_eq!(units.len(), 10, "10% of 100 units");
    app.add_user("inspector1", Role::Inspector, None);
    app.add_user("inspector2", Role::Inspector, None);

    let browser = browser(&driver).await;
    browser.set_window_size(1280, 800).await.unwrap();
    sign_in(&browser, &proxy, "inspector1").await;
    assert!(
        browser.current_url().await.unwrap().path() == "/inspect",
        "an inspector starts at the batches to record"
    );
    let list = text_of(&browser, "ul.work-list").await;
    let list = list.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(list.contains("PO HHL-PO-0412 · batch 1"), "{list}");
    assert!(
        list.contains("readings 0 of 10 units") && list.contains("visual 0 of 100"),
        "{list}"
    );
    screens(&browser, TABLET, "inspect-work-list", "body").await;

    // Unit by unit, keyboard only, in draw order.
    open_batch(&browser, &proxy, batch).await;
    let registered = browser
        .execute_async(
            "const done = arguments[0]; setTimeout(() => navigator.serviceWorker.getRegistration('/').then(r => done(JSON.stringify({i: r && r.installing && r.installing.state, w: r && r.waiting && r.waiting.state, a: r && r.active && r.active.state, c: !!navigator.serviceWorker.controller}))).catch(e => done(String(e))), 5000);",
            vec![],
        )
        .await
        .unwrap();
    eprintln!("service worker: {registered}");
    until(
        &browser,
        "the service worker",
        "navigator.serviceWorker.controller",
    )
    .await;
    for (i, &unit) in units[..3].iter().enumerate() {
        unit_by_keyboard(&browser, unit, &typed_for(i)).await;
    }
    until(&browser, "every entry sent", &format!("{PENDING} === 0")).await;
    // The first unit again: its values stored, its colour derived.
    open_batch(&browser, &proxy, batch).await;
    until(
        &browser,
        "the unit list",
        "document.querySelectorAll('#unit-list button.done').length === 3",
    )
    .await;
    js(&browser, &format!("[...document.querySelectorAll('#unit-list button')].find(b => b.textContent === '{}').click(); return 0;", units[0])).await;
    until(
        &browser,
        "the colour of the unit",
        "document.querySelector('.colour')",
    )
    .await;
    let colour = text_of(&browser, ".colour").await;
    assert!(
        colour.contains("CCT (K)")
            && colour.contains("MacAdam steps")
            && colour.contains("ANSI C78.377 bin"),
        "{colour}"
    );
    screens(&browser, TABLET, "inspect-unit-form", "nav.tabs").await;

    // A correction by keyboard: the value, Enter, the reason, Enter.
    click(
        &browser,
        "#unit-form .field[data-code=flux] .stored-actions button",
    )
    .await;
    type_and_enter(&browser, "791.5").await;
    type_and_enter(&browser, "re-measured after warm-up").await;
    until(&browser, "the correction sent", &format!("{PENDING} === 0 && document.querySelector('#unit-form .field[data-code=flux] .stored').textContent.startsWith('791.5')")).await;
    let (_, readings) = app
        .get(&format!(
            "/api/v1/batches/{batch}/measurements?unit={}&characteristic=flux",
            units[0]
        ))
        .await;
    assert_eq!(
        readings["total"], 2,
        "the first reading and its correction: {readings}"
    );
    assert_eq!(current_value(&readings, units[0], "flux"), Some(791.5));

    // The grid: type a cell, Tab to the next.
    click(&browser, "[data-tab=grid]").await;
    for (i, &unit) in units[3..5].iter().enumerate() {
        let t = typed_for(3 + i);
        for (code, text) in [
            ("flux", t.flux.to_string()),
            ("power", t.power.to_string()),
            ("lights_up", "0".to_string()),
            ("x", t.x.to_string()),
            ("y", t.y.to_string()),
        ] {
            let cell = format!("#grid input[data-key='{unit}:{code}']:not([readonly])");
            click(&browser, &cell).await;
            type_into(&browser, &cell, &format!("{text}\u{E004}")).await;
            until(&browser, "the cell sent", &format!("{PENDING} === 0 && document.querySelector(\"#grid input[data-key='{unit}:{code}']\").readOnly")).await;
        }
    }
    screens(&browser, TABLET, "inspect-grid", "nav.tabs").await;

    // An instrument's CSV: one bad row (refused, nothing stored), then good.
    click(&browser, "[data-tab=import]").await;
    let dir = tempfile::tempdir().unwrap();
    let (t5, t6) = (typed_for(5), typed_for(6));
    let csv = |flux6: &str| {
        format!(
            "unit,flux,power,lights_up,x,y\n{},{},{},0,{},{}\n{},{flux6},{},0,{},{}\n",
            units[5], t5.flux, t5.power, t5.x, t5.y, units[6], t6.power, t6.x, t6.y
        )
    };
    let bad = dir.path().join("sphere-bad.csv");
    std::fs::write(&bad, csv("81O.5")).unwrap();
    let good = dir.path().join("sphere.csv");
    std::fs::write(&good, csv(&t6.flux.to_string())).unwrap();
    let file = browser.find(Locator::Id("import-file")).await.unwrap();
    file.send_keys(bad.to_str().unwrap()).await.unwrap();
    until(
        &browser,
        "the column mapping",
        "document.querySelectorAll('.import-map select').length === 5",
    )
    .await;
    click(&browser, "#import-send").await;
    until(
        &browser,
        "the import's errors",
        "document.querySelector('#import-result .notice.bad')",
    )
    .await;
    let errors = text_of(&browser, "#import-result").await;
    assert!(
        errors.contains("Nothing was stored") && errors.contains("3") && errors.contains("flux"),
        "{errors}"
    );
    let (_, readings) = app
        .get(&format!(
            "/api/v1/batches/{batch}/measurements?unit={}",
            units[5]
        ))
        .await;
    assert_eq!(readings["total"], 0, "a refused file stores nothing");
    screens(&browser, TABLET, "inspect-import-errors", ".import-map").await;
    type_into(&browser, "#import-file", good.to_str().unwrap()).await;
    click(&browser, "#import-send").await;
    until(
        &browser,
        "the import stored",
        "document.querySelector('#import-result .notice.ok')",
    )
    .await;
    let stored = text_of(&browser, "#import-result").await;
    assert!(stored.contains("Stored 10 readings of 2 units"), "{stored}");

    // Final visual inspection: a tray passed, a unit's defects with a photo.
    let photo = dir.path().join("scratch.png");
    std::fs::write(&photo, common::png_photo(64, 48)).unwrap();
    click(&browser, "[data-tab=visual]").await;
    for (id, text) in [("range-first", "1"), ("range-last", "70")] {
        js(
            &browser,
            &format!("document.getElementById('{id}').value = ''; return 0;"),
        )
        .await;
        type_into(&browser, &format!("#{id}"), text).await;
    }
    click(&browser, "#mark-range").await;
    until(&browser, "the range sent, its ends cleared", &format!("{PENDING} === 0 && document.querySelector('.summary-line').textContent.startsWith('70 of 100') && document.getElementById('range-first').value === ''")).await;
    record_defects(&browser, 71, &photo).await;
    until(&browser, "the defects sent", &format!("{PENDING} === 0")).await;
    // A tray over units inspected already is held back (the service would
    // refuse it whole), and the trays around them are offered.
    for (id, text) in [("range-first", "60"), ("range-last", "80")] {
        type_into(&browser, &format!("#{id}"), text).await;
    }
    until(
        &browser,
        "the tray over inspected units held back",
        "document.querySelector('#mark-range').disabled \
         && document.querySelector('.range .bad').textContent.includes('60, 61, 62, 63, 64, …') \
         && document.querySelector('.range .bad').textContent.includes('72–80')",
    )
    .await;
    js(
        &browser,
        "for (const id of ['range-first', 'range-last']) { const i = document.getElementById(id); \
         i.value = ''; i.dispatchEvent(new Event('input')); } return 0;",
    )
    .await;
    screens(&browser, TABLET, "inspect-visual", ".summary-line").await;

    // The connection drops; the inspector goes on.
    proxy.down();
    click(&browser, "[data-tab=unit]").await;
    // A hand-held scanner types the unit's number and Enter.
    type_into(&browser, "#scan", &format!("{}\u{E007}", units[7])).await;
    for (i, &unit) in units[7..9].iter().enumerate() {
        unit_by_keyboard(&browser, unit, &typed_for(7 + i)).await;
    }
    // The last unit: only its flux, which someone else records meanwhile.
    until(
        &browser,
        "the last unit's form",
        &format!(
            "document.querySelector('#unit-form h2').textContent.includes('Unit {}')",
            units[9]
        ),
    )
    .await;
    // Saving a unit with nothing entered says so and stays on it: no unit is
    // passed over unsaid.
    click(&browser, "#unit-form .form-actions button").await;
    until(
        &browser,
        "the empty unit's message",
        &format!(
            "document.querySelector('#unit-message').textContent.includes('Nothing is entered for unit {unit}') \
             && document.querySelector('#unit-form h2').textContent.includes('Unit {unit}')",
            unit = units[9]
        ),
    )
    .await;
    type_into(&browser, "#f-flux", "800").await;
    click(&browser, "#unit-form .form-actions button").await;
    click(&browser, "[data-tab=visual]").await;
    record_defects(&browser, 72, &photo).await;
    until(
        &browser,
        "four entries pending",
        &format!("{PENDING} === 4"),
    )
    .await;
    let status = text_of(&browser, "#status").await;
    assert!(
        status.contains("Offline") && status.contains("4 pending"),
        "{status}"
    );
    screens(&browser, TABLET, "inspect-offline", "#status").await;
    // The page itself comes from the tablet while offline.
    open_batch(&browser, &proxy, batch).await;
    until(&browser, "the kept page with its pending entries", "document.querySelector('#pending') && document.querySelector('#pending').textContent.includes('4 pending')").await;
    app.create(
        &format!("/api/v1/batches/{batch}/measurements"),
        json!({"measurements": [{"unit": units[9], "characteristic": "flux", "value": 810.0}]}),
    )
    .await;

    // Signed out while offline; another inspector signs in on the tablet:
    // the entries stay, unsent, until their own user is back.
    browser.delete_all_cookies().await.unwrap();
    proxy.up();
    sign_in(&browser, &proxy, "inspector2").await;
    open_batch(&browser, &proxy, batch).await;
    until(
        &browser,
        "another user's entries named",
        "document.querySelector('#pending').textContent.includes('4 of another user')",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, readings) = app
        .get(&format!(
            "/api/v1/batches/{batch}/measurements?unit={}",
            units[7]
        ))
        .await;
    assert_eq!(
        readings["total"], 0,
        "nothing is sent under another user's session"
    );
    sign_in(&browser, &proxy, "inspector1").await;
    open_batch(&browser, &proxy, batch).await;
    until(
        &browser,
        "the pending entries sent",
        &format!("{PENDING} === 0 && {REFUSED} === 1"),
    )
    .await;
    let refused = text_of(&browser, "#refused").await;
    assert!(
        refused.contains("already has a flux reading")
            && refused.contains("yours 800")
            && refused.contains("on the server 810"),
        "{refused}"
    );
    screens(&browser, TABLET, "inspect-refused", "#attention").await;

    // Exactly once: every reading, the inspection and its one photo.
    let (_, readings) = app
        .get(&format!(
            "/api/v1/batches/{batch}/measurements?per_page=100"
        ))
        .await;
    assert_eq!(
        readings["total"],
        9 * 5 + 2,
        "nine units of five readings, a correction, the last unit's flux"
    );
    for (i, &unit) in units[..9].iter().enumerate().skip(1) {
        let t = typed_for(i);
        assert_eq!(
            current_value(&readings, unit, "flux"),
            Some(t.flux),
            "unit {unit}"
        );
        assert_eq!(
            current_value(&readings, unit, "y"),
            Some(t.y),
            "unit {unit}"
        );
    }
    assert_eq!(
        current_value(&readings, units[9], "flux"),
        Some(810.0),
        "the server's value is not overwritten"
    );
    let offline = readings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["unit"] == units[7])
        .unwrap();
    assert!(
        offline["taken_at"].as_str().unwrap() < offline["recorded_at"].as_str().unwrap(),
        "an entry made offline keeps the device's time, before the server received it: {offline}"
    );
    let (_, inspected) = app
        .get(&format!("/api/v1/batches/{batch}/inspections?unit=72"))
        .await;
    assert_eq!(inspected["total"], 1, "{inspected}");
    assert_eq!(
        inspected["items"][0]["photos"].as_array().unwrap().len(),
        1,
        "{inspected}"
    );
    let (_, summary) = app
        .get(&format!("/api/v1/batches/{batch}/visual-summary"))
        .await;
    assert_eq!(summary["units_inspected"], 72, "{summary}");
    assert_eq!(summary["units_failed"], 2, "{summary}");

    // The refused entry becomes a correction, with the inspector's reason.
    type_into(&browser, "#refused input", "re-measured on sphere 2").await;
    click(&browser, "#refused .actions button").await;
    until(
        &browser,
        "the correction sent",
        &format!("{PENDING} === 0 && {REFUSED} === 0"),
    )
    .await;
    let (_, readings) = app
        .get(&format!(
            "/api/v1/batches/{batch}/measurements?per_page=100"
        ))
        .await;
    assert_eq!(current_value(&readings, units[9], "flux"), Some(800.0));

    // The statistics are those of what was typed.
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch}/statistics"))
        .await;
    let typed: Vec<f64> = (1..9)
        .map(|i| typed_for(i).flux)
        .chain([791.5, 800.0])
        .collect();
    let mean = typed.iter().sum::<f64>() / typed.len() as f64;
    let flux = stats_of(&stats, "flux");
    assert_eq!(flux["n"], 10, "{flux}");
    assert!(
        (flux["mean"].as_f64().unwrap() - mean).abs() < 1e-9,
        "{flux} vs {mean}"
    );
    assert_eq!(stats_of(&stats, "power")["n"], 9);

    browser.close().await.unwrap();
    app.stop().await;
}

/// A browser set to Chinese gets the inspector's pages in Chinese, the
/// script's messages included; the language switch on the page changes it,
/// and the choice stays with the user (over what the browser asks for).
pub async fn an_inspector_works_in_chinese_and_switches_language(backend: Backend) {
    let driver = chromedriver();
    let (app, proxy, batch) = batch_to_record(backend).await;
    app.add_user("inspector1", Role::Inspector, None);

    let browser = crate::browser::browser_in(&driver, Some("zh-CN")).await;
    browser.set_window_size(1280, 800).await.unwrap();
    browser.goto(&proxy.url("/login")).await.unwrap();
    let login = text_of(&browser, "main").await;
    assert!(
        login.contains("登录") && login.contains("用户名"),
        "{login}"
    );
    sign_in(&browser, &proxy, "inspector1").await;
    assert_eq!(
        js(&browser, "return document.documentElement.lang;").await,
        "zh-CN"
    );
    let list = text_of(&browser, "main").await;
    assert!(
        list.contains("待录入的批次") && list.contains("检测数据"),
        "{list}"
    );
    screens(&browser, TABLET, "inspect-work-list-zh", "body").await;

    open_batch(&browser, &proxy, batch).await;
    until(
        &browser,
        "the unit form",
        "document.querySelector('#unit-form h2')",
    )
    .await;
    let entry = text_of(&browser, "main").await;
    assert!(
        entry.contains("逐个录入") && entry.contains("外观检验"),
        "{entry}"
    );
    until(&browser, "the script's messages in Chinese", "document.querySelector('#connection').textContent === '在线' && document.querySelector('#unit-form h2').textContent.startsWith('样品')").await;
    screens(&browser, TABLET, "inspect-unit-form-zh", "nav.tabs").await;
    // A Chinese keyboard's full-width digits and its full stop make a number.
    type_into(&browser, "#f-flux", "８００。５").await;
    until(
        &browser,
        "the full-width number read",
        "(() => { const v = document.querySelector('#unit-form .verdict').textContent; \
          return v !== '' && v !== '不是数字'; })()",
    )
    .await;
    js(
        &browser,
        "const f = document.querySelector('#f-flux'); f.value = ''; \
         f.dispatchEvent(new Event('input')); return 0;",
    )
    .await;
    // The defects' severities in Chinese.
    click(&browser, "[data-tab=visual]").await;
    until(
        &browser,
        "the severities in Chinese",
        "(() => { const s = [...document.querySelectorAll('.defects .sev')]; \
          return s.length > 0 && s.every(e => ['致命', '严重', '轻微'].includes(e.textContent)); })()",
    )
    .await;
    click(&browser, "[data-tab=unit]").await;

    // The switch on the page: English, kept with the user.
    click(&browser, "form.languages button[value=en]").await;
    until(&browser, "the page in English", "document.documentElement.lang === 'en' && document.querySelector('#connection').textContent === 'Online'").await;
    let entry = text_of(&browser, "main").await;
    assert!(entry.contains("Unit by unit"), "{entry}");
    let inspector = app.login("inspector1", PASSWORD).await;
    let (_, me) = inspector.get("/api/v1/auth/me").await;
    assert_eq!(me["language"], "en", "{me}");
    // A browser asking for Chinese still gets the user's choice.
    browser.delete_all_cookies().await.unwrap();
    sign_in(&browser, &proxy, "inspector1").await;
    assert_eq!(
        js(&browser, "return document.documentElement.lang;").await,
        "en"
    );

    browser.close().await.unwrap();
    app.stop().await;
}
