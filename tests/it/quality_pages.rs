//! Before and after production through the pages, in headless Chromium: a
//! lead receives a material lot (a quantity that is not a number refused
//! beside its field, nothing stored), previews and records its ISO 2859-1
//! inspection, is refused acceptance while the certificate is missing,
//! attaches one and signs; uses the lot in a released batch, plans the
//! pre-shipment inspection and checks a carton by scanning its barcode (a
//! wrong check digit found, the carton checked again); the customer, in
//! Chinese, records a receipt check on its portal (an incomplete defect
//! line refused first) that opens a report; the lead investigates, plans
//! and completes the action and closes the report with a signature.
//!
//! With `LOTCHECK_SCREENSHOTS=<dir>` the run saves the pages at tablet size.

use crate::browser::{
    chromedriver, click, js, screens, signed_in_browser, text_of, type_into, until, TABLET,
};
use crate::common::{self, Backend, Bulb, Http, TestApp, PASSWORD};
use fantoccini::Client;
use lotcheck::domain::access::Role;
use serde_json::{json, Value};

/// Sets a field's value as a date picker or a select would.
async fn set(browser: &Client, css: &str, value: &str) {
    js(
        browser,
        &format!(
            "document.querySelector('{css}').value = {}; return 0;",
            json!(value)
        ),
    )
    .await;
}

async fn main_text(browser: &Client) -> String {
    text_of(browser, "main").await
}

