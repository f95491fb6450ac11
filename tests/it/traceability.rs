//! Before and after production, walked as one chain: a supplier's material
//! lot is received with an expired certificate (flagged, refused
//! acceptance), inspected by the ISO 2859-1 plan the lookup route gives,
//! accepted with a signature once a valid certificate is on file, and used
//! in batches of two orders of two customers (a second lot only under a
//! concession). Units get serials by range and by CSV. The released batch
//! passes its pre-shipment inspection (a carton with a wrong check digit
//! found first, relabelled) and is ready to ship; the customer's receipt
//! check finds defective units; a warranty claim by serial answers with
//! the batch's report and its warranty. A customer's claim
//! on a serial opens a non-conformance report traced back to the lot and
//! forward to every affected order; its CAPA is planned, done, verified
//! and closed with a signature. Each customer sees only its own.

use crate::common::{self, error_fields, Backend, Bulb, Http, TestApp, PASSWORD};
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A second customer with its own design and order of `lot_size` units.
async fn second_customer(app: &Http, lot_size: i64) -> (i64, i64, i64) {
    let customer = app
        .create(
            "/api/v1/customers",
            json!({"name": "Nordlicht Leuchten GmbH"}),
        )
        .await;
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": "NL-G45-5W", "name": "G45 5 W", "customer_id": customer["id"],
                   "characteristics": common::bulb_characteristics()}),
        )
        .await;
    let order = app
        .create(
            "/api/v1/orders",
            json!({"customer_id": customer["id"], "product_id": product["id"],
                   "po_number": "NL-4711", "quantity": lot_size}),
        )
        .await;
    let order_id = order["id"].as_i64().unwrap();
    let batch_id = common::new_batch(app, order_id, lot_size).await;
    (customer["id"].as_i64().unwrap(), order_id, batch_id)
}

/// A page's HTML as `username` (password [`PASSWORD`]) sees it, signed in
/// through the form, in `language` (Accept-Language).
async fn page_as(app: &TestApp, username: &str, language: &str, path: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let cookie = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .find(|pair| pair.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("cookie {name}"))
    };
    let login_cookie = cookie(&form, "lotcheck_login_csrf");
    let html = form.text().await.unwrap();
    let marker = r#"name="csrf" value=""#;
    let csrf = html[html.find(marker).unwrap() + marker.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let signed_in = client
        .post(app.url("/login"))
        .header(reqwest::header::COOKIE, &login_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let session = cookie(&signed_in, "lotcheck_session");
    let page = client
        .get(app.url(path))
        .header(reqwest::header::COOKIE, session)
        .header(reqwest::header::ACCEPT_LANGUAGE, language)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "{path}");
    page.text().await.unwrap()
}

