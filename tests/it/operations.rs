//! Running the service: `/metrics`, `/readyz`, graceful stops (in process
//! and on SIGTERM), online backups, request ids and the access log, client
//! addresses and the scheme behind trusted proxies only, `Retry-After` on
//! every 429, pages that refuse frames, and slow clients cut off.

use crate::common::process::{self, add_admin};
use crate::common::{
    self, draw_plan, record_readings, scenario, test_settings, Backend, Http, TestApp,
    TestDatabase, PASSWORD,
};
use lotcheck::domain::access::Role;
use lotcheck::store::{Db, DbConnection, SqliteSync};
use reqwest::header::{HeaderMap, CONTENT_TYPE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The test settings, changed by `change`.
fn settings(change: impl FnOnce(&mut lotcheck::Settings)) -> lotcheck::Settings {
    let mut settings = test_settings();
    change(&mut settings);
    settings
}

/// A client that keeps no connection open between requests and follows no
/// redirect.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the sample `name{labels…}` in a Prometheus text page, when
/// one sample has all of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (label_text, value) = match rest.strip_prefix('{') {
                Some(rest) => rest.split_once("} ")?,
                None => ("", rest.strip_prefix(' ')?),
            };
            let found: Vec<(&str, &str)> = label_text
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| {
                    let (key, value) = pair.split_once("=\"")?;
                    Some((key, value.trim_end_matches('"')))
                })
                .collect();
            labels
                .iter()
                .all(|wanted| found.contains(wanted))
                .then(|| value.trim().parse().ok())?
        })
}

/// The number of readings stored.
fn readings_in(db: &Db) -> i64 {
    db.read_blocking(lotcheck::service::operations::readings_stored)
        .unwrap()
}

/// Readings of flux for `units`, as a measurements body.
fn flux_readings(units: &[i64]) -> Vec<Value> {
    units
        .iter()
        .map(|u| json!({"unit": u, "characteristic": "flux", "value": 801.5}))
        .collect()
}

pub async fn metrics_count_requests_by_route_pattern_and_read_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 200).await;
    let (_, units) = draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 5})).await;
    record_readings(&app, s.batch_id, flux_readings(&units)).await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    assert_eq!(app.get(&path).await.0, StatusCode::OK);
    assert_eq!(app.get("/no/such/page").await.0, StatusCode::NOT_FOUND);

    let response = app
        .with_token(None)
        .request(reqwest::Method::GET, "/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let route = "/api/v1/batches/{id}/measurements";
    let requests = "lotcheck_http_requests_total";
    assert_eq!(
        sample(
            &text,
            requests,
            &[("method", "POST"), ("route", route), ("status", "201")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            requests,
            &[("method", "GET"), ("route", route), ("status", "200")]
        ),
        Some(1.0)
    );
    assert!(
        sample(
            &text,
            requests,
            &[("route", "unmatched"), ("status", "404")]
        ) >= Some(1.0)
    );
    assert!(
        !text.contains(&format!("/batches/{}/", s.batch_id)) && !text.contains("/no/such/page"),
        "labels name route patterns, never paths: {text}"
    );
    let latency = "lotcheck_http_request_duration_seconds";
    assert_eq!(
        sample(
            &text,
            &format!("{latency}_count"),
            &[("method", "POST"), ("route", route)]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("{latency}_bucket"),
            &[("method", "POST"), ("route", route), ("le", "+Inf")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "lotcheck_db_pool_max_connections", &[]),
        Some(4.0)
    );
    let in_use = sample(
        &text,
        "lotcheck_db_pool_connections",
        &[("state", "in_use")],
    )
    .unwrap();
    let idle = sample(&text, "lotcheck_db_pool_connections", &[("state", "idle")]).unwrap();
    assert!(
        in_use >= 0.0 && idle >= 0.0 && in_use + idle <= 4.0,
        "{in_use} {idle}"
    );
    assert_eq!(sample(&text, "lotcheck_database_up", &[]), Some(1.0));
    assert_eq!(
        sample(&text, "lotcheck_readings_stored", &[]),
        Some(units.len() as f64)
    );
    app.stop().await;
}

pub async fn metrics_need_the_token_when_one_is_set() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        settings(|s| s.http.metrics_token = Some("scrape-secret-1".into())),
    )
    .await;
    // The admin's API token is not the metrics token.
    let (status, problem) = app.get("/metrics").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(problem["code"], "unauthorized");
    for token in [None, Some("scrape-secret-2".to_string())] {
        let (status, _) = app.with_token(token).get("/metrics").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, text) = app
        .with_token(Some("scrape-secret-1".into()))
        .get("/metrics")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(text
        .as_str()
        .unwrap()
        .contains("lotcheck_http_requests_total"));
    app.stop().await;
}

