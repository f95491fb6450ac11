//! The service spine end to end over HTTP: order → batch → 10% plan →
//! readings → statistics, on SQLite and (when configured) PostgreSQL, with
//! the same answers on both.

use crate::common::{plan_units, record_bulbs, scenario, Backend, Bulb, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Runs the scenario on one backend and answers what must match across backends.
async fn run_scenario(app: &TestApp) -> (Value, Value) {
    let s = scenario(app, 500).await;
    let plan_path = format!("/api/v1/batches/{}/sampling-plan", s.batch_id);
    let plan = app
        .create(&plan_path, json!({"method": "percent", "seed": 20261122}))
        .await;
    assert_eq!(plan["sample_size"], 50, "10% of 500");
    assert_eq!(plan["lot_size"], 500);
    assert_eq!(plan["seed"], 20261122);
    assert_eq!(plan["method"], "percent");
    let units = plan_units(&plan);
    assert_eq!(units.len(), 50);
    assert!(
        units.windows(2).all(|w| w[0] < w[1]),
        "units ascending and distinct"
    );
    assert!(units.iter().all(|u| (1..=500).contains(u)));

    // The units are the draw of the documented algorithm for that seed.
    let mut expected: Vec<i64> = lotcheck::domain::sampling::draw_units(
        lotcheck::domain::sampling::Seed::parse(20261122).unwrap(),
        500,
        50,
    )
    .into_iter()
    .map(i64::from)
    .collect();
    expected.sort_unstable();
    assert_eq!(units, expected);

    let (status, again) = app.get(&plan_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, plan, "GET answers the stored plan");

    // Readings: flux and power for every sampled unit, one unit failing to light.
    let recorded = record_bulbs(app, s.batch_id, &units, |i| Bulb {
        flux: 790.0 + (i % 7) as f64 * 5.5 + if i == 3 { 120.0 } else { 0.0 },
        power: 8.9 + (i % 5) as f64 * 0.05,
        lights_up: if i == 10 { 1 } else { 0 },
    })
    .await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    assert_eq!(recorded["measurements"].as_array().unwrap().len(), 150);

    let (status, stats) = app
        .get(&format!("/api/v1/batches/{}/statistics", s.batch_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    let flux = &stats["characteristics"][0];
    assert_eq!(flux["code"], "flux");
    assert_eq!(flux["n"], 50);
    assert_eq!(
        flux["nonconforming"], 1,
        "one flux reading of 926.5 lm is above 887"
    );
    let lights = &stats["characteristics"][2];
    assert_eq!(
        (lights["n"].clone(), lights["nonconforming"].clone()),
        (json!(50), json!(1))
    );
    assert!(lights["cpk"].is_null() && lights["std_dev"].is_null());

    // Statistics agree with an independent computation of the same values.
    let flux_values: Vec<f64> = (0..50)
        .map(|i| 790.0 + (i % 7) as f64 * 5.5 + if i == 3 { 120.0 } else { 0.0 })
        .collect();
    let n = flux_values.len() as f64;
    let mean = flux_values.iter().sum::<f64>() / n;
    let sd = (flux_values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((flux["mean"].as_f64().unwrap() - mean).abs() < 1e-9);
    assert!((flux["std_dev"].as_f64().unwrap() - sd).abs() < 1e-9);
    let cpk = ((887.0 - mean).min(mean - 725.0)) / (3.0 * sd);
    assert!((flux["cpk"].as_f64().unwrap() - cpk).abs() < 1e-9);

    // Reading back: lists with filters and pages.
    let (_, page) = app
        .get(&format!("{path}?characteristic=power&per_page=20&page=2"))
        .await;
    assert_eq!(page["total"], 50);
    assert_eq!(page["items"].as_array().unwrap().len(), 20);
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["characteristic"] == "power"));
    let (_, one_unit) = app.get(&format!("{path}?unit={}", units[0])).await;
    assert_eq!(one_unit["total"], 3);
    let (_, orders) = app
        .get(&format!("/api/v1/orders?customer_id={}", s.customer_id))
        .await;
    assert_eq!(orders["total"], 1);
    assert_eq!(orders["items"][0]["po_number"], "PO-2026-0001");
    let (_, none) = app
        .get(&format!(
            "/api/v1/orders?customer_id={}",
            s.customer_id + 100
        ))
        .await;
    assert_eq!(none["total"], 0);
    let (_, batches) = app
        .get(&format!("/api/v1/orders/{}/batches", s.order_id))
        .await;
    assert_eq!(batches["items"][0]["lot_size"], 500);
    let (status, product) = app.get(&format!("/api/v1/products/{}", s.product_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(product["params"]["lamp_holder"], "E27");
    assert_eq!(product["characteristics"][1]["usl"], 9.9);

    let mut stats = stats;
    stats["batch_id"] = Value::Null; // ids may differ between databases
    (json!(units), stats)
}

/// Runs the scenario on `backend` and, on any other than SQLite, on SQLite
/// too: the answers must be the same.
pub async fn spine_gives_the_same_units_and_statistics_on_every_backend(backend: Backend) {
    let answer = scenario_on(backend).await;
    if backend != Backend::Sqlite {
        assert_eq!(
            answer,
            scenario_on(Backend::Sqlite).await,
            "{backend:?} and Sqlite disagree"
        );
    }
}

async fn scenario_on(backend: Backend) -> (Value, Value) {
    let app = TestApp::spawn(backend).await;
    let answer = run_scenario(&app).await;
    app.stop().await;
    answer
}

pub async fn a_batch_has_one_plan_and_percent_rounds_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 31).await;
    let path = format!("/api/v1/batches/{}/sampling-plan", s.batch_id);
    let (status, missing) = app.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    let plan = app.create(&path, json!({"method": "percent"})).await;
    assert_eq!(plan["sample_size"], 4, "10% of 31 rounded up");
    assert!(
        plan["seed"].as_i64().is_some(),
        "a seed is chosen and stored"
    );
    let (status, refused) = app
        .post(&path, &json!({"method": "percent", "seed": 1}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["code"], "plan_exists");
    let (_, after) = app.get(&path).await;
    assert_eq!(after, plan, "the first plan is unchanged");

    let small = app
        .create(
            &format!("/api/v1/orders/{}/batches", s.order_id),
            json!({"lot_size": 5}),
        )
        .await;
    assert_eq!(small["number"], 2);
    let plan = app
        .create(
            &format!("/api/v1/batches/{}/sampling-plan", small["id"]),
            json!({"method": "percent", "percent": 10}),
        )
        .await;
    assert_eq!(plan["sample_size"], 1, "at least one unit");
    app.stop().await;
}