async fn helios_status(app: &Http, batch_id: i64) -> (StatusCode, Value) {
    app.get(&format!("/api/v1/batches/{batch_id}/shipment"))
        .await
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = list
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|item| item[key].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

pub async fn a_material_lot_is_traced_from_receipt_to_a_closed_claim(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = common::scenario(&app, 100).await;
    let (customer_b, order_b, batch_b) = second_customer(&app, 60).await;
    let inspector = app.signed_in("ines", Role::Inspector, None).await;
    let lead = app.signed_in("leila", Role::Lead, None).await;

    // Received: no certificate yet, then an expired one.
    let supplier = app
        .create("/api/v1/suppliers", json!({"name": "Shenzhen LED Co"}))
        .await;
    let (status, lot) = inspector
        .post(
            "/api/v1/material-lots",
            &json!({"supplier_id": supplier["id"], "material": "LED 2835 2700K",
                    "lot_number": "SZ-2611-07", "quantity": 5000}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lot}");
    let lot_id = lot["id"].as_i64().unwrap();
    assert_eq!(lot["status"], "pending");
    assert_eq!(lot["flags"], json!(["certificate_missing"]));
    let (status, again) = inspector
        .post(
            "/api/v1/material-lots",
            &json!({"supplier_id": supplier["id"], "material": "LED 2835 2700K",
                    "lot_number": "SZ-2611-07", "quantity": 10}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(error_fields(&again), ["lot_number"]);

    let expired_pdf = b"%PDF-1.4 certificate of conformity 2024".to_vec();
    let (status, flagged) = common::attach_document(
        &inspector,
        lot_id,
        expired_pdf.clone(),
        &[
            ("kind", "certificate"),
            ("issued_on", "2024-01-01"),
            ("expires_on", "2025-12-31"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{flagged}");
    assert_eq!(flagged["flags"], json!(["certificate_expired"]));
    let document = &flagged["documents"][0];
    assert_eq!(document["expired"], true);
    let response = inspector
        .request(reqwest::Method::GET, document["href"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await.unwrap();
    assert_eq!(body.as_ref(), expired_pdf.as_slice());
    assert_eq!(
        document["sha256"],
        lotcheck::domain::digest::hex(&sha2::Digest::finalize(sha2::Digest::chain_update(
            <sha2::Sha256 as sha2::Digest>::new(),
            &expired_pdf
        )))
    );
    let (status, not_a_document) = common::attach_document(
        &inspector,
        lot_id,
        b"plain text".to_vec(),
        &[("kind", "certificate"), ("expires_on", "2026-13-01")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{not_a_document}");
    assert_eq!(error_fields(&not_a_document), ["expires_on"]);

    // Inspected by the plan the ISO 2859-1 lookup gives for 5,000 units.
    let (_, expected) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5000&aql=0.65")
        .await;
    let (status, inspected) = inspector
        .post(
            &format!("/api/v1/material-lots/{lot_id}/inspection"),
            &json!({"aql": 0.65, "found": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inspected}");
    let inspection = &inspected["inspection"];
    for key in ["sample_size", "accept", "reject", "code_letter"] {
        assert_eq!(
            inspection[key].to_string().trim_matches('"'),
            expected[key].to_string().trim_matches('"'),
            "{key}"
        );
    }
    assert_eq!(inspection["passed"], true, "{inspection}");

    // Flagged: acceptance refused until a valid certificate is on file.
    let decision = format!("/api/v1/material-lots/{lot_id}/decision");
    let accept =
        json!({"meaning": "accepted", "comment": "sample within plan", "password": PASSWORD});
    let (status, refused) = lead.post(&decision, &accept).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["meaning"]);
    let (status, _) = inspector.post(&decision, &accept).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an inspector does not sign");
    let (status, valid) = common::attach_document(
        &inspector,
        lot_id,
        b"%PDF-1.4 certificate of conformity 2026".to_vec(),
        &[("kind", "certificate"), ("expires_on", "2099-12-31")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{valid}");
    assert_eq!(valid["flags"], json!([]));
    let wrong = json!({"meaning": "accepted", "comment": "ok", "password": "not-it"});
    let (status, problem) = lead.post(&decision, &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["password"]);
    let (status, accepted) = lead.post(&decision, &accept).await;
    assert_eq!(status, StatusCode::CREATED, "{accepted}");
    assert_eq!(accepted["status"], "accepted");

    // Used in both customers' batches; a pending lot only under concession.
    for batch in [a.batch_id, batch_b] {
        let (status, used) = inspector
            .post(
                &format!("/api/v1/batches/{batch}/material-lots"),
                &json!({"material_lot_id": lot_id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{used}");
    }
    let (status, twice) = inspector
        .post(
            &format!("/api/v1/batches/{}/material-lots", a.batch_id),
            &json!({"material_lot_id": lot_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");
    let drivers = inspector
        .create(
            "/api/v1/material-lots",
            json!({"supplier_id": supplier["id"], "material": "Driver 9 W", "lot_number": "DRV-88",
                   "quantity": 200, "certificate_required": false}),
        )
        .await;
    let use_drivers = format!("/api/v1/batches/{batch_b}/material-lots");
    let (status, needs) = inspector
        .post(&use_drivers, &json!({"material_lot_id": drivers["id"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{needs}");
    assert_eq!(error_fields(&needs), ["concession"]);
    let (status, conceded) = inspector
        .post(
            &use_drivers,
            &json!({"material_lot_id": drivers["id"], "concession": "urgent order; inspected at first article"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conceded}");

    // Serials: a range for batch A, a CSV list for batch B (a bad row named
    // first, nothing stored), a taken serial refused.
    let (status, ranged) = inspector
        .post(
            &format!("/api/v1/batches/{}/serials", a.batch_id),
            &json!({"range": {"prefix": "HL-", "first": 1001, "digits": 6}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ranged}");
    assert_eq!(
        (ranged["assigned"].clone(), ranged["total"].clone()),
        (json!(100), json!(100))
    );
    let csv_path = format!("/api/v1/batches/{batch_b}/serials.csv");
    let post_csv = |body: &'static str| {
        inspector
            .request(reqwest::Method::POST, &csv_path)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let (status, bad) = common::read(
        post_csv("unit,serial\n1,NL-0001\n2,NL-0002\nthree,NL-0003\n")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(error_fields(&bad), ["rows[4].unit"]);
    let (status, taken) = common::read(
        post_csv("unit,serial\n1,NL-0001\n2,HL-001001\n")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(error_fields(&taken), ["units[1].serial"]);
    let (status, listed) = common::read(
        post_csv("unit,serial\n1,NL-0001\n2,NL-0002\n")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{listed}");
    assert_eq!(listed["total"], 2, "nothing of the refused files was kept");

    // Batch A passes QC and its report is issued.
    let (_, units) =
        common::draw_plan(&app, a.batch_id, json!({"method": "percent", "seed": 4})).await;
    common::record_bulbs(&app, a.batch_id, &units, |_| Bulb {
        flux: 805.0,
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let all: Vec<Value> = (1..=100).map(|u| json!({"unit": u})).collect();
    app.create(
        &format!("/api/v1/batches/{}/inspections", a.batch_id),
        json!({"inspections": all}),
    )
    .await;
    let issued = common::decide_and_issue(
        &lead,
        a.batch_id,
        a.order_id,
        "released",
        "all checks passed",
    )
    .await;
    assert_eq!(issued["revision"], 1);

    // Pre-shipment inspection of batch A's 50 cartons: the plan is the
    // lookup route's, in nonconformities; a carton whose barcode has a
    // wrong check digit is found, relabelled and checked again.
    let shipment = format!("/api/v1/batches/{}/shipment-inspection", a.batch_id);
    let packing = json!({"cartons": 50, "units_per_carton": 2, "gross_weight_kg": 1.1,
                         "carton_volume_m3": 0.012, "gtin": "6291041500214"});
    let mut overpacked = packing.clone();
    overpacked["units_per_carton"] = json!(3);
    let (status, too_many) = lead.post(&shipment, &overpacked).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{too_many}");
    assert_eq!(
        error_fields(&too_many),
        ["gtin", "cartons"],
        "150 units of a lot of 100"
    );
    let (status, bad_gtin) = lead.post(&shipment, &packing).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad_gtin}");
    assert_eq!(error_fields(&bad_gtin), ["gtin"]);
    let mut packing = packing;
    packing["gtin"] = json!("6291041500213");
    let (status, planned) = lead.post(&shipment, &packing).await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let (_, cartons_plan) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=50&aql=4&counts=nonconformities")
        .await;
    for key in ["sample_size", "accept", "reject"] {
        assert_eq!(planned[key], cartons_plan[key], "{key}");
    }
    let carton = |number: i64, barcode: &str| {
        json!({"carton": number, "units_counted": 2, "gross_weight_kg": 1.12, "barcode": barcode,
               "marks": {"po": "PO-2026-0001", "model": "A60-E27-9W-2700K", "quantity": 2}})
    };
    let cartons_path = format!("{shipment}/cartons");
    // The cartons to check are drawn from the stored seed, distinct, within
    // the packing list; another carton is refused.
    let drawn: Vec<i64> = planned["drawn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    let sample = planned["sample_size"].as_i64().unwrap();
    assert!(planned["seed"].is_i64(), "{planned}");
    assert_eq!(drawn.len() as i64, sample);
    assert!(drawn.iter().all(|c| (1..=50).contains(c)));
    assert_eq!(
        drawn
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        drawn.len()
    );
    let undrawn = (1..=50).find(|c| !drawn.contains(c)).unwrap();
    let (status, refused) = inspector
        .post(&cartons_path, &carton(undrawn, "6291041500213"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["carton"]);
    let relabel = drawn[0];
    let (status, first) = inspector
        .post(&cartons_path, &carton(relabel, "]E06291041500214"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let found = &first["checks"][0];
    assert_eq!(found["findings"], json!(["barcode_unreadable"]), "{found}");
    let (status, _) = inspector
        .post(&cartons_path, &carton(relabel, "6291041500213"))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a re-check names the check it replaces"
    );
    let mut relabelled = carton(relabel, "6291041500213");
    relabelled["supersedes"] = found["id"].clone();
    let (status, corrected) = inspector.post(&cartons_path, &relabelled).await;
    assert_eq!(status, StatusCode::CREATED, "{corrected}");
    assert_eq!(corrected["nonconformities"], 0);
    let mut last = corrected;
    for &number in &drawn[1..] {
        let (status, answer) = inspector
            .post(&cartons_path, &carton(number, "06291041500213"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        last = answer;
    }
    assert_eq!(last["history"].as_array().unwrap().len() as i64, sample + 1);
    let (_, ready) = helios_status(&app, a.batch_id).await;
    assert_eq!(ready["ready_to_ship"], true, "{ready}");
    let (status, unreleased) = lead
        .post(
            &format!("/api/v1/batches/{batch_b}/shipment-inspection"),
            &packing,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{unreleased}");
    assert_eq!(unreleased["code"], "not_released");
    let response = lead
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/orders/{}/packing-list.csv", a.order_id),
        )
        .send()
        .await
        .unwrap();
    let packing_list = response.text().await.unwrap();
    assert!(
        packing_list
            .contains("PO-2026-0001,1,50,2,100,1.1,55.000,0.600,06291041500213,passed,true"),
        "{packing_list}"
    );

    // The same packing list as a PDF, read back with poppler: in Chinese
    // and English together, with the totals, its fonts embedded.
    let response = lead
        .request(
            reqwest::Method::GET,
            &format!(
                "/api/v1/orders/{}/packing-list.pdf?language=bilingual",
                a.order_id
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pdf = crate::reports::scratch(&format!("packing-list-{}.pdf", a.order_id));
    std::fs::write(&pdf, response.bytes().await.unwrap()).unwrap();
    let text = crate::reports::pdf_text(&pdf);
    for expected in [
        "装箱单 / Packing list",
        "PO-2026-0001",
        "06291041500213",
        "合格，可出货 / Passed, ready to ship",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let total = text
        .lines()
        .find(|l| l.trim_start().starts_with("合计 / Total"))
        .unwrap_or_else(|| panic!("a totals row in {text}"));
    let totals: Vec<&str> = total.split_whitespace().skip(3).collect();
    assert_eq!(totals, ["50", "100", "55.0", "0.600"], "{total}");
    crate::reports::assert_fonts_embedded(&pdf);

    // The report tells the material lots and the pre-shipment result, and
    // is due again now that the cartons are checked.
    let report_page = page_as(
        &app,
        "leila",
        "en",
        &format!("/orders/{}/report", a.order_id),
    )
    .await;
    assert!(
        report_page.contains("6  Material lots and pre-shipment inspection")
            && report_page.contains("SZ-2611-07")
            && report_page.contains("Accepted at incoming inspection")
            && report_page.contains("Passed"),
        "{report_page}"
    );
    assert!(
        !report_page.contains("Shenzhen"),
        "the supplier is the factory's own record"
    );
    let (status, second) = lead
        .post(
            &format!("/api/v1/orders/{}/reports", a.order_id),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, second["revision"].clone()),
        (StatusCode::CREATED, json!(2)),
        "{second}"
    );

    // Forward from the lot: both batches, both orders of both customers.
    let (_, forward) = lead
        .get(&format!("/api/v1/trace/material-lots/{lot_id}"))
        .await;
    assert_eq!(ids(&forward["orders"], "id"), {
        let mut both = vec![a.order_id, order_b];
        both.sort_unstable();
        both
    });
    let customers: Vec<i64> = forward["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["customer_id"].as_i64().unwrap())
        .collect();
    assert!(customers.contains(&a.customer_id) && customers.contains(&customer_b));
    // Back from batch B: both lots, the drivers under their concession.
    let (_, back) = lead.get(&format!("/api/v1/trace/batches/{batch_b}")).await;
    let lots = back["material_lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2, "{back}");
    let driver_use = lots
        .iter()
        .find(|u| u["material_lot"]["id"] == drivers["id"])
        .unwrap();
    assert_eq!(
        driver_use["concession"],
        "urgent order; inspected at first article"
    );
    let (_, order_trace) = lead
        .get(&format!("/api/v1/trace/orders/{}", a.order_id))
        .await;
    assert_eq!(ids(&order_trace["material_lots"], "id"), [lot_id]);
    assert_eq!(
        order_trace["material_lots"][0]["supplier"],
        "Shenzhen LED Co"
    );

    // A customer finds its unit by serial (its batch's report with it); the
    // other customer does not.
    let helios = app
        .signed_in("helios", Role::Customer, Some(a.customer_id))
        .await;
    let nordlicht = app
        .signed_in("nordlicht", Role::Customer, Some(customer_b))
        .await;
    let serial = "HL-001005";
    let (status, unit) = helios.get(&format!("/api/v1/trace/units/{serial}")).await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(
        (unit["unit"].clone(), unit["batch"]["id"].clone()),
        (json!(5), json!(a.batch_id))
    );
    assert_eq!(
        unit["report"]["sha256"], second["sha256"],
        "the newest revision"
    );
    assert_eq!(
        unit["material_lots"],
        json!([]),
        "suppliers are the factory's own"
    );
    assert_eq!(unit["sampled"], json!(units.contains(&5)));
    let (status, _) = nordlicht
        .get(&format!("/api/v1/trace/units/{serial}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = helios
        .get(&format!("/api/v1/trace/material-lots/{lot_id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The customer's receipt check finds defective units: an NCR opens.
    let receipt = format!("/api/v1/batches/{}/receipt-checks", a.batch_id);
    let check = json!({"units_checked": 50, "defects": [{"defect": "flickers", "count": 3}]});
    let (status, _) = nordlicht.post(&receipt, &check).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another customer's batch");
    let (status, unshipped) = nordlicht
        .post(
            &format!("/api/v1/batches/{batch_b}/receipt-checks"),
            &json!({"units_checked": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{unshipped}");
    assert_eq!(
        unshipped["code"], "not_released",
        "a batch not released is not delivered"
    );
    let (status, checked) = helios.post(&receipt, &check).await;
    assert_eq!(status, StatusCode::CREATED, "{checked}");
    assert_eq!(checked["accepted"], false);
    let (_, receipt_ncr) = lead
        .get(&format!("/api/v1/ncrs/{}", checked["ncr_id"]))
        .await;
    assert_eq!(receipt_ncr["source"], "receipt_check", "{receipt_ncr}");
    assert_eq!(receipt_ncr["batch_id"], a.batch_id);

    // A warranty claim by serial: the batch's report, inside the warranty.
    let (status, warranty) = helios
        .post(
            "/api/v1/warranty-claims",
            &json!({"serial": serial, "description": "does not light"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{warranty}");
    assert_eq!(warranty["report"]["sha256"], second["sha256"]);
    assert_eq!(warranty["within_warranty"], true, "{warranty}");
    assert_eq!(warranty["warranty_months"], 24);
    let released =
        chrono::NaiveDate::parse_from_str(warranty["released_on"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert_eq!(
        warranty["warranty_ends"],
        json!((released + chrono::Months::new(24)).to_string())
    );
    // A claim dated before the release lies outside the warranty; one
    // dated in the future is refused.
    let (_, early) = helios
        .post(
            "/api/v1/warranty-claims",
            &json!({"serial": serial, "description": "does not light", "claim_date": "2020-01-01"}),
        )
        .await;
    assert_eq!(early["within_warranty"], false, "{early}");
    let (status, ahead) = helios
        .post(
            "/api/v1/warranty-claims",
            &json!({"serial": serial, "description": "does not light", "claim_date": "2040-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ahead}");
    assert_eq!(error_fields(&ahead), ["claim_date"]);
    let (status, not_theirs) = nordlicht
        .post(
            "/api/v1/warranty-claims",
            &json!({"serial": serial, "description": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{not_theirs}");
    assert_eq!(error_fields(&not_theirs), ["serial"]);

    // The customer's claim opens an NCR on the serial's batch.
    let claim = json!({"order_id": a.order_id, "source": "customer_claim",
                       "description": "3 lamps flicker after 200 h", "serials": [serial]});
    let (status, ncr) = helios.post("/api/v1/ncrs", &claim).await;
    assert_eq!(status, StatusCode::CREATED, "{ncr}");
    let ncr_id = ncr["id"].as_i64().unwrap();
    assert_eq!(ncr["batch_id"], a.batch_id);
    assert_eq!(
        ncr["affected_orders"],
        json!([]),
        "a customer sees no other order"
    );
    let (status, internal) = nordlicht
        .post(
            "/api/v1/ncrs",
            &json!({"order_id": order_b, "source": "internal", "description": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{internal}");
    let (status, foreign) = nordlicht
        .post(
            "/api/v1/ncrs",
            &json!({"order_id": a.order_id, "source": "customer_claim", "description": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{foreign}");
    assert_eq!(error_fields(&foreign), ["order_id"]);
    let (status, _) = nordlicht.get(&format!("/api/v1/ncrs/{ncr_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, their_list) = nordlicht.get("/api/v1/ncrs").await;
    assert_eq!(their_list, json!([]));
    // The factory's internal finding on the customer's order stays the
    // factory's.
    let internal = lead
        .create(
            "/api/v1/ncrs",
            json!({"order_id": a.order_id, "source": "internal", "description": "solder voids on line 2"}),
        )
        .await;
    let (status, _) = helios
        .get(&format!("/api/v1/ncrs/{}", internal["id"]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, own_list) = helios.get("/api/v1/ncrs").await;
    let mut own = vec![ncr_id, checked["ncr_id"].as_i64().unwrap()];
    own.sort_unstable();
    assert_eq!(ids(&own_list, "id"), own);

    // Staff see it traced back to the lot and forward to both orders.
    let (_, traced) = lead.get(&format!("/api/v1/ncrs/{ncr_id}")).await;
    assert_eq!(traced["material_lot_ids"], json!([lot_id]));
    assert_eq!(ids(&traced["affected_orders"], "id").len(), 2, "{traced}");

    // The pages: a customer's unit page in Chinese names no supplier; the
    // lot's page shows where it went; the claims page lists the customer's own.
    let unit_page = page_as(&app, "helios", "zh-CN", &format!("/trace?serial={serial}")).await;
    assert!(
        unit_page.contains("查找样品") && unit_page.contains("PO-2026-0001"),
        "{unit_page}"
    );
    assert!(
        !unit_page.contains("Shenzhen") && !unit_page.contains("SZ-2611-07"),
        "{unit_page}"
    );
    let lot_page = page_as(&app, "leila", "en", &format!("/materials/{lot_id}")).await;
    assert!(
        lot_page.contains("SZ-2611-07") && lot_page.contains("NL-4711"),
        "{lot_page}"
    );
    let claims_page = page_as(&app, "nordlicht", "en", "/ncrs").await;
    assert!(
        !claims_page.contains(&format!("NCR-{ncr_id}")),
        "{claims_page}"
    );
    let staff_claim = page_as(&app, "leila", "zh-CN", &format!("/ncrs/{ncr_id}")).await;
    assert!(
        staff_claim.contains("客户投诉") && staff_claim.contains("NL-4711"),
        "{staff_claim}"
    );

    // The CAPA: not closable until everything is recorded, then signed.
    let ncr_path = format!("/api/v1/ncrs/{ncr_id}");
    let close = json!({"password": PASSWORD});
    let (status, early) = lead.post(&format!("{ncr_path}/close"), &close).await;
    assert_eq!(status, StatusCode::CONFLICT, "{early}");
    assert_eq!(early["code"], "ncr_not_ready");
    let (status, investigated) = lead
        .post(
            &format!("{ncr_path}/investigation"),
            &json!({"disposition": "replace_under_warranty",
                    "root_cause": "LED lot SZ-2611-07: solder voids under the die"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{investigated}");
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    let (status, planned) = lead
        .post(
            &format!("{ncr_path}/actions"),
            &json!({"description": "X-ray 20 LEDs of each incoming lot", "owner": "IQC lead",
                    "due_on": yesterday}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let action = &planned["actions"][0];
    assert_eq!(action["overdue"], true);
    let (status, done) = lead
        .post(
            &format!("{ncr_path}/actions/{}/done", action["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["actions"][0]["overdue"], false);
    lead.post(
        &format!("{ncr_path}/investigation"),
        &json!({"effectiveness": "next 3 lots: no voids in 60 LEDs"}),
    )
    .await;
    let (status, wrong) = lead
        .post(&format!("{ncr_path}/close"), &json!({"password": "not-it"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    let (status, closed) = lead.post(&format!("{ncr_path}/close"), &close).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["disposition"], "replace_under_warranty");
    let (status, late) = lead
        .post(
            &format!("{ncr_path}/investigation"),
            &json!({"root_cause": "changed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{late}");

    // Every write is audited.
    let (_, audit) = app.get("/api/v1/audit?per_page=200").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "material_lot.receive",
        "material_document.attach",
        "material_lot.inspect",
        "material_lot.decide",
        "batch.material_lot",
        "batch.serials",
        "ncr.open",
        "ncr.investigate",
        "ncr.action",
        "ncr.action_done",
        "ncr.close",
        "shipment_inspection.plan",
        "shipment_inspection.carton",
        "receipt_check.record",
        "warranty_claim.record",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} audited: {actions:?}"
        );
    }
}

/// Incoming inspections follow ISO 2859-1's switching rules per supplier
/// and material (clause 9.3.2: two of five or fewer consecutive lots not
/// accepted switch to tightened): the third lot of a material whose first
/// two failed is planned tightened, as the lookup route plans it; another
/// material of the same supplier, and the same material from another
/// supplier, stay on normal.
pub async fn material_lots_switch_per_supplier_and_material(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let inspector = app.signed_in("ines", Role::Inspector, None).await;
    let supplier = |name: &'static str| {
        let app = &app;
        async move { app.create("/api/v1/suppliers", json!({"name": name})).await["id"].clone() }
    };
    let (led_co, other_co) = (
        supplier("Shenzhen LED Co").await,
        supplier("Foshan Lighting").await,
    );
    let mut number = 0;
    let mut inspect = |supplier: Value, material: &'static str, found: i64| {
        number += 1;
        let inspector = &inspector;
        async move {
            let lot = inspector
                .create(
                    "/api/v1/material-lots",
                    json!({"supplier_id": supplier, "material": material,
                           "lot_number": format!("L-{number}"), "quantity": 5000,
                           "certificate_required": false}),
                )
                .await;
            let (status, inspected) = inspector
                .post(
                    &format!("/api/v1/material-lots/{}/inspection", lot["id"]),
                    &json!({"aql": 1.0, "found": found}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{inspected}");
            inspected["inspection"].clone()
        }
    };
    let impossible = inspector
        .create(
            "/api/v1/material-lots",
            json!({"supplier_id": led_co, "material": "Lens", "lot_number": "X-1",
                   "quantity": 5000, "certificate_required": false}),
        )
        .await;
    let (status, refused) = inspector
        .post(
            &format!("/api/v1/material-lots/{}/inspection", impossible["id"]),
            &json!({"aql": 1.0, "found": 201}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "more nonconforming units than the sample of 200: {refused}"
    );
    assert_eq!(error_fields(&refused), ["found"]);
    let first = inspect(led_co.clone(), "LED 2835", 50).await;
    assert_eq!(first["inspection"], "normal");
    assert_eq!(first["passed"], false);
    let second = inspect(led_co.clone(), "LED 2835", 50).await;
    assert_eq!(second["inspection"], "normal", "{second}");
    let third = inspect(led_co.clone(), "LED 2835", 0).await;
    assert_eq!(third["inspection"], "tightened", "{third}");
    let (_, tightened) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5000&aql=1.0&inspection=tightened")
        .await;
    for key in ["sample_size", "accept", "reject"] {
        assert_eq!(third[key], tightened[key], "{key}");
    }
    let other_material = inspect(led_co.clone(), "Driver 9 W", 0).await;
    assert_eq!(other_material["inspection"], "normal");
    let other_supplier = inspect(other_co.clone(), "LED 2835", 0).await;
    assert_eq!(other_supplier["inspection"], "normal");
}