/// Makes the test's database unreachable: the SQLite file is removed, the
/// PostgreSQL database dropped with its connections.
fn take_database_away(backend: Backend, database: &TestDatabase) {
    match backend {
        Backend::Sqlite => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", database.url));
            }
        }
        Backend::Postgres => {
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            let admin_url = std::env::var(common::POSTGRES_ENV).unwrap();
            let name = database.url.rsplit('/').next().unwrap();
            diesel::PgConnection::establish(&admin_url)
                .unwrap()
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .unwrap();
        }
    }
}

pub async fn readyz_answers_for_the_database_and_its_migrations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    // Shutting down: not ready, though alive.
    app.readiness.begin_shutdown();
    let response = fresh_client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "unavailable");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("shutting down"));
    assert_eq!(app.get("/healthz").await.0, StatusCode::OK);
    app.stop().await;

    // A database whose schema is behind this build.
    let database = TestDatabase::create(backend);
    let db = Db::open(&database.url, SqliteSync::Full, 2).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let http = Http::new(
        format!("http://{}", listener.local_addr().unwrap()),
        backend,
    );
    let running = lotcheck::build(listener, db.clone(), test_settings()).unwrap();
    let handle = running.server.handle();
    tokio::spawn(running.server);
    let (status, problem) = http.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("migration"),
        "{problem}"
    );
    db.migrate().unwrap();
    assert_eq!(http.get("/readyz").await.0, StatusCode::OK);

    // The database goes away.
    take_database_away(backend, &database);
    let started = Instant::now();
    let (status, problem) = http.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["code"], "unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a probe answers quickly: {:?}",
        started.elapsed()
    );
    handle.stop(false).await;
}

/// Writes a request's head and the first `sent` bytes of its body, and
/// answers the connection (for a body sent slowly).
async fn start_slow_request(base: &str, head: &str, body: &[u8], sent: usize) -> TcpStream {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..sent]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// A POST of `body` to `path`, with its head; the connection closes after it.
fn post_head(base: &str, path: &str, token: Option<&str>, body: &[u8], extra: &str) -> String {
    let host = base.trim_start_matches("http://");
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{authorization}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    )
}

/// A response read off a raw connection: status, headers (lower-case names), body.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response (headers and a Content-Length body) within `limit`.
async fn read_response(stream: &mut TcpStream, limit: Duration) -> RawResponse {
    let mut bytes = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buffer = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let mut lines = head.lines();
            let status: u16 = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no status line: {head}"));
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            if bytes.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]).to_string();
                return RawResponse {
                    status,
                    headers,
                    body,
                };
            }
        }
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("no whole response in {limit:?}: {text}"));
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) => panic!("connection closed before a whole response: {text}"),
            Ok(Ok(n)) => bytes.extend_from_slice(&buffer[..n]),
            Ok(Err(e)) => panic!("read failed: {e}; so far: {text}"),
            Err(_) => panic!("no whole response in {limit:?}: {text}"),
        }
    }
}

/// Whether the server closes the connection within `limit`.
async fn closes_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
    false
}

