//! Corrections keep every earlier value reachable; the audit log records
//! every write and `audit verify` finds history edited behind the service's back.

use crate::common::process::audit_verify;
use crate::common::{self, error_fields, scenario, Backend, TestApp};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A batch with a 10% plan and a flux reading on its first drawn unit.
async fn recorded(app: &TestApp) -> (i64, i64, String) {
    let s = scenario(app, 100).await;
    let (_, units) =
        common::draw_plan(app, s.batch_id, json!({"method": "percent", "seed": 7})).await;
    let readings: Vec<Value> = units
        .iter()
        .map(|u| json!({"unit": u, "characteristic": "flux", "value": 800.0 + *u as f64}))
        .collect();
    let stored = common::record_readings(app, s.batch_id, readings).await;
    let first = stored["measurements"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (s.batch_id, units[0], first)
}

async fn flux_mean(app: &TestApp, batch_id: i64) -> f64 {
    let (status, stats) = app
        .get(&format!("/api/v1/batches/{batch_id}/statistics"))
        .await;
    assert_eq!(status, StatusCode::OK);
    stats["characteristics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "flux")
        .unwrap()["mean"]
        .as_f64()
        .unwrap()
}

pub async fn a_correction_keeps_the_old_value_and_the_audit_log_complete(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (batch_id, unit, original) = recorded(&app).await;
    let mean_before = flux_mean(&app, batch_id).await;
    let inspector = app.signed_in("ines", Role::Inspector, None).await;

    let correction_id = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    let path = format!("/api/v1/measurements/{original}/corrections");
    let body = json!({"id": correction_id, "value": 700.0, "reason": "sphere not warmed up"});
    let (status, correction) = inspector.post(&path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{correction}");
    assert_eq!(correction["supersedes"], original.as_str());
    assert_eq!(correction["reason"], "sphere not warmed up");
    assert_eq!(correction["recorded_by"], "ines");
    assert_eq!(correction["unit"], unit);

    // A retry answers the stored correction and stores nothing new.
    let (status, again) = inspector.post(&path, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], correction_id);

    // The old reading is still there, pointing at its correction.
    let (status, old) = app.get(&format!("/api/v1/measurements/{original}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old["value"], 800.0 + unit as f64);
    assert_eq!(old["superseded_by"], correction_id);

    let (status, history) = app
        .get(&format!("/api/v1/measurements/{correction_id}/history"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["id"], original.as_str());
    assert_eq!(versions[1]["value"], 700.0);
    assert_eq!(history["current"], correction_id);

    // Statistics use the correction: the mean moves by the change / n.
    let (_, plan) = app
        .get(&format!("/api/v1/batches/{batch_id}/sampling-plan"))
        .await;
    let n = plan["sample_size"].as_f64().unwrap();
    let expected = mean_before + (700.0 - (800.0 + unit as f64)) / n;
    assert!((flux_mean(&app, batch_id).await - expected).abs() < 1e-9);

    // Only the current version can be corrected.
    let (status, problem) = inspector
        .post(&path, &json!({"value": 701.0, "reason": "again"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "already_corrected");

    // The list holds both versions.
    let (_, list) = app
        .get(&format!(
            "/api/v1/batches/{batch_id}/measurements?unit={unit}"
        ))
        .await;
    assert_eq!(list["total"], 2);

    // The audit log has the recording and the correction, with both values.
    let (status, audit) = app
        .get("/api/v1/audit?action=measurements.&per_page=10")
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["measurements.correct", "measurements.record"]);
    let entry = &audit["items"][0];
    assert_eq!(entry["actor"], "ines");
    assert_eq!(entry["subject"], format!("measurement/{correction_id}"));
    assert_eq!(entry["detail"]["old_value"], 800.0 + unit as f64);
    assert_eq!(entry["detail"]["new_value"], 700.0);
    assert_eq!(entry["detail"]["reason"], "sphere not warmed up");
    let verified = app.db.read(lotcheck::service::audit::verify).await.unwrap();
    assert_eq!(verified.broken, None);
    app.stop().await;
}

pub async fn a_bad_correction_is_named_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, original) = recorded(&app).await;
    let path = format!("/api/v1/measurements/{original}/corrections");
    for (body, field) in [
        (json!({"value": 700.0, "reason": "  "}), "reason"),
        (json!({"value": 700.0}), "reason"),
        (json!({"value": "high", "reason": "typo"}), "value"),
        (json!({"value": 700.0, "reason": "x", "unit": 3}), "unit"),
    ] {
        let (status, problem) = app.post(&path, &body).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{body}: {status} {problem}"
        );
        assert!(
            error_fields(&problem).iter().any(|f| f.contains(field)),
            "{body}: {problem}"
        );
    }
    let (status, _) = app
        .post(
            "/api/v1/measurements/00000000-0000-4000-8000-000000000000/corrections",
            &json!({"value": 1.0, "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, history) = app
        .get(&format!("/api/v1/measurements/{original}/history"))
        .await;
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
    let (_, audit) = app.get("/api/v1/audit?action=measurements.correct").await;
    assert_eq!(audit["total"], 0);
    app.stop().await;
}

fn execute(backend: Backend, url: &str, sql: &str) {
    match backend {
        Backend::Sqlite => diesel::SqliteConnection::establish(url)
            .unwrap()
            .batch_execute(sql)
            .unwrap(),
        Backend::Postgres => diesel::PgConnection::establish(url)
            .unwrap()
            .batch_execute(sql)
            .unwrap(),
    }
}

pub async fn audit_verify_finds_rows_altered_or_deleted_in_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    recorded(&app).await;
    let (_, audit) = app.get("/api/v1/audit?per_page=100").await;
    let total = audit["total"].as_i64().unwrap();
    assert!(total >= 5, "{audit}");
    let url = app.database.url.clone();
    let (ok, text) = audit_verify(&url);
    assert!(ok, "{text}");
    assert!(text.contains(&format!("intact: {total} rows")), "{text}");

    // Ids are ascending in time; pick rows in the middle of the chain.
    let ids: Vec<i64> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let altered = ids[2];
    execute(
        backend,
        &url,
        &format!("UPDATE audit_log SET detail = '{{\"stored\": 1}}' WHERE id = {altered}"),
    );
    let verified = app.db.read(lotcheck::service::audit::verify).await.unwrap();
    assert_eq!(verified.broken.as_ref().map(|b| b.id), Some(altered));
    assert_eq!(verified.rows, 2);
    let (ok, text) = audit_verify(&url);
    assert!(
        !ok && text.contains(&format!("BROKEN at row {altered}")),
        "{text}"
    );

    // Deleting the altered row leaves the next row's link pointing at nothing.
    execute(
        backend,
        &url,
        &format!("DELETE FROM audit_log WHERE id = {altered}"),
    );
    let (ok, text) = audit_verify(&url);
    assert!(
        !ok && text.contains(&format!("BROKEN at row {}", ids[3])),
        "{text}"
    );
    assert!(text.contains("deleted or altered"), "{text}");
    app.stop().await;
}
