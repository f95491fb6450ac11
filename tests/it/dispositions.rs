//! Batch dispositions signed electronically: the proposal from the data, a
//! signature that needs the password, cannot be given twice by accident or
//! by a role that may not sign, and shows data recorded after it.

use crate::common::{self, error_fields, scenario, Backend, Bulb, TestApp, PASSWORD};
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub async fn a_lead_signs_a_disposition_once_and_changes_it_only_by_superseding(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let path = format!("/api/v1/batches/{}/disposition", s.batch_id);
    let (_, before) = app.get(&path).await;
    assert_eq!(before["recommendation"]["proposal"], "hold", "{before}");

    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 8})).await;
    let stored = common::record_bulbs(&app, s.batch_id, &units, |_| Bulb {
        flux: 805.0,
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let (_, missing_visual) = app.get(&path).await;
    assert_eq!(missing_visual["recommendation"]["proposal"], "hold");
    assert!(
        missing_visual
            .to_string()
            .contains("0 of 100 units inspected"),
        "{missing_visual}"
    );
    let all: Vec<Value> = (1..=100).map(|u| json!({"unit": u})).collect();
    app.create(
        &format!("/api/v1/batches/{}/inspections", s.batch_id),
        json!({"inspections": all}),
    )
    .await;
    let (_, ready) = app.get(&path).await;
    assert_eq!(ready["recommendation"]["proposal"], "accept", "{ready}");
    assert_eq!(ready["current"], Value::Null);

    let inspector = app.signed_in("ines", Role::Inspector, None).await;
    let sign = json!({"password": PASSWORD, "meaning": "released", "comment": "all checks passed"});
    let (status, _) = inspector.post(&path, &sign).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an inspector may not sign");

    let lead = app.signed_in("leila", Role::Lead, None).await;
    let wrong = json!({"password": "not-my-password", "meaning": "released", "comment": "ok"});
    let (status, problem) = lead.post(&path, &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["password"]);
    let (_, nothing) = app.get(&path).await;
    assert_eq!(nothing["history"].as_array().unwrap().len(), 0);

    let (status, signed) = lead.post(&path, &sign).await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    assert_eq!(signed["meaning"], "released");
    assert_eq!(signed["proposal"], "accept");
    assert_eq!(signed["signed_by"], "leila");
    assert_eq!(signed["data_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(signed["data_changed_since"], false);

    // A double submission does not sign twice.
    let (status, problem) = lead.post(&path, &sign).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "already_decided");

    // A reading corrected after the decision shows on it.
    let first = stored["measurements"][2]["id"].as_str().unwrap();
    assert_eq!(stored["measurements"][2]["characteristic"], "lights_up");
    inspector
        .post(
            &format!("/api/v1/measurements/{first}/corrections"),
            &json!({"value": 1, "reason": "did not light on re-test"}),
        )
        .await;
    let (_, after) = app.get(&path).await;
    assert_eq!(after["current"]["data_changed_since"], true, "{after}");
    assert_eq!(after["recommendation"]["proposal"], "reject");

    // The data now propose reject: a plain release is refused, a
    // concession is possible, and it supersedes the decision in force.
    let id = signed["id"].as_i64().unwrap();
    let release =
        json!({"password": PASSWORD, "meaning": "released", "comment": "fine", "supersedes": id});
    let (status, problem) = lead.post(&path, &release).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["meaning"]);
    let concession = json!({"password": PASSWORD, "meaning": "released_under_concession",
                            "comment": "customer accepts unit 1 replaced", "supersedes": id});
    let (status, second) = lead.post(&path, &concession).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["supersedes"], id);
    let (_, now) = app.get(&path).await;
    assert_eq!(now["history"].as_array().unwrap().len(), 2);
    assert_eq!(now["current"]["meaning"], "released_under_concession");
    assert_eq!(now["current"]["data_changed_since"], false);
    assert_eq!(now["history"][0]["data_changed_since"], true);
    let (_, audit) = app.get("/api/v1/audit?action=disposition.sign").await;
    assert_eq!(audit["total"], 2);
    app.stop().await;
}