pub async fn a_request_in_flight_completes_during_a_graceful_stop(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        settings(|s| s.http.shutdown_timeout = Duration::from_secs(20)),
    )
    .await;
    let s = scenario(&app, 100).await;
    let (_, units) = draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 7})).await;
    let body = json!({"measurements": flux_readings(&units)}).to_string();
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let head = post_head(&app.base, &path, app.token.as_deref(), body.as_bytes(), "");
    let half = body.len() / 2;
    let mut stream = start_slow_request(&app.base, &head, body.as_bytes(), half).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The stop: not ready first, then the server stops taking connections.
    app.readiness.begin_shutdown();
    let (status, problem) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    let handle = app.server.clone();
    let stopping = tokio::spawn(async move { handle.stop(true).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!stopping.is_finished(), "the stop waits for the request");

    stream.write_all(&body.as_bytes()[half..]).await.unwrap();
    let response = read_response(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    tokio::time::timeout(Duration::from_secs(20), stopping)
        .await
        .expect("the server stops once the request is answered")
        .unwrap();
    assert_eq!(readings_in(&app.db), units.len() as i64);
}

pub async fn sigterm_turns_readyz_503_then_finishes_requests_in_flight_and_logs_them() {
    let database = TestDatabase::create(Backend::Sqlite);
    add_admin(&database.url);
    let logs = tempfile::NamedTempFile::new().unwrap();
    let port = process::free_port();
    let mut child = process::serve_command(&database.url, port)
        .args([
            "--shutdown-drain-secs",
            "2",
            "--shutdown-timeout-secs",
            "15",
        ])
        .env("LOTCHECK_LOG", "info")
        .env("LOTCHECK_LOG_FORMAT", "json")
        .stderr(Stdio::from(logs.reopen().unwrap()))
        .spawn()
        .expect("start lotcheck");
    let base = format!("http://127.0.0.1:{port}");
    let probe = fresh_client();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = probe.get(format!("{base}/readyz")).send().await {
            up = r.status() == StatusCode::OK;
            if up {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "lotcheck did not become ready");
    let http = Http::new(base.clone(), Backend::Sqlite)
        .login("admin", PASSWORD)
        .await;
    let s = scenario(&http, 100).await;
    let (_, units) = draw_plan(&http, s.batch_id, json!({"method": "percent", "seed": 9})).await;
    let body = json!({"measurements": flux_readings(&units)}).to_string();
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let head = post_head(
        &base,
        &path,
        http.token.as_deref(),
        body.as_bytes(),
        "X-Request-Id: slow-request-7\r\n",
    );
    let half = body.len() / 2;
    let mut stream = start_slow_request(&base, &head, body.as_bytes(), half).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = probe.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");

    // Past the drain the listener is closed; the request in flight goes on.
    tokio::time::sleep(Duration::from_millis(2500).saturating_sub(signalled.elapsed())).await;
    stream.write_all(&body.as_bytes()[half..]).await.unwrap();
    let answer = read_response(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.header("x-request-id"), Some("slow-request-7"));
    drop(http);
    let mut status = None;
    for _ in 0..300 {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("lotcheck did not stop after SIGTERM");
    };
    assert!(status.success(), "a graceful stop exits 0: {status}");
    let db = Db::open(&database.url, SqliteSync::Full, 1).unwrap();
    assert_eq!(readings_in(&db), units.len() as i64);

    // Every line is JSON; the request's lines carry its id; the access
    // line has method, route pattern, status and latency.
    let text = std::fs::read_to_string(logs.path()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access = lines
        .iter()
        .find(|l| l["target"] == "lotcheck::access" && l["span"]["request_id"] == "slow-request-7")
        .unwrap_or_else(|| panic!("no access line of slow-request-7 in:\n{text}"));
    assert_eq!(access["level"], "INFO");
    assert_eq!(access["fields"]["method"], "POST");
    assert_eq!(
        access["fields"]["route"],
        "/api/v1/batches/{id}/measurements"
    );
    assert_eq!(access["fields"]["status"], 201);
    assert!(
        access["fields"]["latency_ms"].as_f64().unwrap() >= 2000.0,
        "{access}"
    );
    assert_eq!(access["span"]["client"], "127.0.0.1");
    assert!(
        lines.iter().any(|l| l["fields"]["signal"] == "SIGTERM"),
        "{text}"
    );
    // Each request has its own made-up id.
    let ids: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter(|l| l["target"] == "lotcheck::access")
        .filter_map(|l| l["span"]["request_id"].as_str())
        .collect();
    let requests = lines
        .iter()
        .filter(|l| l["target"] == "lotcheck::access")
        .count();
    assert_eq!(ids.len(), requests, "one id per request");
}

pub async fn backup_while_writing_gives_a_consistent_copy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let copy_path = dir.path().join("copy.db");
    let copy = copy_path.to_str().unwrap().to_string();
    if backend == Backend::Postgres {
        let out = process::lotcheck(&app.database.url, &["backup", "--to", &copy], None);
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("pg_dump"), "{said}");
        assert!(!copy_path.exists());
        app.stop().await;
        return;
    }
    let s = scenario(&app, 2000).await;
    let (_, units) = draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 11})).await;
    assert_eq!(units.len(), 200);
    // Five readings per request, all or none: a consistent copy holds a
    // multiple of five.
    let (started, mut started_rx) = tokio::sync::watch::channel(0usize);
    let writer = {
        let http = app.http.clone();
        let units = units.clone();
        tokio::spawn(async move {
            for (i, chunk) in units.chunks(5).enumerate() {
                record_readings(&http, s.batch_id, flux_readings(chunk)).await;
                let _ = started.send(i + 1);
            }
        })
    };
    started_rx.wait_for(|written| *written >= 5).await.unwrap();
    let url = app.database.url.clone();
    let target = copy.clone();
    let out = tokio::task::spawn_blocking(move || {
        process::lotcheck(&url, &["backup", "--to", &target], None)
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("audit log intact"), "{said}");
    writer.await.unwrap();

    // The copy opens, needs no migration, and its audit chain holds.
    let copied = Db::open(&copy, SqliteSync::Full, 1).unwrap();
    assert_eq!(copied.migrate().unwrap(), Vec::<String>::new());
    let verified = copied
        .read_blocking(lotcheck::service::audit::verify)
        .unwrap();
    assert!(verified.broken.is_none(), "{:?}", verified.broken);
    let in_copy = readings_in(&copied);
    assert!(
        in_copy >= 25 && in_copy % 5 == 0,
        "{in_copy} readings in the copy"
    );
    assert_eq!(readings_in(&app.db), 200);
    // The copy's chain is a beginning of the live one.
    let live_hashes: Vec<String> = app
        .db
        .read_blocking(|c: &mut DbConnection| {
            Ok(lotcheck::store::audit::rows_after(c, 0, 100_000)?)
        })
        .unwrap()
        .into_iter()
        .map(|row| row.hash)
        .collect();
    assert_eq!(
        live_hashes.get(verified.rows as usize - 1),
        Some(&verified.last_hash)
    );
    // An existing file is never overwritten.
    let again = process::lotcheck(&app.database.url, &["backup", "--to", &copy], None);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    app.stop().await;
}

