//! First-pass and final yields: a unit failing first and passing after a
//! correction counts against the first-pass yield only.

use crate::common::{self, scenario, Backend, Bulb, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub async fn first_pass_and_final_yields_per_batch_and_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 20).await;
    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 2})).await;
    assert_eq!(units.len(), 2);
    // Unit A fails flux first, then a correction puts it in limits;
    // unit B passes; of 20 visually inspected units, one has a defect.
    let stored = common::record_bulbs(&app, s.batch_id, &units, |i| Bulb {
        flux: if i == 0 { 700.0 } else { 805.0 },
        power: 9.0,
        lights_up: 0,
    })
    .await;
    app.create(
        "/api/v1/defect-types",
        json!({"family": "general", "code": "dent", "name": "Dent", "severity": "minor"}),
    )
    .await;
    let dented = units[1];
    let inspections: Vec<Value> = (1..=20)
        .map(|u| {
            if u == dented {
                json!({"unit": u, "defects": [{"defect": "dent"}]})
            } else {
                json!({"unit": u})
            }
        })
        .collect();
    app.create(
        &format!("/api/v1/batches/{}/inspections", s.batch_id),
        json!({"inspections": inspections}),
    )
    .await;
    let flux = stored["measurements"][0]["id"].as_str().unwrap();
    app.create(
        &format!("/api/v1/measurements/{flux}/corrections"),
        json!({"value": 801.0, "reason": "fixture misaligned; re-measured"}),
    )
    .await;
    let (status, rows) = app
        .get(&format!("/api/v1/yields?product_id={}", s.product_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let row = &rows[0];
    // 20 units judged; first pass fails unit A (flux) and the dented unit; finally only the dent.
    assert_eq!(row["units"], 20, "{row}");
    assert_eq!(row["first_pass_units"], 18);
    assert_eq!(row["final_units"], 19);
    assert_eq!(row["first_pass_yield"], 0.9);
    assert_eq!(row["final_yield"], 0.95);
    let (_, by_order) = app
        .get(&format!(
            "/api/v1/yields?order_id={}&group_by=order",
            s.order_id
        ))
        .await;
    assert_eq!(by_order[0]["key"], s.order_id.to_string());
    assert_eq!(by_order[0]["final_units"], 19);
    let (status, problem) = app.get("/api/v1/yields").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common::error_fields(&problem), ["product_id"]);
    app.stop().await;
}
