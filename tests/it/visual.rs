//! Final visual inspection: catalogue per family, inspections of every unit
//! (or of the sample), corrections, the Pareto summary, and photos that are
//! only ever served as images.

use crate::common::{self, error_fields, png_photo, upload_photo, Backend, Http, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn catalogue(app: &Http) {
    for (code, severity) in [
        ("scratch", "minor"),
        ("coating_peeling", "major"),
        ("cracked_diffuser", "critical"),
    ] {
        app.create(
            "/api/v1/defect-types",
            json!({"family": "led-lamp", "code": code, "name": code.replace('_', " "), "severity": severity}),
        )
        .await;
    }
}

/// A batch of `lot_size` units of a product inspected as `scope`.
async fn batch_of(app: &Http, code: &str, scope: &str, lot_size: i64) -> i64 {
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": code, "name": code, "family": "led-lamp", "visual_inspection": scope,
                   "characteristics": common::bulb_characteristics()}),
        )
        .await;
    let customer = app
        .create(
            "/api/v1/customers",
            json!({"name": format!("Customer of {code}")}),
        )
        .await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": code, "quantity": lot_size}))
        .await;
    let batch_id = common::new_batch(app, order["id"].as_i64().unwrap(), lot_size).await;
    batch_id
}

pub async fn every_unit_is_inspected_and_summed_up_in_pareto_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    catalogue(&app).await;
    let (status, problem) = app
        .post(
            "/api/v1/defect-types",
            &json!({"family": "led-lamp", "code": "scratch", "name": "again", "severity": "minor"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let batch = batch_of(&app, "A60-VIS", "all", 20).await;
    let path = format!("/api/v1/batches/{batch}/inspections");

    // Bad inspections are named and nothing is stored.
    for (inspection, field) in [
        (json!({"unit": 21}), "inspections[1].unit"),
        (
            json!({"unit": 2, "defects": [{"defect": "smudge"}]}),
            "inspections[1].defects[0].defect",
        ),
        (
            json!({"unit": 2, "defects": [{"defect": "scratch", "count": 0}]}),
            "inspections[1].defects[0].count",
        ),
        (json!({"unit": 1}), "inspections[1].unit"),
    ] {
        let (status, problem) = app
            .post(&path, &json!({"inspections": [{"unit": 1}, inspection]}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(
            error_fields(&problem).contains(&field),
            "{field}: {problem}"
        );
    }
    let (_, empty) = app.get(&path).await;
    assert_eq!(empty["total"], 0);

    // 20 units: 15 pass; scratches on 4 (one with 3), peeling on 2, one cracked.
    let mut inspections: Vec<Value> = (1..=20).map(|u| json!({"unit": u})).collect();
    for unit in [2, 5, 9, 14] {
        inspections[unit - 1] = json!({"unit": unit, "defects": [{"defect": "scratch", "count": if unit == 9 { 3 } else { 1 }}]});
    }
    inspections[4] =
        json!({"unit": 5, "defects": [{"defect": "scratch"}, {"defect": "coating_peeling"}]});
    inspections[16] =
        json!({"unit": 17, "defects": [{"defect": "coating_peeling", "severity": "minor"}]});
    inspections[19] = json!({"unit": 20, "defects": [{"defect": "cracked_diffuser"}]});
    let recorded = app.create(&path, json!({"inspections": inspections})).await;
    assert_eq!(recorded["inspections"].as_array().unwrap().len(), 20);
    assert_eq!(recorded["inspections"][0]["passed"], true);
    assert_eq!(
        recorded["inspections"][16]["defects"][0]["severity"],
        "minor"
    );

    let (_, summary) = app
        .get(&format!("/api/v1/batches/{batch}/visual-summary"))
        .await;
    assert_eq!(summary["units_to_inspect"], 20);
    assert_eq!(summary["units_inspected"], 20);
    assert_eq!(summary["units_failed"], 6, "{summary}");
    assert_eq!(summary["units_passed"], 14);
    assert_eq!(summary["units_with_critical"], 1);
    assert_eq!(summary["units_with_major"], 1);
    assert_eq!(summary["units_with_minor"], 5);
    // scratch 1+1+3+1 = 6 on 4 units; peeling 2 on 2 units; cracked 1.
    let pareto: Vec<(&str, i64, i64)> = summary["defects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["defect"].as_str().unwrap(),
                d["count"].as_i64().unwrap(),
                d["units"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pareto,
        [
            ("scratch", 6, 4),
            ("coating_peeling", 2, 2),
            ("cracked_diffuser", 1, 1)
        ]
    );
    assert_eq!(summary["defects_per_hundred_units"], 45.0);

    // A correction: unit 20's crack was a reflection.
    let cracked = recorded["inspections"][19]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, corrected) = app
        .post(
            &format!("/api/v1/inspections/{cracked}/corrections"),
            &json!({"defects": [], "reason": "reflection, not a crack"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{corrected}");
    assert_eq!(corrected["passed"], true);
    assert_eq!(corrected["supersedes"], cracked.as_str());
    let (status, problem) = app
        .post(
            &format!("/api/v1/inspections/{cracked}/corrections"),
            &json!({"defects": [], "reason": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (_, summary) = app
        .get(&format!("/api/v1/batches/{batch}/visual-summary"))
        .await;
    assert_eq!(summary["units_failed"], 5);
    assert_eq!(summary["units_with_critical"], 0);
    let (_, history) = app.get(&format!("{path}?unit=20")).await;
    assert_eq!(history["total"], 2);
    assert_eq!(history["items"][0]["superseded_by"], corrected["id"]);
    let (_, audit) = app.get("/api/v1/audit?action=inspections.").await;
    assert_eq!(audit["total"], 2);
    app.stop().await;
}

pub async fn a_sampled_visual_inspection_covers_only_the_plan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    catalogue(&app).await;
    let batch = batch_of(&app, "GU10-VIS", "sample", 100).await;
    let path = format!("/api/v1/batches/{batch}/inspections");
    let (status, problem) = app
        .post(&path, &json!({"inspections": [{"unit": 1}]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "no_sampling_plan");
    let (_, units) =
        common::draw_plan(&app, batch, json!({"method": "iso2859-1", "aql": 2.5})).await;
    let outside = (1..=100).find(|u| !units.contains(u)).unwrap();
    let (status, problem) = app
        .post(&path, &json!({"inspections": [{"unit": outside}]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("not drawn"), "{problem}");
    let all: Vec<Value> = units.iter().map(|u| json!({"unit": u})).collect();
    app.create(&path, json!({"inspections": all})).await;
    let (_, summary) = app
        .get(&format!("/api/v1/batches/{batch}/visual-summary"))
        .await;
    assert_eq!(summary["units_to_inspect"], units.len());
    assert_eq!(summary["units_passed"], units.len());
    app.stop().await;
}

pub async fn photos_are_checked_stored_once_and_served_only_as_images(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    catalogue(&app).await;
    let batch = batch_of(&app, "A60-PHOTO", "all", 5).await;
    let recorded = app
        .create(
            &format!("/api/v1/batches/{batch}/inspections"),
            json!({"inspections": [{"unit": 3, "defects": [{"defect": "scratch"}]}]}),
        )
        .await;
    let inspection = recorded["inspections"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let photo = png_photo(1200, 900);
    let (status, stored) = upload_photo(&app, &inspection, photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let (status, again) = upload_photo(&app, &inspection, photo.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], stored["id"]);

    let response = app
        .request(reqwest::Method::GET, stored["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-security-policy").contains("sandbox"));
    assert_eq!(response.bytes().await.unwrap().to_vec(), photo);

    let thumbnail = app
        .request(
            reqwest::Method::GET,
            stored["thumbnail_url"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(thumbnail.headers()["content-type"], "image/jpeg");
    let small = image::load_from_memory(&thumbnail.bytes().await.unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (320, 240));

    let (_, seen) = app.get(&format!("/api/v1/inspections/{inspection}")).await;
    assert_eq!(seen["photos"][0]["id"], stored["id"]);

    // Not images, whatever the file is called.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let mut truncated = vec![0xFF, 0xD8, 0xFF, 0xE0];
    truncated.extend_from_slice(&[0u8; 64]);
    for bytes in [html, truncated, Vec::new()] {
        let (status, problem) = upload_photo(&app, &inspection, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["photo"]);
    }
    let (_, seen) = app.get(&format!("/api/v1/inspections/{inspection}")).await;
    assert_eq!(seen["photos"].as_array().unwrap().len(), 1);
    app.stop().await;
}

/// A tray marked passed in one request: every unit of the range at 100%,
/// only the drawn ones for a sampled inspection; all or nothing under the
/// rules of single units; a retry stores nothing twice; the device's time
/// is kept beside the server's.
pub async fn a_range_of_units_is_marked_passed_in_one_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    catalogue(&app).await;
    let batch = batch_of(&app, "A60-TRAY", "all", 300).await;
    let path = format!("/api/v1/batches/{batch}/inspections");
    let summary = |app: &TestApp| {
        let path = format!("/api/v1/batches/{batch}/visual-summary");
        let app = app.http.clone();
        async move { app.get(&path).await.1 }
    };
    app.create(
        &path,
        json!({"inspections": [{"unit": 57, "defects": [{"defect": "scratch"}]}]}),
    )
    .await;

    // Bad ranges are named; a range over an inspected unit is refused whole.
    for (range, field) in [
        (
            json!({"id": "5c0d52a4-0a3e-4a8f-9d53-8e8f4d7c0a01", "first": 0, "last": 10}),
            "passed_range.first",
        ),
        (
            json!({"id": "5c0d52a4-0a3e-4a8f-9d53-8e8f4d7c0a01", "first": 20, "last": 10}),
            "passed_range.last",
        ),
        (
            json!({"id": "5c0d52a4-0a3e-4a8f-9d53-8e8f4d7c0a01", "first": 1, "last": 301}),
            "passed_range.last",
        ),
        (
            json!({"id": "5c0d52a4-0a3e-4a8f-9d53-8e8f4d7c0a01", "first": 1, "last": 5, "taken_at": "2999-01-01T00:00:00Z"}),
            "passed_range.taken_at",
        ),
    ] {
        let (status, problem) = app.post(&path, &json!({"passed_range": range})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(error_fields(&problem).contains(&field), "{problem}");
    }
    let over = json!({"passed_range": {"id": "0b7f5c1e-3a55-4c61-8f0e-2d0d6a1e7b10", "first": 1, "last": 200}});
    let (status, problem) = app.post(&path, &over).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        error_fields(&problem).contains(&"passed_range"),
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("unit 57"),
        "{problem}"
    );
    assert_eq!(
        summary(&app).await["units_inspected"],
        1,
        "nothing of the range is stored"
    );

    // Around the inspected unit: two trays, the device's time kept.
    let taken = "2026-11-20T08:15:00Z";
    let first = json!({"passed_range": {"id": "0b7f5c1e-3a55-4c61-8f0e-2d0d6a1e7b10", "first": 1, "last": 56, "taken_at": taken}});
    let stored = app.create(&path, first.clone()).await;
    assert_eq!(stored["inspections"].as_array().unwrap().len(), 56);
    assert_eq!(stored["inspections"][0]["unit"], 1);
    assert_eq!(stored["inspections"][0]["taken_at"], taken);
    assert!(stored["inspections"][0]["recorded_at"].as_str().unwrap() > taken);
    let (status, again) = app.post(&path, &first).await;
    assert!(status.is_success(), "{again}");
    assert_eq!(
        again["inspections"], stored["inspections"],
        "a retry answers what was stored"
    );
    app.create(&path, json!({"passed_range": {"id": "f2a9e3c4-1b2d-4e5f-8a6b-7c8d9e0f1a2b", "first": 58, "last": 300}}))
        .await;
    let done = summary(&app).await;
    assert_eq!(done["units_inspected"], 300, "{done}");
    assert_eq!(done["units_passed"], 299, "{done}");

    // A sampled inspection: the range stands for the drawn units in it.
    let sampled = batch_of(&app, "GU10-TRAY", "sample", 200).await;
    let (_, units) = common::draw_plan(
        &app,
        sampled,
        json!({"method": "percent", "percent": 10, "seed": 3}),
    )
    .await;
    let stored = app
        .create(
            &format!("/api/v1/batches/{sampled}/inspections"),
            json!({"passed_range": {"id": "9d1c7a2e-5f4b-4c3a-8e2d-1f0a9b8c7d6e", "first": 1, "last": 100}}),
        )
        .await;
    let mut expected: Vec<i64> = units.iter().copied().filter(|&u| u <= 100).collect();
    expected.sort_unstable();
    let got: Vec<i64> = stored["inspections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit"].as_i64().unwrap())
        .collect();
    assert_eq!(got, expected);
    app.stop().await;
}