/// Releases `batch` of `order` through the API: every unit sampled,
/// measured in limits, inspected, and the report issued.
async fn released(app: &TestApp, lead: &Http, batch: i64, order: i64) {
    let (_, units) = common::draw_plan(app, batch, json!({"method": "percent", "seed": 4})).await;
    common::record_bulbs(app, batch, &units, |_| Bulb {
        flux: 805.0,
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let all: Vec<Value> = (1..=100).map(|u| json!({"unit": u})).collect();
    app.create(
        &format!("/api/v1/batches/{batch}/inspections"),
        json!({"inspections": all}),
    )
    .await;
    common::decide_and_issue(lead, batch, order, "released", "all checks passed").await;
}

pub async fn a_lot_a_carton_and_a_claim_go_through_the_pages(backend: Backend) {
    let driver = chromedriver();
    let app = TestApp::spawn(backend).await;
    let a = common::scenario(&app, 100).await;
    let lead_api = app.signed_in("leila", Role::Lead, None).await;
    app.add_user("helga", Role::Customer, Some(a.customer_id));
    app.add_user("ines", Role::Inspector, None);
    let supplier = app
        .create("/api/v1/suppliers", json!({"name": "Shenzhen LED Co"}))
        .await;
    let lead = signed_in_browser(&driver, &app, "en", "leila").await;

    // Received: a quantity that is not a number is refused beside its field.
    lead.goto(&app.url("/materials")).await.unwrap();
    set(&lead, "#receive-supplier_id", &supplier["id"].to_string()).await;
    type_into(&lead, "#receive-material", "LED 2835 2700K").await;
    type_into(&lead, "#receive-lot_number", "SZ-2611-07").await;
    type_into(&lead, "#receive-quantity", "5,000").await;
    click(&lead, "form[action='/materials'] button[type=submit]").await;
    until(
        &lead,
        "the quantity refused",
        "document.querySelector('#receive-quantity-error')",
    )
    .await;
    assert!(
        text_of(&lead, "#receive-quantity-error")
            .await
            .contains("is not a whole number"),
        "the message names what is wrong"
    );
    assert_eq!(
        js(
            &lead,
            "return document.querySelector('#receive-lot_number').value;"
        )
        .await,
        "SZ-2611-07",
        "the entries are kept"
    );
    let (_, lots) = app.get("/api/v1/material-lots").await;
    assert_eq!(lots, json!([]), "nothing stored");
    screens(&lead, TABLET, "materials-refused", "#receive-quantity").await;
    set(&lead, "#receive-quantity", "5000").await;
    click(&lead, "form[action='/materials'] button[type=submit]").await;
    until(
        &lead,
        "the lot's page",
        "document.querySelector('h1').innerText.includes('SZ-2611-07')",
    )
    .await;
    let lot_id: i64 = lead
        .current_url()
        .await
        .unwrap()
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(main_text(&lead).await.contains("Certificate missing"));

    // The inspection plan is shown before the count is entered: the
    // lookup route's plan for 5,000 units at AQL 0.65.
    let (_, expected) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5000&aql=0.65")
        .await;
    set(&lead, "#inspect-aql", "0.65").await;
    click(&lead, "button[formaction$='/preview#inspection']").await;
    until(
        &lead,
        "the plan shown",
        "document.querySelector('.notice.ok')",
    )
    .await;
    let plan = text_of(&lead, ".notice.ok").await;
    assert!(
        plan.contains(&format!("Draw {} of 5000 units", expected["sample_size"]))
            && plan.contains(&format!("accept with {} or fewer", expected["accept"])),
        "{plan}"
    );
    type_into(&lead, "#inspect-found", "1").await;
    click(
        &lead,
        "form[action$='/inspection'] button[type=submit]:not([formaction])",
    )
    .await;
    until(
        &lead,
        "the inspection recorded",
        "document.querySelector('#inspection').innerText.includes('lot accepted by the plan')",
    )
    .await;

    // Acceptance is refused while the certificate is missing.
    click(&lead, "input[name=meaning][value=accepted]").await;
    type_into(&lead, "#decide-comment", "sample within plan").await;
    type_into(&lead, "#decide-password", PASSWORD).await;
    click(&lead, "form[action$='/decision'] button[type=submit]").await;
    until(
        &lead,
        "acceptance refused",
        "document.querySelector('#decision .field-error, #decision .error')",
    )
    .await;
    let (_, lot) = app.get(&format!("/api/v1/material-lots/{lot_id}")).await;
    assert_eq!(lot["status"], "pending", "{lot}");

    // A certificate attached, then the lot accepted with a signature.
    let certificate = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("certificate.pdf");
    std::fs::write(&certificate, b"%PDF-1.4 certificate of conformity").unwrap();
    set(&lead, "#document-expires_on", "2099-12-31").await;
    type_into(&lead, "#document-file", certificate.to_str().unwrap()).await;
    click(&lead, "form[action$='/documents'] button[type=submit]").await;
    until(&lead, "the certificate listed", "document.querySelector('#documents table') && document.querySelector('#documents table').innerText.includes('certificate.pdf')").await;
    assert!(!main_text(&lead).await.contains("Certificate missing"));
    click(&lead, "input[name=meaning][value=accepted]").await;
    type_into(
        &lead,
        "#decide-comment",
        "certificate on file, sample within plan",
    )
    .await;
    type_into(&lead, "#decide-password", PASSWORD).await;
    click(&lead, "form[action$='/decision'] button[type=submit]").await;
    until(
        &lead,
        "the lot accepted",
        "document.querySelector('dd .good')",
    )
    .await;
    let (_, lot) = app.get(&format!("/api/v1/material-lots/{lot_id}")).await;
    assert_eq!(lot["status"], "accepted", "{lot}");
    screens(&lead, TABLET, "material-lot", "h1").await;

    // The lot used in the batch, once it is released.
    released(&app, &lead_api, a.batch_id, a.order_id).await;
    let shipment = format!("/batches/{}/shipment", a.batch_id);
    lead.goto(&app.url(&shipment)).await.unwrap();
    set(&lead, "#use-material_lot_id", &lot_id.to_string()).await;
    click(&lead, "form[action$='/material-lots'] button[type=submit]").await;
    until(&lead, "the lot used", "document.querySelector('#materials table') && document.querySelector('#materials table').innerText.includes('SZ-2611-07')").await;

    // The units numbered by a range over the batch.
    type_into(&lead, "#serials-prefix", "HL-").await;
    click(&lead, "form[action$='/serials'] button[type=submit]").await;
    until(
        &lead,
        "the serials assigned",
        "document.querySelector('#serials').innerText.includes('100 of 100 units')",
    )
    .await;
    let (_, unit) = app.get("/api/v1/trace/units/HL-00042").await;
    assert_eq!(unit["unit"], 42, "{unit}");

    // The pre-shipment inspection planned from the packing list.
    for (id, value) in [
        ("#plan-cartons", "50"),
        ("#plan-units_per_carton", "2"),
        ("#plan-gross_weight_kg", "1.1"),
        ("#plan-carton_volume_m3", "0.012"),
        ("#plan-gtin", "6291041500213"),
    ] {
        type_into(&lead, id, value).await;
    }
    click(
        &lead,
        "form[action$='/shipment-inspection'] button[type=submit]",
    )
    .await;
    until(
        &lead,
        "the inspection planned",
        "!document.querySelector('#plan-cartons')",
    )
    .await;
    let (_, cartons_plan) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=50&aql=4&counts=nonconformities")
        .await;
    assert!(
        main_text(&lead)
            .await
            .contains(&format!("check {} cartons", cartons_plan["sample_size"])),
        "the plan is the lookup route's"
    );

    // The inspector checks a carton: the scanner types the barcode and
    // Enter, which records the carton; its check digit is wrong.
    let inspector = signed_in_browser(&driver, &app, "en", "ines").await;
    inspector.goto(&app.url(&shipment)).await.unwrap();
    until(
        &inspector,
        "the carton form",
        "document.querySelector('#carton-barcode')",
    )
    .await;
    let check_carton = |barcode: &'static str| {
        let lead = inspector.clone();
        async move {
            for (id, value) in [
                ("#carton-units_counted", "2"),
                ("#carton-gross_weight_kg", "1.12"),
                ("#carton-marks\\.po", "PO-2026-0001"),
                ("#carton-marks\\.model", "A60-E27-9W-2700K"),
                ("#carton-marks\\.quantity", "2"),
            ] {
                type_into(&lead, id, value).await;
            }
            type_into(&lead, "#carton-barcode", &format!("{barcode}\n")).await;
        }
    };
    let drawn = js(
        &inspector,
        "return document.querySelector('#carton-carton').value;",
    )
    .await;
    let drawn = drawn.as_str().unwrap().to_string();
    assert!(!drawn.is_empty(), "the form offers the first carton drawn");
    check_carton("6291041500214").await;
    until(&inspector, "the finding listed", "document.querySelector('#shipment table') && document.querySelector('#shipment table').innerText.includes('check digit')").await;
    screens(&inspector, TABLET, "carton-check", "#shipment").await;
    click(&inspector, "#shipment table a").await;
    until(&inspector, "the carton to check again", &format!("document.querySelector('#carton-carton') && document.querySelector('#carton-carton').value === '{drawn}' && document.querySelector('input[name=supersedes]')")).await;
    check_carton("6291041500213").await;
    until(&inspector, "the carton in order", "document.querySelector('#shipment table') && document.querySelector('#shipment table').innerText.includes('in order')").await;
    let (_, status) = app
        .get(&format!("/api/v1/batches/{}/shipment", a.batch_id))
        .await;
    let history = status["inspection"]["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{status}");
    assert_eq!(
        history[1]["supersedes"], history[0]["id"],
        "the re-check replaces the first"
    );
    assert_eq!(status["inspection"]["nonconformities"], 0);

    // The customer's receipt check, in Chinese: an incomplete defect line
    // is refused, nothing stored; completed, it opens a report.
    let customer = signed_in_browser(&driver, &app, "zh-CN", "helga").await;
    let claims = format!("/orders/{}/claims", a.order_id);
    customer.goto(&app.url(&claims)).await.unwrap();
    assert!(text_of(&customer, "h1").await.contains("收货检验与投诉"));
    type_into(&customer, "#receipt-units_checked", "20").await;
    type_into(&customer, "#receipt-defect0", "灯不亮").await;
    click(
        &customer,
        "form[action$='/receipt-checks'] button[type=submit]",
    )
    .await;
    until(
        &customer,
        "the count refused",
        "document.querySelector('#receipt-count0-error')",
    )
    .await;
    assert_eq!(text_of(&customer, "#receipt-count0-error").await, "必填");
    let (_, checks) = app
        .get(&format!("/api/v1/batches/{}/receipt-checks", a.batch_id))
        .await;
    assert_eq!(checks, json!([]), "nothing stored");
    screens(&customer, TABLET, "receipt-refused", "#receipt").await;
    type_into(&customer, "#receipt-count0", "2").await;
    let photo = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dark-lamp.png");
    std::fs::write(&photo, common::png_photo(64, 48)).unwrap();
    type_into(&customer, "#receipt-photos", photo.to_str().unwrap()).await;
    click(
        &customer,
        "form[action$='/receipt-checks'] button[type=submit]",
    )
    .await;
    until(
        &customer,
        "the report opened",
        "document.querySelector('h1').innerText.startsWith('NCR-')",
    )
    .await;
    let ncr_path = customer.current_url().await.unwrap().path().to_string();
    let (_, checks) = app
        .get(&format!("/api/v1/batches/{}/receipt-checks", a.batch_id))
        .await;
    assert_eq!(
        checks[0]["photos"].as_array().map(Vec::len),
        Some(1),
        "{checks}"
    );
    assert!(main_text(&customer).await.contains("灯不亮"));
    // A warranty claim by serial, answered on the page: released today,
    // the claim lies within the order's 24 months.
    customer.goto(&app.url(&claims)).await.unwrap();
    type_into(&customer, "#warranty-serial", "HL-00042").await;
    type_into(&customer, "#warranty-description", "不亮").await;
    click(&customer, "#warranty button[type=submit]").await;
    until(
        &customer,
        "the warranty answered",
        "document.querySelector('#warranty-answer')",
    )
    .await;
    let answer = text_of(&customer, "section.banner-card").await;
    assert!(
        answer.contains("在保修期内") && answer.contains("HL-00042"),
        "{answer}"
    );
    customer.goto(&app.url(&shipment)).await.unwrap();
    until(
        &customer,
        "a staff page refused",
        "document.querySelector('main')",
    )
    .await;
    assert!(
        !main_text(&customer).await.contains("SZ-2611-07"),
        "the factory's lots stay the factory's"
    );

    // The lead investigates, completes the action and closes the report.
    lead.goto(&app.url(&ncr_path)).await.unwrap();
    type_into(&lead, "#close-password", PASSWORD).await;
    click(&lead, "#close button[type=submit]").await;
    until(
        &lead,
        "closing refused",
        "document.querySelector('#close .error')",
    )
    .await;
    set(&lead, "#investigate-disposition", "replace_under_warranty").await;
    type_into(
        &lead,
        "#investigate-root_cause",
        "LED lot with low flux bins",
    )
    .await;
    type_into(
        &lead,
        "#investigate-effectiveness",
        "next three lots binned at receipt",
    )
    .await;
    click(&lead, "form[action$='/investigation'] button[type=submit]").await;
    until(
        &lead,
        "the investigation saved",
        "document.querySelector('#investigate-root_cause').value.includes('low flux')",
    )
    .await;
    type_into(
        &lead,
        "#action-description",
        "Bin LEDs at incoming inspection",
    )
    .await;
    type_into(&lead, "#action-owner", "Incoming QC").await;
    set(&lead, "#action-due_on", "2099-01-31").await;
    click(&lead, "form[action$='/actions'] button[type=submit]").await;
    until(
        &lead,
        "the action listed",
        "document.querySelector('form[action$=\"/done\"]')",
    )
    .await;
    click(&lead, "form[action$='/done'] button[type=submit]").await;
    until(
        &lead,
        "the action done",
        "!document.querySelector('form[action$=\"/done\"]')",
    )
    .await;
    type_into(&lead, "#close-password", PASSWORD).await;
    click(&lead, "#close button[type=submit]").await;
    until(
        &lead,
        "the report closed",
        "!document.querySelector('#close')",
    )
    .await;
    let id = ncr_path.rsplit('/').next().unwrap();
    let (_, closed) = app.get(&format!("/api/v1/ncrs/{id}")).await;
    assert!(closed["closed_at"].is_string(), "{closed}");
    assert_eq!(closed["disposition"], "replace_under_warranty");
    for browser in [lead, inspector, customer] {
        browser.close().await.unwrap();
    }
}
