//! An acknowledged reading survives a crash of the process: the real binary
//! is killed with SIGKILL right after answering 201, restarted on the same
//! database, and the reading is there.

use crate::common::{self, scenario, Backend, Http, TestDatabase};
use reqwest::StatusCode;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(database_url: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotcheck"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
        ])
        .env("DATABASE_URL", database_url)
        .env("LOTCHECK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lotcheck");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if response.status() == StatusCode::OK {
                return child;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("lotcheck did not answer /healthz");
}

pub async fn acknowledged_readings_survive_sigkill(backend: Backend) {
    let database = TestDatabase::create(backend);
    let port = free_port();
    let mut child = start(&database.url, port).await;
    let admin = Command::new(env!("CARGO_BIN_EXE_lotcheck"))
        .args([
            "user",
            "add",
            "--username",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .env("DATABASE_URL", &database.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            writeln!(child.stdin.take().unwrap(), "{}", common::PASSWORD)?;
            child.wait()
        })
        .expect("lotcheck user add");
    assert!(admin.success());
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
    child.kill().expect("SIGKILL"); // no shutdown, no checkpoint
    child.wait().unwrap();

    let mut child = start(&database.url, port).await;
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
    child.kill().unwrap();
    child.wait().unwrap();
}
