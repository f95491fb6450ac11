//! Control charts across batches on Montgomery's piston rings: X̄–R limits
//! as published (Montgomery, *Introduction to Statistical Quality Control*,
//! 7th ed., Example 6.1: x̄ chart 73.988 … 74.014, R chart UCL 0.049 from
//! R̄ = 0.023; qcc on the same data: 73.98805 … 74.01431), a frozen
//! baseline, and run-rule alerts when the process shifts.

use crate::common::{self, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub async fn xbar_r_limits_match_the_published_example_and_a_shift_raises_alerts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let groups = common::piston_ring_subgroups();
    let (product_id, order_id) = common::ring_order(&app).await;
    common::record_ring_batches(&app, order_id, &groups, 0).await;
    let chart = |query: &'static str| {
        let app = &app;
        async move {
            let (status, chart) = app
                .get(&format!(
                    "/api/v1/products/{product_id}/control-chart?{query}"
                ))
                .await;
            (status, chart)
        }
    };
    let (status, xbar) = chart("characteristic=diameter&chart=xbar-r").await;
    assert_eq!(status, StatusCode::OK, "{xbar}");
    let at = |v: &Value, key: &str| v[key].as_f64().unwrap();
    assert!((at(&xbar, "center") - 74.00118).abs() < 5e-6, "{xbar}");
    assert!((at(&xbar, "lcl") - 73.98805).abs() < 2e-5, "{xbar}");
    assert!((at(&xbar, "ucl") - 74.01431).abs() < 2e-5, "{xbar}");
    assert!(
        (at(&xbar["secondary"], "ucl") - 0.049).abs() < 1e-3,
        "{xbar}"
    );
    assert_eq!(at(&xbar["secondary"], "lcl"), 0.0);
    assert_eq!(xbar["points"].as_array().unwrap().len(), 25);
    let beyond: Vec<&Value> = xbar["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["violations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == "WE1")
        })
        .collect();
    assert!(
        beyond.is_empty(),
        "Montgomery finds the 25 trial samples in control"
    );

    // Five more batches after a shift of +0.02 mm, judged against the frozen first 25.
    let shifted: Vec<Vec<f64>> = groups[..5]
        .iter()
        .map(|g| g.iter().map(|v| v + 0.02).collect())
        .collect();
    common::record_ring_batches(&app, order_id, &shifted, 100).await;
    let (_, frozen) = chart("characteristic=diameter&chart=xbar-r&baseline=25").await;
    assert_eq!(frozen["baseline_points"], 25);
    assert_eq!(at(&frozen, "ucl"), at(&xbar, "ucl"));
    let alerts = frozen["alerts"].as_array().unwrap();
    let we1 = alerts
        .iter()
        .find(|a| a["rule"] == "WE1")
        .expect("a WE1 alert");
    let flagged: Vec<i64> = we1["batch_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_i64().unwrap())
        .collect();
    assert!(
        !flagged.is_empty() && flagged.iter().all(|b| *b > 25),
        "{we1}"
    );

    // A lead freezes the trial limits (batches 1–25), then, after the
    // shift is confirmed, a new phase from batch 26 with its own limits.
    let freeze = |first: i64, last: i64| json!({"characteristic": "diameter", "chart": "xbar-r", "first_batch_id": first, "last_batch_id": last});
    let phases_path = format!("/api/v1/products/{product_id}/control-chart/phases");
    let inspector = app
        .signed_in("ines", lotcheck::domain::access::Role::Inspector, None)
        .await;
    let (status, _) = inspector.post(&phases_path, &freeze(1, 25)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, one) = app.post(&phases_path, &freeze(1, 25)).await;
    assert_eq!(status, StatusCode::CREATED, "{one}");
    assert_eq!(one["phases"].as_array().unwrap().len(), 1);
    assert_eq!(at(&one, "ucl"), at(&xbar, "ucl"));
    assert_eq!(one["alerts"], frozen["alerts"]);
    let (status, two) = app.post(&phases_path, &freeze(26, 30)).await;
    assert_eq!(status, StatusCode::CREATED, "{two}");
    let phases = two["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 2);
    assert!(
        (at(&phases[1], "center") - (74.00118 + 0.02)).abs() < 0.01,
        "{two}"
    );
    assert_eq!(at(&two, "center"), at(&phases[1], "center"));
    assert!(
        two["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["rule"] != "WE1"),
        "each phase is judged against its own limits: {two}"
    );
    assert_eq!(two["points"].as_array().unwrap().len(), 30);
    let (status, _) = app.post(&phases_path, &freeze(26, 30)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, problem) = app.post(&phases_path, &freeze(30, 26)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    let (status, s_chart) = chart("characteristic=diameter&chart=xbar-s").await;
    assert_eq!(status, StatusCode::OK);
    assert!(at(&s_chart["secondary"], "center") > 0.0);
    let (status, imr) = chart("characteristic=diameter&chart=i-mr").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(imr["points"][0]["secondary_value"], Value::Null);
    for (query, field) in [
        ("characteristic=diameter&chart=pie", "chart"),
        ("characteristic=bore&chart=xbar-r", "characteristic"),
        ("characteristic=diameter&chart=u", "characteristic"),
    ] {
        let (status, problem) = chart(query).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {problem}"
        );
        assert_eq!(common::error_fields(&problem), [field], "{query}");
    }
    app.stop().await;
}
