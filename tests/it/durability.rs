//! An acknowledged reading survives a crash of the process: the real binary
//! is killed with SIGKILL right after answering 201, restarted on the same
//! database, and the reading is there, with the audit chain intact.

use crate::common::process::{self, add_admin, audit_verify, free_port, serve};
use crate::common::{self, scenario, Backend, Http, TestDatabase};
use reqwest::StatusCode;
use serde_json::json;

pub async fn acknowledged_readings_survive_sigkill(backend: Backend) {
    let database = TestDatabase::create(backend);
    let port = free_port();
    let child = serve(&database.url, port).await;
    add_admin(&database.url);
    let http = Http::new(format!("http://127.0.0.1:{port}"), backend)
        .login("admin", common::PASSWORD)
        .await;
    let s = scenario(&http, 300).await;
    let plan = http
        .create(
            &format!("/api/v1/batches/{}/sampling-plan", s.batch_id),
            json!({"method": "percent", "seed": 3}),
        )
        .await;
    let readings: Vec<_> = plan["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| json!({"unit": u, "characteristic": "flux", "value": 806.25}))
        .collect();
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    http.create(&path, json!({"measurements": readings})).await;
    process::kill(child); // no shutdown, no checkpoint

    let child = serve(&database.url, port).await;
    let (status, page) = http.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page["total"], 30,
        "{backend:?}: every acknowledged reading is back"
    );
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["value"] == 806.25));
    let (intact, report) = audit_verify(&database.url);
    assert!(
        intact,
        "{backend:?}: the audit chain survives the crash: {report}"
    );
    process::kill(child);
}