pub async fn request_ids_are_kept_when_sane_and_made_otherwise() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = fresh_client();
    let id_of = |headers: &HeaderMap| {
        headers
            .get("x-request-id")
            .expect("every answer has X-Request-Id")
            .to_str()
            .unwrap()
            .to_string()
    };
    let send = |path: &str, id: Option<&str>| {
        let mut request = client.get(app.url(path));
        if let Some(id) = id {
            request = request.header("X-Request-Id", id);
        }
        request.send()
    };
    let first = id_of(send("/healthz", None).await.unwrap().headers());
    let second = id_of(send("/healthz", None).await.unwrap().headers());
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");
    assert_ne!(first, second);
    let kept = send("/healthz", Some("plant-7:scan-0042")).await.unwrap();
    assert_eq!(id_of(kept.headers()), "plant-7:scan-0042");
    for insane in ["two words", &"a".repeat(129), "<script>"] {
        let made = id_of(send("/healthz", Some(insane)).await.unwrap().headers());
        assert!(uuid::Uuid::parse_str(&made).is_ok(), "{insane} → {made}");
    }
    // Errors and pages too.
    for path in ["/no/such/page", "/api/v1/orders", "/login"] {
        let response = send(path, Some("req-1")).await.unwrap();
        assert_eq!(id_of(response.headers()), "req-1", "{path}");
    }
    app.stop().await;
}

