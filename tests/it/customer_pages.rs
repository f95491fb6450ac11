//! A brand customer in the browser, end to end in headless Chromium, in
//! English and in Chinese: it sees its own orders only, each batch's
//! status; before the report is issued it is told the report is in
//! preparation (never the live data: the batch pages are the factory's);
//! once issued it downloads the PDF; another customer's order is not
//! there for it.

use crate::browser::{
    chromedriver, js, main_text_of, open_until, screens, signed_in_browser, text_of,
    TABLET_AND_DESKTOP,
};
use crate::common::{self, Backend, TestApp};
use lotcheck::domain::access::Role;
use serde_json::json;

struct Words {
    tag: &'static str,
    in_preparation: &'static str,
    status_in_preparation: &'static str,
    not_found: &'static str,
    forbidden: &'static str,
    released: &'static str,
}

const ENGLISH: Words = Words {
    tag: "en",
    in_preparation: "The QC report of this order is in preparation.",
    status_in_preparation: "in preparation",
    not_found: "This page does not exist",
    forbidden: "You are not allowed to see or do this",
    released: "released",
};

const CHINESE: Words = Words {
    tag: "zh-CN",
    in_preparation: "本订单的质检报告正在准备中。",
    status_in_preparation: "准备中",
    not_found: "此页面不存在",
    forbidden: "您无权查看或执行此操作",
    released: "放行",
};

pub async fn a_customer_reads_its_orders_and_downloads_the_report(backend: Backend) {
    customer_reads(backend, &ENGLISH).await;
}

pub async fn a_customer_reads_in_chinese(backend: Backend) {
    customer_reads(backend, &CHINESE).await;
}

async fn customer_reads(backend: Backend, words: &Words) {
    let driver = chromedriver();
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 40).await;
    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 3})).await;
    let readings: Vec<_> = units
        .iter()
        .flat_map(|u| {
            [
                json!({"unit": u, "characteristic": "flux", "value": 806.0}),
                json!({"unit": u, "characteristic": "power", "value": 9.0}),
                json!({"unit": u, "characteristic": "lights_up", "value": 0}),
            ]
        })
        .collect();
    common::record_readings(&app, s.batch_id, readings).await;
    let inspections: Vec<_> = (1..=40).map(|u| json!({ "unit": u })).collect();
    app.create(
        &format!("/api/v1/batches/{}/inspections", s.batch_id),
        json!({ "inspections": inspections }),
    )
    .await;
    let other = app
        .create(
            "/api/v1/customers",
            json!({"name": "Nordlicht Leuchten GmbH"}),
        )
        .await;
    let shared = app
        .create("/api/v1/products", json!({"code": "GU10-5W", "name": "GU10 5 W", "characteristics": common::bulb_characteristics()}))
        .await;
    let other_order = app
        .create("/api/v1/orders", json!({"customer_id": other["id"], "product_id": shared["id"], "po_number": "NL-4500187733", "quantity": 100}))
        .await;
    app.add_user("helios1", Role::Customer, Some(s.customer_id));

    let browser = signed_in_browser(&driver, &app, words.tag, "helios1").await;
    let orders = text_of(&browser, "main").await;
    assert!(orders.contains("PO-2026-0001"), "{orders}");
    assert!(
        !orders.contains("NL-4500187733"),
        "another customer's order: {orders}"
    );

    // Before the report: in preparation, no batch links, no live data.
    let order = main_text_of(
        &browser,
        &app,
        &format!("/orders/{}", s.order_id),
        "document.querySelector('main table')",
    )
    .await;
    assert!(order.contains(words.in_preparation), "{order}");
    assert!(order.contains(words.status_in_preparation), "{order}");
    assert_eq!(
        js(
            &browser,
            "return document.querySelectorAll('main a[href^=\"/batches/\"]').length;"
        )
        .await,
        json!(0)
    );
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("customer-order-{}", words.tag),
        "main",
    )
    .await;
    let report = main_text_of(
        &browser,
        &app,
        &format!("/orders/{}/report", s.order_id),
        "document.querySelector('main .card')",
    )
    .await;
    assert!(report.contains(words.in_preparation), "{report}");
    assert!(!report.contains("Luminous flux"), "no live data: {report}");
    open_until(
        &browser,
        &app,
        &format!("/batches/{}", s.batch_id),
        "document.querySelector('.failure')",
    )
    .await;
    assert!(text_of(&browser, "main").await.contains(words.forbidden));
    open_until(
        &browser,
        &app,
        &format!("/orders/{}", other_order["id"]),
        "document.querySelector('.failure')",
    )
    .await;
    assert!(text_of(&browser, "main").await.contains(words.not_found));

    // The lead releases the batch and issues the report.
    let issued = common::decide_and_issue(
        &app,
        s.batch_id,
        s.order_id,
        "released",
        "All readings within limits",
    )
    .await;

    let order = main_text_of(
        &browser,
        &app,
        &format!("/orders/{}", s.order_id),
        "document.querySelector('main table')",
    )
    .await;
    assert!(!order.contains(words.in_preparation), "{order}");
    assert!(order.contains(words.released), "{order}");
    open_until(
        &browser,
        &app,
        &format!("/orders/{}/report", s.order_id),
        "document.querySelector('a[href*=\"/reports/1.pdf?language=\"]')",
    )
    .await;
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("customer-report-{}", words.tag),
        "main",
    )
    .await;
    // The download in the reader's language is the issued file of that
    // language, byte for byte.
    let sha = browser
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.querySelector('a[href$=\"/report.pdf?language=' + arguments[0] + '\"]').href) \
               .then(r => r.arrayBuffer().then(bytes => crypto.subtle.digest('SHA-256', bytes) \
               .then(d => done([r.headers.get('content-type'), \
                 Array.from(new Uint8Array(d)).map(b => b.toString(16).padStart(2, '0')).join('')]))));",
            vec![json!(words.tag)],
        )
        .await
        .unwrap();
    let file = issued["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["language"] == words.tag)
        .unwrap();
    assert_eq!(sha, json!(["application/pdf", file["sha256"]]));
    browser.close().await.unwrap();
    app.stop().await;
}
