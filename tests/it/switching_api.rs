//! Switching rules fed by real lots over HTTP: results judged from the
//! readings under each batch's ISO 2859-1 plan, the next plan's severity
//! chosen by the rules and explained, the history visible.

use crate::common::{self, plan_numbers, scenario, Backend, Bulb, Http};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Draws the batch's plan (severity left to the switching rules), records
/// every reading with `failing` units out of limits, and posts the lot result.
async fn inspect_lot(app: &Http, order_id: i64, failing: usize) -> (Value, Value) {
    inspect_lot_from(app, order_id, None, failing).await
}

/// [`inspect_lot`] for a lot received from `supplier`.
async fn inspect_lot_from(
    app: &Http,
    order_id: i64,
    supplier: Option<i64>,
    failing: usize,
) -> (Value, Value) {
    let batch = app
        .create(
            &format!("/api/v1/orders/{order_id}/batches"),
            json!({"lot_size": 500, "supplier_id": supplier}),
        )
        .await;
    let batch_id = batch["id"].as_i64().unwrap();
    let (plan, units) =
        common::draw_plan(app, batch_id, json!({"method": "iso2859-1", "aql": 1.0})).await;
    common::record_bulbs(app, batch_id, &units, |i| Bulb {
        flux: if i < failing { 700.0 } else { 806.0 },
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let result = common::lot_result(app, batch_id).await;
    (plan, result)
}

pub async fn lots_switch_inspection_and_the_plan_says_why(backend: Backend) {
    let app = common::TestApp::spawn(backend).await;
    let s = scenario(&app, 500).await;

    // Lot 500, level II → code H; normal AQL 1.0 → n = 50, Ac 1, Re 2.
    let (plan, result) = inspect_lot(&app, s.order_id, 2).await;
    assert_eq!(
        (plan["inspection"].as_str(), plan["sample_size"].as_u64()),
        (Some("normal"), Some(50))
    );
    assert!(
        plan["inspection_reason"]
            .as_str()
            .unwrap()
            .contains("start"),
        "{plan}"
    );
    assert_eq!(
        (
            result["accepted"].as_bool(),
            result["nonconforming_units"].as_u64()
        ),
        (Some(false), Some(2))
    );
    assert_eq!(result["severity"], "normal");
    let (_, result) = inspect_lot(&app, s.order_id, 1).await;
    assert_eq!(
        (result["accepted"].as_bool(), result["severity"].as_str()),
        (Some(true), Some("normal"))
    );
    let (_, result) = inspect_lot(&app, s.order_id, 3).await;
    assert_eq!(
        result["severity"], "tightened",
        "two of three lots not accepted: {result}"
    );
    assert_eq!(result["reason"], "two_of_five_not_accepted");

    // The next plan is tightened: AQL 1.0 at H points down to J, n = 80, Ac 1.
    let (plan, _) = inspect_lot(&app, s.order_id, 0).await;
    assert_eq!(
        (plan["inspection"].as_str(), plan["plan_letter"].as_str()),
        (Some("tightened"), Some("J"))
    );
    assert_eq!(plan_numbers(&plan), (80, 1, 2), "{plan}");
    assert!(
        plan["inspection_reason"]
            .as_str()
            .unwrap()
            .contains("tightened"),
        "{plan}"
    );

    let (status, history) = app
        .get(&format!("/api/v1/products/{}/switching", s.product_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history["events"].as_array().unwrap().len(), 4);
    assert_eq!(history["current"]["severity"], "tightened");
    assert_eq!(history["current"]["accepted_in_a_row_on_tightened"], 1);

    // A result is recorded once; a percent plan has no switching; readings must be complete.
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{}/lot-result", s.batch_id),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let batch_id = common::new_batch(&app, s.order_id, 500).await;
    app.create(
        &format!("/api/v1/batches/{batch_id}/sampling-plan"),
        json!({"method": "iso2859-1", "aql": 1.0}),
    )
    .await;
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{batch_id}/lot-result"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("inspection_incomplete"))
    );
    let (status, problem) = app
        .post(
            &format!(
                "/api/v1/products/{}/switching/corrective-action",
                s.product_id
            ),
            &json!({"note": "new reflow profile"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_discontinued"))
    );
    app.stop().await;
}

pub async fn incoming_lots_switch_per_supplier(backend: Backend) {
    let app = common::TestApp::spawn(backend).await;
    let s = scenario(&app, 500).await;
    let mut suppliers = Vec::new();
    for name in ["Shenzhen Driver Co", "Dongguan Optics Ltd"] {
        let supplier = app.create("/api/v1/suppliers", json!({"name": name})).await;
        suppliers.push(supplier["id"].as_i64().unwrap());
    }
    let (a, b) = (suppliers[0], suppliers[1]);
    // Supplier A: two lots of two not accepted → tightened for A only.
    for _ in 0..2 {
        inspect_lot_from(&app, s.order_id, Some(a), 2).await;
    }
    // Supplier B's lots and the product's own lots stay on normal.
    let (plan_b, result_b) = inspect_lot_from(&app, s.order_id, Some(b), 2).await;
    assert_eq!(plan_b["inspection"], "normal", "{plan_b}");
    assert_eq!(result_b["severity"], "normal");
    let (own_plan, _) = inspect_lot(&app, s.order_id, 0).await;
    assert_eq!(own_plan["inspection"], "normal");
    let (plan_a, _) = inspect_lot_from(&app, s.order_id, Some(a), 0).await;
    assert_eq!(plan_a["inspection"], "tightened", "{plan_a}");

    let history = |supplier: Option<i64>| {
        let app = &app;
        async move {
            let query = supplier
                .map(|id| format!("?supplier_id={id}"))
                .unwrap_or_default();
            let (status, history) = app
                .get(&format!(
                    "/api/v1/products/{}/switching{query}",
                    s.product_id
                ))
                .await;
            assert_eq!(status, StatusCode::OK, "{history}");
            history
        }
    };
    let of_a = history(Some(a)).await;
    assert_eq!(of_a["supplier_id"], a);
    assert_eq!(of_a["events"].as_array().unwrap().len(), 3);
    assert_eq!(of_a["current"]["severity"], "tightened");
    let of_b = history(Some(b)).await;
    assert_eq!(of_b["events"].as_array().unwrap().len(), 1);
    assert_eq!(of_b["current"]["severity"], "normal");
    let own = history(None).await;
    assert_eq!(own["events"].as_array().unwrap().len(), 1);

    let (status, _) = app
        .get(&format!(
            "/api/v1/products/{}/switching?supplier_id=999",
            s.product_id
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = app
        .post(
            &format!("/api/v1/orders/{}/batches", s.order_id),
            &json!({"lot_size": 10, "supplier_id": 999}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common::error_fields(&problem), ["supplier_id"]);
    app.stop().await;
}