/// Signs in as `username` through `client` with `headers`; answers the response.
async fn sign_in_via(
    app: &TestApp,
    username: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = fresh_client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": password}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The addresses the audit log recorded for `action`, in order.
fn audited_addresses(app: &TestApp, action: &str) -> Vec<String> {
    app.db
        .read_blocking(|c| Ok(lotcheck::store::audit::rows_after(c, 0, 10_000)?))
        .unwrap()
        .into_iter()
        .filter(|row| row.action == action)
        .map(|row| {
            let detail: Value = serde_json::from_str(&row.detail).unwrap();
            detail["address"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

pub async fn forwarded_addresses_are_believed_only_from_trusted_proxies(backend: Backend) {
    let throttled = |trusted: &str| {
        let trusted = trusted.parse().unwrap();
        settings(|s| {
            s.auth.lock_address_after = 3;
            s.auth.lock_user_after = 100;
            s.http.trusted_proxies = trusted;
        })
    };
    let from = |address: &'static str| [("X-Forwarded-For", address)];

    // Behind a trusted proxy: each client is throttled on its own.
    let app = TestApp::spawn_with(backend, throttled("127.0.0.1")).await;
    app.add_user("lead1", Role::Lead, None);
    for _ in 0..3 {
        let r = sign_in_via(&app, "lead1", "wrong password!", &from("203.0.113.7")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = sign_in_via(&app, "lead1", PASSWORD, &from("203.0.113.7")).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().contains_key("retry-after"));
    // A client cannot slip out by writing another address in front: the
    // proxy appended the one it saw, and that one counts.
    let forged = sign_in_via(&app, "lead1", PASSWORD, &from("198.51.100.1, 203.0.113.7")).await;
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    let other = sign_in_via(&app, "lead1", PASSWORD, &from("203.0.113.8")).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another client is not locked out"
    );
    let v6 = sign_in_via(
        &app,
        "lead1",
        PASSWORD,
        &[("Forwarded", "for=\"[2001:db8::8]:4711\";proto=https")],
    )
    .await;
    assert_eq!(v6.status(), StatusCode::OK);
    assert_eq!(audited_addresses(&app, "login.refused"), ["203.0.113.7"; 3]);
    assert_eq!(
        audited_addresses(&app, "login")[1..],
        ["203.0.113.8", "2001:db8::8"]
    );
    app.stop().await;

    // Without trust the headers are ignored: the proxy's address is the
    // client, and its failures lock out everyone behind it.
    let app = TestApp::spawn_with(backend, throttled("")).await;
    app.add_user("lead1", Role::Lead, None);
    for _ in 0..3 {
        let r = sign_in_via(&app, "lead1", "wrong password!", &from("203.0.113.7")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let other = sign_in_via(&app, "lead1", PASSWORD, &from("203.0.113.8")).await;
    assert_eq!(other.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(audited_addresses(&app, "login.refused"), ["127.0.0.1"; 3]);
    app.stop().await;
}

/// The flags of the Set-Cookie header for cookie `name`.
fn cookie_flags(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_string()
}

pub async fn secure_cookies_follow_only_trusted_proxies() {
    let says_https: [&[(&str, &str)]; 2] = [
        &[("Forwarded", "for=198.51.100.7;proto=https")],
        &[
            ("X-Forwarded-For", "198.51.100.7"),
            ("X-Forwarded-Proto", "https"),
        ],
    ];
    for (trusted, secure) in [("", false), ("127.0.0.1", true)] {
        let app = TestApp::spawn_with(
            Backend::Sqlite,
            settings(|s| s.http.trusted_proxies = trusted.parse().unwrap()),
        )
        .await;
        for headers in says_https {
            let mut request = fresh_client().get(app.url("/login"));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let form = request.send().await.unwrap();
            let flags = cookie_flags(&form, "lotcheck_login_csrf");
            assert_eq!(
                flags.contains("Secure"),
                secure,
                "trusted {trusted:?}, {headers:?}: {flags}"
            );
        }
        // Plain HTTP with no proxy header is never Secure.
        let plain = fresh_client().get(app.url("/login")).send().await.unwrap();
        assert!(!cookie_flags(&plain, "lotcheck_login_csrf").contains("Secure"));
        app.stop().await;
    }
}

pub async fn every_429_says_when_to_retry(backend: Backend) {
    let app = TestApp::spawn_with(backend, settings(|s| s.auth.lock_user_after = 2)).await;
    app.add_user("lead1", Role::Lead, None);
    for _ in 0..2 {
        let r = sign_in_via(&app, "lead1", "wrong password!", &[]).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // The lock lifts 15 minutes after the first counted failure.
    let retry_after = |r: &reqwest::Response| -> u64 {
        r.headers()
            .get("retry-after")
            .expect("a 429 says when to retry")
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let locked = sign_in_via(&app, "lead1", PASSWORD, &[]).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let seconds = retry_after(&locked);
    assert!((870..=900).contains(&seconds), "Retry-After: {seconds}");
    let problem: Value = locked.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("15 minutes"),
        "{problem}"
    );

    // The sign-in page answers its 429 with the same header.
    let client = fresh_client();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let cookie = cookie_flags(&form, "lotcheck_login_csrf")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = form.text().await.unwrap();
    let at = html.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
    let csrf = html[at..].split('"').next().unwrap().to_string();
    let page = client
        .post(app.url("/login"))
        .header(reqwest::header::COOKIE, cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "lead1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((870..=900).contains(&retry_after(&page)));
    app.stop().await;
}

pub async fn frames_are_refused_and_slow_clients_are_cut_off() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        settings(|s| {
            s.http.body_timeout = Duration::from_secs(1);
            s.http.head_timeout = Duration::from_secs(1);
        }),
    )
    .await;
    for path in ["/login", "/api/v1/auth/me", "/healthz"] {
        let response = fresh_client().get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }

    // A body sent in time is read as usual.
    let body = br#"{"username": "nobody", "password": "not a password"}"#;
    let head = post_head(&app.base, "/api/v1/auth/token", None, body, "");
    let mut stream = start_slow_request(&app.base, &head, body, body.len()).await;
    let answer = read_response(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(answer.status, 401, "{}", answer.body);

    // A body that trickles is cut off at the body timeout.
    let started = Instant::now();
    let mut stream = start_slow_request(&app.base, &head, body, 10).await;
    let answer = read_response(&mut stream, Duration::from_secs(5)).await;
    let waited = started.elapsed();
    assert_eq!(answer.status, 408, "{}", answer.body);
    assert!(answer.body.contains("request_timeout"), "{}", answer.body);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    assert!(closes_within(&mut stream, Duration::from_secs(3)).await);

    // A head that never ends is cut off at the head timeout.
    let address = app.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut bytes)).await;
    assert!(
        read.is_ok(),
        "the connection is closed within the head timeout"
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    app.stop().await;
}
