//! Recording readings: all or nothing, named errors, harmless retries.

use crate::common::{self, scenario, Backend, Scenario, TestApp};
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn planned(app: &TestApp) -> (Scenario, Vec<i64>) {
    let s = scenario(app, 200).await;
    let (_, units) =
        common::draw_plan(app, s.batch_id, json!({"method": "percent", "seed": 99})).await;
    (s, units)
}

async fn stored_count(app: &TestApp, batch_id: i64) -> i64 {
    let (_, page) = app
        .get(&format!("/api/v1/batches/{batch_id}/measurements"))
        .await;
    page["total"].as_i64().unwrap()
}

fn not_sampled(units: &[i64]) -> i64 {
    (1..=200).find(|u| !units.contains(u)).unwrap()
}

pub async fn a_bad_item_is_named_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, units) = planned(&app).await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let good = json!({"unit": units[0], "characteristic": "flux", "value": 801.5});
    let cases = [
        (
            json!({"unit": 201, "characteristic": "flux", "value": 800.0}),
            "measurements[1].unit",
            "outside the lot",
        ),
        (
            json!({"unit": not_sampled(&units), "characteristic": "flux", "value": 800.0}),
            "measurements[1].unit",
            "not drawn",
        ),
        (
            json!({"unit": units[1], "characteristic": "cri", "value": 80.0}),
            "measurements[1].characteristic",
            "not a characteristic",
        ),
        (
            json!({"unit": units[1], "characteristic": "lights_up", "value": 0.5}),
            "measurements[1].value",
            "0 (pass) or 1 (fail)",
        ),
        (
            json!({"unit": units[1], "characteristic": "flux", "value": "bright"}),
            "measurements[1].value",
            "invalid type",
        ),
        (
            json!({"unit": units[0], "characteristic": "flux", "value": 802.0}),
            "measurements[1]",
            "twice",
        ),
    ];
    for (bad, field, message) in cases {
        let (status, problem) = app.post(&path, &json!({"measurements": [good, bad]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["code"], "validation_failed");
        let error = &problem["errors"][0];
        assert_eq!(error["field"], field, "{problem}");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{problem}"
        );
        assert_eq!(
            stored_count(&app, s.batch_id).await,
            0,
            "nothing stored after {bad}"
        );
    }
    // A value too large for a double is not a finite number: refused by name.
    let response = app
        .request(reqwest::Method::POST, &path)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"measurements": [{{"unit": {}, "characteristic": "flux", "value": 1e400}}]}}"#,
            units[0]
        ))
        .send()
        .await
        .unwrap();
    let (status, problem) = common::read(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(
        problem["errors"][0]["field"], "measurements[0].value",
        "{problem}"
    );
    assert_eq!(stored_count(&app, s.batch_id).await, 0);

    let (status, problem) = app.post(&path, &json!({"measurements": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "measurements");
    app.stop().await;
}

pub async fn a_retry_with_the_same_ids_stores_nothing_twice_and_answers_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, units) = planned(&app).await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let body = json!({"measurements": [
        {"id": "7c4e7a52-3b8e-4c51-9d7e-0a1b2c3d4e5f", "unit": units[0], "characteristic": "flux", "value": 801.5},
        {"id": "0d9a6f44-18a3-4a52-8f0e-5b6c7d8e9f00", "unit": units[0], "characteristic": "power", "value": 9.02}
    ]});
    let (first_status, first) = app.post(&path, &body).await;
    assert_eq!(first_status, StatusCode::CREATED, "{first}");
    let (again_status, again) = app.post(&path, &body).await;
    assert_eq!(again_status, StatusCode::CREATED, "{again}");
    assert_eq!(again, first, "a retry answers as the first request did");
    let (status, one) = app
        .get("/api/v1/measurements/7c4e7a52-3b8e-4c51-9d7e-0a1b2c3d4e5f")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, first["measurements"][0]);
    assert_eq!(stored_count(&app, s.batch_id).await, 2);

    // The same id for a different reading is a conflict, not a silent overwrite.
    let mut changed = body.clone();
    changed["measurements"][0]["value"] = json!(799.0);
    let (status, problem) = app.post(&path, &changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "measurement_id_reused");
    assert_eq!(problem["errors"][0]["field"], "measurements[0].id");

    // A second reading of the same unit and characteristic is refused.
    let (status, problem) = app
        .post(&path, &json!({"measurements": [{"unit": units[0], "characteristic": "flux", "value": 790.0}]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "reading_exists");
    let (_, page) = app.get(&format!("{path}?characteristic=flux")).await;
    assert_eq!(
        page["items"][0]["value"], 801.5,
        "the recorded value is untouched"
    );
    app.stop().await;
}

/// A recording's answer tells who stored each reading and what corrects it
/// as a later look does, whether the reading is new or a retry of one
/// stored and corrected since (a new reading's answer is not looked up).
pub async fn a_recording_answers_each_reading_as_it_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, units) = planned(&app).await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let inspector = app.signed_in("ines", Role::Inspector, None).await;
    let first_id = "5b0f1f1e-8f3a-4c7e-9a51-3c2d1e0f9a8b";
    let first = json!({"id": first_id, "unit": units[0], "characteristic": "flux", "value": 801.5});
    let (status, answer) = inspector
        .post(&path, &json!({"measurements": [first]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let correction_id = "9e1d2c3b-4a5f-4e6d-8c7b-6a5f4e3d2c1b";
    let (status, correction) = app
        .post(
            &format!("/api/v1/measurements/{first_id}/corrections"),
            &json!({"id": correction_id, "value": 799.0, "reason": "probe recalibrated"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{correction}");

    // The first reading again (a retry), beside a new one, by someone else.
    let body = json!({"measurements": [
        first,
        {"unit": units[1], "characteristic": "flux", "value": 802.0}
    ]});
    let (status, answer) = app.post(&path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let answered = answer["measurements"].as_array().unwrap();
    assert_eq!(answered[0]["recorded_by"], "ines");
    assert_eq!(answered[0]["superseded_by"], correction_id);
    assert_eq!(answered[1]["recorded_by"], correction["recorded_by"]);
    assert_eq!(answered[1]["superseded_by"], Value::Null);

    // The inspector retries her own reading, beside a new one taken at a
    // time finer than a microsecond (PostgreSQL keeps microseconds).
    let body = json!({"measurements": [
        first,
        {"unit": units[2], "characteristic": "flux", "value": 803.0,
         "taken_at": "2026-12-01T08:30:00.123456789Z"}
    ]});
    let (status, own) = inspector.post(&path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let own = own["measurements"].as_array().unwrap();
    assert_eq!(own[0]["recorded_by"], "ines");
    assert_eq!(own[0]["superseded_by"], correction_id);
    assert_eq!(own[1]["recorded_by"], "ines");
    for reading in answered.iter().chain(own) {
        let (status, stored) = app
            .get(&format!(
                "/api/v1/measurements/{}",
                reading["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&stored, reading, "the answer is the reading as stored");
    }
    app.stop().await;
}

pub async fn readings_need_a_plan_and_an_existing_batch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let body = json!({"measurements": [{"unit": 1, "characteristic": "flux", "value": 800.0}]});
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{}/measurements", s.batch_id),
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "no_sampling_plan");
    let (status, problem) = app.post("/api/v1/batches/999999/measurements", &body).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["status"], 404);

    // The refusal is not remembered: once the plan is drawn, the batch
    // takes readings (the server keeps a batch's lot, plan and template
    // once it has them whole).
    let plan = app
        .create(
            &format!("/api/v1/batches/{}/sampling-plan", s.batch_id),
            json!({"method": "percent", "percent": 100, "seed": 1}),
        )
        .await;
    assert_eq!(plan["units"].as_array().unwrap().len(), 100);
    let (status, answer) = app
        .post(
            &format!("/api/v1/batches/{}/measurements", s.batch_id),
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    // Each batch is checked against its own lot and plan, however many
    // were read before it: unit 50 is in the first batch's lot of 100, not
    // in a second batch's lot of 10; a third batch of 80 draws a fifth of
    // its lot, and a unit the first batch drew is refused there as not
    // drawn.
    let small = common::new_batch(&app, s.order_id, 10).await;
    app.create(
        &format!("/api/v1/batches/{small}/sampling-plan"),
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    let unit_50 = json!({"measurements": [{"unit": 50, "characteristic": "flux", "value": 800.0}]});
    let refusal = |problem: &Value| {
        assert_eq!(problem["errors"][0]["field"], "measurements[0].unit");
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (status, problem) = app
        .post(&format!("/api/v1/batches/{small}/measurements"), &unit_50)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(refusal(&problem).contains("outside the lot"), "{problem}");

    // Its id is asked for before the batch exists: the 404 is not kept.
    let third_id = small + 1;
    let (status, _) = app
        .post(
            &format!("/api/v1/batches/{third_id}/measurements"),
            &unit_50,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let third = common::new_batch(&app, s.order_id, 80).await;
    assert_eq!(third, third_id);
    let (_, drawn) = common::draw_plan(
        &app,
        third,
        json!({"method": "percent", "percent": 20, "seed": 2}),
    )
    .await;
    // Units 1 and 50 of the first batch have their flux already.
    let not_drawn = (2..=80).find(|u| *u != 50 && !drawn.contains(u)).unwrap();
    let one_reading = |unit: i64| json!({"measurements": [{"unit": unit, "characteristic": "flux", "value": 801.0}]});
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{third}/measurements"),
            &one_reading(not_drawn),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(refusal(&problem).contains("not drawn"), "{problem}");
    let (status, answer) = app
        .post(
            &format!("/api/v1/batches/{third}/measurements"),
            &one_reading(drawn[0]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = app
        .post(
            &format!("/api/v1/batches/{}/measurements", s.batch_id),
            &one_reading(not_drawn),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    app.stop().await;
}

/// A large request is stored in one transaction with multi-row inserts.
pub async fn many_readings_in_one_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100_000).await;
    let plan = app
        .create(
            &format!("/api/v1/batches/{}/sampling-plan", s.batch_id),
            json!({"method": "percent", "seed": 5}),
        )
        .await;
    let readings: Vec<Value> = plan["units"]
        .as_array()
        .unwrap()
        .iter()
        .take(4000)
        .flat_map(|u| {
            [
                json!({"unit": u, "characteristic": "flux", "value": 805.0}),
                json!({"unit": u, "characteristic": "power", "value": 9.0}),
            ]
        })
        .collect();
    let recorded = common::record_readings(&app, s.batch_id, readings).await;
    assert_eq!(recorded["measurements"].as_array().unwrap().len(), 8000);
    assert_eq!(stored_count(&app, s.batch_id).await, 8000);
    app.stop().await;
}

/// Readings stored by several multi-row inserts (SQLite writes 64 rows a
/// statement, then the rest in statements of 32, 16, … rows) are answered
/// in the order sent and come back exactly as sent: every value to the
/// last bit, its unit and characteristic, and the client id and device
/// time given with some of them (absent ones stay absent; a reading sent
/// without an id is answered under one derived from its row, which finds
/// it).
pub async fn every_reading_of_a_large_request_is_stored_as_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 200).await;
    common::draw_plan(
        &app,
        s.batch_id,
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    // 70 units × 2 readings: two statements of 64, then one of 8 and one of 4.
    let sent: Vec<Value> = (1..=70_i64)
        .flat_map(|unit| {
            let flux = 700.0 + unit as f64 * 0.37 + 1e-9 / unit as f64;
            let mut flux = json!({"unit": unit, "characteristic": "flux", "value": flux});
            if unit % 2 == 0 {
                flux["id"] = json!(format!("00000000-0000-4000-8000-{unit:012}"));
                flux["taken_at"] = json!(format!("2026-11-20T08:{:02}:00Z", unit % 60));
            }
            let power = json!({"unit": unit, "characteristic": "power", "value": 9.0 - unit as f64 / 1024.0});
            [flux, power]
        })
        .collect();
    let answer = common::record_readings(&app, s.batch_id, sent.clone()).await;
    let answered = answer["measurements"].as_array().expect("measurements");
    assert_eq!(answered.len(), sent.len());
    for (reading, answered) in sent.iter().zip(answered) {
        assert_eq!(
            (
                &answered["unit"],
                &answered["characteristic"],
                &answered["value"]
            ),
            (
                &reading["unit"],
                &reading["characteristic"],
                &reading["value"]
            ),
            "answered in the order sent"
        );
    }
    let (_, page) = app
        .get(&format!(
            "/api/v1/batches/{}/measurements?per_page=200",
            s.batch_id
        ))
        .await;
    let stored = page["items"].as_array().expect("items");
    assert_eq!(stored.len(), sent.len(), "{page}");
    for reading in &sent {
        let found = stored
            .iter()
            .find(|m| {
                m["unit"] == reading["unit"] && m["characteristic"] == reading["characteristic"]
            })
            .unwrap_or_else(|| panic!("{reading} stored"));
        assert_eq!(
            found["value"].as_f64().unwrap().to_bits(),
            reading["value"].as_f64().unwrap().to_bits(),
            "{reading} → {found}"
        );
        match reading.get("id") {
            Some(id) => assert_eq!(&found["id"], id, "{found}"),
            None => {
                let id: uuid::Uuid = found["id"].as_str().unwrap().parse().expect("a UUID");
                assert_eq!(id.get_version_num(), 8, "{found}");
                let (status, by_id) = app.get(&format!("/api/v1/measurements/{id}")).await;
                assert_eq!((status, &by_id), (StatusCode::OK, found), "{found}");
            }
        }
        match reading.get("taken_at") {
            Some(at) => assert_eq!(
                found["taken_at"]
                    .as_str()
                    .map(|t| t.trim_end_matches('Z').replace(".000000", "")),
                at.as_str().map(|t| t.trim_end_matches('Z').to_string()),
                "{found}"
            ),
            None => assert!(found["taken_at"].is_null(), "{found}"),
        }
    }
    app.stop().await;
}
