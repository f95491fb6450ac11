//! A real browser (headless Chromium through ChromeDriver) signs in as a
//! customer, sees only its own orders, and signs out; a lead reads a batch
//! and the report. The harness runs these only where ChromeDriver and
//! Chromium are installed; CI installs them.

use crate::common::{self, Backend, TestApp, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use lotcheck::domain::access::Role;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Driver {
    process: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub fn chromedriver() -> Driver {
    let path = crate::harness::chromedriver();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let process = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Driver {
        process,
        url: format!("http://127.0.0.1:{port}"),
    }
}

pub async fn browser(driver: &Driver) -> fantoccini::Client {
    browser_in(driver, None).await
}

/// A browser whose `Accept-Language` asks for `language` first (its
/// default when `None`).
pub async fn browser_in(driver: &Driver, language: Option<&str>) -> fantoccini::Client {
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1024,768".into(),
    ];
    let mut options = json!({"binary": crate::harness::chromium()});
    if let Some(language) = language {
        args.push(format!("--lang={language}"));
        options["prefs"] = json!({"intl": {"accept_languages": language}});
    }
    options["args"] = json!(args);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a session");
}

pub async fn customer_signs_in_sees_its_orders_and_signs_out() {
    let driver = chromedriver();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let product = app
        .create("/api/v1/products", json!({"code": "GU10-5W", "name": "GU10 5 W", "characteristics": common::bulb_characteristics()}))
        .await;
    let mut own_customer = 0;
    for (name, po) in [
        ("Helios Home Lighting Ltd", "HHL-PO-0412"),
        ("Nordlicht Leuchten GmbH", "NL-4500187733"),
    ] {
        let customer = app.create("/api/v1/customers", json!({"name": name})).await;
        app.create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": po, "quantity": 500}))
            .await;
        if own_customer == 0 {
            own_customer = customer["id"].as_i64().unwrap();
        }
    }
    app.add_user("helios1", Role::Customer, Some(own_customer));

    let browser = browser(&driver).await;
    assert!(
        open_home(&browser, &app).await.ends_with("/login"),
        "pages need a sign-in"
    );
    sign_in(&browser, &app, "helios1").await;
    browser.goto(&app.url("/")).await.unwrap();
    browser
        .wait()
        .for_element(Locator::Css("table"))
        .await
        .unwrap();
    let html = browser.source().await.unwrap();
    assert!(html.contains("HHL-PO-0412") && html.contains("Helios Home Lighting Ltd"));
    assert!(
        !html.contains("NL-4500187733") && !html.contains("Nordlicht"),
        "another customer's order shows"
    );
    save_screenshot(&browser, "browser-orders").await;

    click_and_wait(
        &browser,
        Locator::Css("form[action='/logout'] button"),
        Locator::Id("username"),
    )
    .await;
    assert!(
        open_home(&browser, &app).await.ends_with("/login"),
        "signed out"
    );
    browser.close().await.unwrap();
    app.stop().await;
}

/// Saves what the browser shows as `target/tmp/<name>.png`, to look at.
async fn save_screenshot(browser: &fantoccini::Client, name: &str) {
    let shot = browser.screenshot().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
    std::fs::write(path, shot).unwrap();
}

/// Clicks `target` and waits until `then` is on the page.
async fn click_and_wait(browser: &fantoccini::Client, target: Locator<'_>, then: Locator<'_>) {
    browser.find(target).await.unwrap().click().await.unwrap();
    browser.wait().for_element(then).await.unwrap();
}

/// Follows the link with this text.
async fn click_link(browser: &fantoccini::Client, text: &str) {
    browser
        .find(Locator::LinkText(text))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Opens the home page; answers the path the browser is on then.
async fn open_home(browser: &fantoccini::Client, app: &TestApp) -> String {
    browser.goto(&app.url("/")).await.unwrap();
    browser.current_url().await.unwrap().path().to_string()
}

/// Adds the lead `lead1` and signs it in, in a browser of its own.
async fn signed_in_lead(driver: &Driver, app: &TestApp) -> fantoccini::Client {
    app.add_user("lead1", Role::Lead, None);
    let browser = browser(driver).await;
    sign_in(&browser, app, "lead1").await;
    browser
}

/// The text of the page's main part, once `then` is on the page.
async fn main_text_once(browser: &fantoccini::Client, then: Locator<'_>) -> String {
    browser.wait().for_element(then).await.unwrap();
    browser
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Signs `username` in through the form.
async fn sign_in(browser: &fantoccini::Client, app: &TestApp, username: &str) {
    browser.goto(&app.url("/login")).await.unwrap();
    for (id, text) in [("username", username), ("password", PASSWORD)] {
        browser
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    click_and_wait(
        browser,
        Locator::Css("form button[type=submit]"),
        Locator::Css("header form"),
    )
    .await;
}

pub async fn a_lead_reads_a_batch_with_its_defects_and_their_photos() {
    let driver = chromedriver();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let s = common::scenario(&app, 40).await;
    app.create(
        "/api/v1/defect-types",
        json!({"family": "general", "code": "scratch", "name": "Scratch on housing", "severity": "minor"}),
    )
    .await;
    app.create(
        &format!("/api/v1/batches/{}/sampling-plan", s.batch_id),
        json!({"method": "percent", "seed": 5}),
    )
    .await;
    let inspections: Vec<_> = (1..=40)
        .map(|u| {
            if u % 10 == 3 {
                json!({"unit": u, "defects": [{"defect": "scratch", "count": 2}]})
            } else {
                json!({"unit": u})
            }
        })
        .collect();
    let recorded = app
        .create(
            &format!("/api/v1/batches/{}/inspections", s.batch_id),
            json!({ "inspections": inspections }),
        )
        .await;
    let scratched = recorded["inspections"][2]["id"].as_str().unwrap();
    let (status, _) = common::upload_photo(&app, scratched, common::png_photo(800, 600)).await;
    assert_eq!(status, reqwest::StatusCode::CREATED);

    let browser = signed_in_lead(&driver, &app).await;
    browser.goto(&app.url("/")).await.unwrap();
    click_link(&browser, "PO-2026-0001").await;
    click_link(&browser, "Batch 1").await;
    let text = main_text_once(&browser, Locator::Css(".unit img")).await;
    assert!(text.contains("40 of 40 units inspected"), "{text}");
    assert!(text.contains("36 passed"), "{text}");
    assert!(text.contains("Scratch on housing"), "{text}");
    // The thumbnail was fetched with the session and decoded by the browser.
    let loaded = js(
        &browser,
        "const img = document.querySelector('.unit img'); \
             return img.complete ? img.naturalWidth : -1;",
    )
    .await;
    assert_eq!(loaded, json!(320), "thumbnail width in the browser");
    js(
        &browser,
        "document.querySelector('.units').scrollIntoView();",
    )
    .await;
    save_screenshot(&browser, "browser-batch").await;
    browser.close().await.unwrap();
    app.stop().await;
}

pub async fn a_lead_reads_the_report_in_the_browser_and_issues_it() {
    let driver = chromedriver();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let s = common::scenario(&app, 60).await;
    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 3})).await;
    let readings: Vec<_> = units
        .iter()
        .enumerate()
        .map(|(i, u)| json!({"unit": u, "characteristic": "flux", "value": 790.0 + 4.0 * i as f64}))
        .collect();
    common::record_readings(&app, s.batch_id, readings).await;

    let browser = signed_in_lead(&driver, &app).await;
    browser
        .goto(&app.url(&format!("/orders/{}", s.order_id)))
        .await
        .unwrap();
    click_link(&browser, "QC report").await;
    let text = main_text_once(&browser, Locator::Css("figure.chart svg")).await;
    assert!(text.contains("Not issued yet"), "{text}");
    assert!(text.contains("PENDING"), "no decision yet: {text}");
    assert!(text.contains("Luminous flux"), "{text}");
    // Charts are drawn at a readable size, not collapsed.
    let width = js(
        &browser,
        "return document.querySelector('figure.chart svg').getBoundingClientRect().width;",
    )
    .await;
    assert!(width.as_f64().unwrap() > 400.0, "chart width {width}");
    save_screenshot(&browser, "browser-report").await;
    js(
        &browser,
        "document.querySelector('figure.chart').scrollIntoView();",
    )
    .await;
    save_screenshot(&browser, "browser-report-chart").await;

    // Issuing asks first, and says what is open: batch 1 has no decision,
    // so the report can be issued only as one with an undecided batch.
    click_link(&browser, "Issue report…").await;
    let text = main_text_once(&browser, Locator::Id("with-undecided")).await;
    assert!(
        text.contains("Still open") && text.contains("no decision"),
        "{text}"
    );
    click(&browser, "#with-undecided").await;
    click_and_wait(
        &browser,
        Locator::Css("main form button[type=submit]"),
        Locator::LinkText("QCR-000001 rev 1"),
    )
    .await;
    let text = main_text_once(&browser, Locator::Css(".report")).await;
    assert!(
        text.contains("Batch 1 had no disposition when this report was made"),
        "the statement names the undecided batch: {text}"
    );
    let (_, issued) = app
        .get(&format!("/api/v1/orders/{}/reports", s.order_id))
        .await;
    assert_eq!(issued[0]["issued_by"], "lead1");
    browser.close().await.unwrap();
    app.stop().await;
}

/// Where screenshots go when asked for.
fn screenshot_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("LOTCHECK_SCREENSHOTS").map(|dir| {
        let dir = std::path::PathBuf::from(dir);
        let dir = if dir.is_relative() {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
        } else {
            dir
        };
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// A 10-inch tablet (800 × 1280 CSS pixels), both ways round.
pub const TABLET: &[(&str, u32, u32)] = &[("portrait", 800, 1280), ("landscape", 1280, 800)];
/// A tablet held upright, and a desk's screen.
pub const TABLET_AND_DESKTOP: &[(&str, u32, u32)] =
    &[("tablet", 800, 1280), ("desktop", 1440, 900)];

/// Saves the screen as `<name>-<size>.png` at each of `sizes`, scrolled to
/// `anchor`, when screenshots are asked for.
pub async fn screens(browser: &Client, sizes: &[(&str, u32, u32)], name: &str, anchor: &str) {
    let Some(dir) = screenshot_dir() else {
        return;
    };
    for &(orientation, width, height) in sizes {
        browser.set_window_size(width, height).await.unwrap();
        js(
            browser,
            &format!("const a = document.querySelector(\"{anchor}\"); window.scrollTo(0, a ? a.getBoundingClientRect().top + window.scrollY - 12 : 0); return 0;"),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shot = browser.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{orientation}.png")), shot).unwrap();
    }
    browser.set_window_size(1280, 800).await.unwrap();
}

pub async fn js(browser: &Client, script: &str) -> Value {
    browser.execute(script, vec![]).await.unwrap()
}

/// Waits until `script` (an expression) is true in the page.
pub async fn until(browser: &Client, what: &str, script: &str) {
    for _ in 0..300 {
        if js(browser, &format!("return Boolean({script});")).await == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shot = browser.screenshot().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-failure.png");
    std::fs::write(&path, shot).unwrap();
    panic!(
        "waited 30 s for {what} ({script}); the screen is in {}",
        path.display()
    );
}

/// The text of the element `css`.
/// Read again when the page redrew the element meanwhile.
pub async fn text_of(browser: &Client, css: &str) -> String {
    for _ in 0..20 {
        let element = browser.find(Locator::Css(css)).await.unwrap();
        match element.text().await {
            Ok(text) => return text,
            Err(e) if is_stale(&e) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("{css}: {e}"),
        }
    }
    panic!("{css} kept being replaced");
}

pub fn is_stale(error: &fantoccini::error::CmdError) -> bool {
    matches!(error, fantoccini::error::CmdError::Standard(e)
        if e.error == fantoccini::error::ErrorStatus::StaleElementReference)
}

/// The element is there but not yet usable: a section being redrawn or
/// scrolled into view on a loaded machine.
pub fn is_not_ready(error: &fantoccini::error::CmdError) -> bool {
    matches!(error, fantoccini::error::CmdError::Standard(e)
        if e.error == fantoccini::error::ErrorStatus::ElementNotInteractable)
}

/// Finds the element and clicks it, or types into it; found again when
/// the page redrew it meanwhile (it redraws a form when an entry is sent,
/// keeping what is typed and the focus).
pub async fn on_element(browser: &Client, css: &str, keys: Option<&str>) {
    for _ in 0..20 {
        let element = browser.wait().for_element(Locator::Css(css)).await.unwrap();
        let done = match keys {
            None => element.click().await,
            Some(keys) => element.send_keys(keys).await,
        };
        match done {
            Ok(()) => return,
            Err(e) if is_stale(&e) || is_not_ready(&e) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
    panic!("{css} kept being replaced");
}

pub async fn click(browser: &Client, css: &str) {
    on_element(browser, css, None).await;
}

pub async fn type_into(browser: &Client, css: &str, keys: &str) {
    on_element(browser, css, Some(keys)).await;
}

/// Fills the open sign-in form for `username` (the test password) and
/// waits until signed in.
pub async fn sign_in_with_form(browser: &Client, username: &str) {
    for (id, text) in [
        ("#username", username),
        ("#password", crate::common::PASSWORD),
    ] {
        type_into(browser, id, text).await;
    }
    click(browser, "form button[type=submit]").await;
    until(
        browser,
        "signed in",
        "document.querySelector('header form')",
    )
    .await;
}

/// A browser in `language` at a desk's size, signed in as `username`.
pub async fn signed_in_browser(
    driver: &Driver,
    app: &TestApp,
    language: &str,
    username: &str,
) -> Client {
    let browser = browser_in(driver, Some(language)).await;
    browser.set_window_size(1280, 900).await.unwrap();
    browser.goto(&app.url("/login")).await.unwrap();
    sign_in_with_form(&browser, username).await;
    browser
}

/// Opens `path`, waits until `ready` (an expression) holds and answers the
/// text of the page's main part.
pub async fn main_text_of(browser: &Client, app: &TestApp, path: &str, ready: &str) -> String {
    open_until(browser, app, path, ready).await;
    text_of(browser, "main").await
}

/// Opens `path` and waits until `ready` (an expression) holds.
pub async fn open_until(browser: &Client, app: &TestApp, path: &str, ready: &str) {
    browser.goto(&app.url(path)).await.unwrap();
    until(browser, path, ready).await;
}
