//! Faults: the process killed in the middle of an import, PostgreSQL cut
//! off and taken away under load and given back, two instances racing on
//! one PostgreSQL, and a panic inside a transaction. Each test is bounded
//! in time: every wait has a deadline.

use crate::common::process::{self, add_admin, audit_verify, free_port, serve};
use crate::common::proxy::TcpProxy;
use crate::common::{
    self, csv_form, draw_plan, scenario, test_settings, upload_csv, Backend, Http, TestApp,
    TestDatabase, PASSWORD,
};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use lotcheck::domain::access::Role;
use lotcheck::store::{Db, SqliteSync};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Waits for `ready` every 50 ms until `limit`; answers whether it came.
async fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready()
}

// ---------------------------------------------------------------------------
// SIGKILL during an import

/// Rows of the file imported while the process is killed.
const IMPORT_ROWS: i64 = 200_000;
/// Readings acknowledged before the import.
const BEFORE: i64 = 50;

/// Whether another connection holds the database's write transaction open:
/// on SQLite the write lock is taken (`BEGIN IMMEDIATE` is refused at
/// once), on PostgreSQL a session of the database is inside a transaction
/// that inserts readings.
fn storing(backend: Backend, url: &str) -> bool {
    match backend {
        Backend::Sqlite => {
            let mut c = diesel::SqliteConnection::establish(url).unwrap();
            c.batch_execute("PRAGMA busy_timeout = 0").unwrap();
            match c.batch_execute("BEGIN IMMEDIATE") {
                Ok(()) => {
                    c.batch_execute("ROLLBACK").unwrap();
                    false
                }
                Err(e) if e.to_string().contains("locked") => true,
                Err(e) => panic!("probing the SQLite write lock: {e}"),
            }
        }
        Backend::Postgres => {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut c = diesel::PgConnection::establish(url).unwrap();
            let found: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO %measurements%'",
            )
            .get_result(&mut c)
            .unwrap();
            found.n > 0
        }
    }
}

/// Every reading of a batch: (id, unit, characteristic, value), sorted.
async fn readings_of(http: &Http, batch_id: i64) -> Vec<(String, i64, String, f64)> {
    let mut all = Vec::new();
    for page in 1.. {
        let (status, body) = http
            .get(&format!(
                "/api/v1/batches/{batch_id}/measurements?per_page=200&page={page}"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap();
        all.extend(items.iter().map(|m| {
            (
                m["id"].as_str().unwrap().to_string(),
                m["unit"].as_i64().unwrap(),
                m["characteristic"].as_str().unwrap().to_string(),
                m["value"].as_f64().unwrap(),
            )
        }));
        if all.len() as i64 >= body["total"].as_i64().unwrap() || items.is_empty() {
            break;
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

pub async fn sigkill_during_an_import_stores_none_of_it_and_leaves_no_lock(backend: Backend) {
    let database = TestDatabase::create(backend);
    let port = free_port();
    let child = serve(&database.url, port).await;
    add_admin(&database.url);
    let http = Http::new(format!("http://127.0.0.1:{port}"), backend)
        .login("admin", PASSWORD)
        .await;
    let s = scenario(&http, IMPORT_ROWS).await;
    let batch = s.batch_id;
    draw_plan(
        &http,
        batch,
        json!({"method": "percent", "percent": 100, "seed": 5}),
    )
    .await;
    let before: Vec<Value> = (1..=BEFORE)
        .map(|u| json!({"unit": u, "characteristic": "power", "value": 9.0 + u as f64 / 1000.0}))
        .collect();
    common::record_readings(&http, batch, before).await;
    let acknowledged = readings_of(&http, batch).await;
    assert_eq!(acknowledged.len() as i64, BEFORE);

    let mut csv = String::from("unit,flux,lights_up\n");
    for unit in 1..=IMPORT_ROWS {
        csv.push_str(&format!("{unit},{},0\n", 780 + unit % 50));
    }
    let bytes = csv.into_bytes();
    let request = http
        .request(Method::POST, &format!("/api/v1/batches/{batch}/imports"))
        .multipart(csv_form(bytes.clone(), &[]))
        .send();
    let upload = tokio::spawn(async move {
        match request.await {
            Ok(response) => Some(common::read(response).await),
            Err(_) => None,
        }
    });
    // The file is received and checked first, then stored in one
    // transaction: kill the process in the middle of the storing.
    let url = database.url.clone();
    let started = wait_for(Duration::from_secs(120), || {
        assert!(
            !upload.is_finished(),
            "the import ended before it was killed"
        );
        storing(backend, &url)
    })
    .await;
    assert!(started, "{backend:?}: the import never started storing");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        storing(backend, &database.url) && !upload.is_finished(),
        "{backend:?}: the import must still be storing when it is killed"
    );
    process::kill(child);
    let answer = tokio::time::timeout(Duration::from_secs(10), upload)
        .await
        .expect("the upload ends with the process")
        .unwrap();
    assert!(
        answer.is_none(),
        "a killed import is not answered: {answer:?}"
    );

    let child = serve(&database.url, port).await;
    assert_eq!(
        readings_of(&http, batch).await,
        acknowledged,
        "{backend:?}: nothing of the killed import, every reading from before"
    );
    let (_, imports) = http.get(&format!("/api/v1/batches/{batch}/imports")).await;
    assert_eq!(imports, json!([]), "{backend:?}: no import recorded");
    let (intact, report) = audit_verify(&database.url);
    assert!(intact, "{backend:?}: {report}");

    // No lock is left: the same file imports, once.
    let (status, outcome) = upload_csv(&http, batch, bytes, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{backend:?}: {outcome}");
    assert_eq!(outcome["duplicate"], false);
    assert_eq!(outcome["import"]["rows"], IMPORT_ROWS);
    assert_eq!(outcome["import"]["readings"], IMPORT_ROWS * 2);
    let (_, page) = http
        .get(&format!("/api/v1/batches/{batch}/measurements?per_page=1"))
        .await;
    assert_eq!(page["total"], BEFORE + IMPORT_ROWS * 2);
    let (_, audit) = http.get("/api/v1/audit?action=imports.create").await;
    assert_eq!(audit["total"], 1);
    process::kill(child);
    let (intact, report) = audit_verify(&database.url);
    assert!(intact, "{backend:?}: {report}");
}

// ---------------------------------------------------------------------------
// PostgreSQL unreachable under load

/// The service's connection timeout in this test: a request waits this long
/// for a connection, then is answered 503.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);
/// Every answer comes within this, database or not.
const ANSWER_BOUND: Duration = Duration::from_secs(6);
/// How long PostgreSQL stays away: each client sends at least two
/// requests (a POST and a GET) that are answered meanwhile.
const DOWN: Duration = Duration::from_secs(7);
/// Concurrent clients.
const CLIENTS: usize = 6;
/// Times every open connection to PostgreSQL is cut before it goes away.
const CUTS: usize = 30;

#[derive(Debug, Clone)]
struct Answer {
    what: &'static str,
    sent: Instant,
    took: Duration,
    /// `None`: no answer (the connection failed or the client timed out).
    status: Option<u16>,
    /// The `code` of a problem+json answer.
    problem_code: Option<String>,
    /// Its `detail`.
    detail: String,
}

impl Answer {
    /// What, when (seconds from `origin`), how long, and the answer.
    fn line(&self, origin: Instant) -> String {
        format!(
            "{} at {:+.2}s took {:.2}s: {:?} {} {}",
            self.what,
            seconds(self.sent, origin),
            self.took.as_secs_f64(),
            self.status,
            self.problem_code.as_deref().unwrap_or(""),
            self.detail
        )
    }
}

async fn send(what: &'static str, request: reqwest::RequestBuilder) -> Answer {
    let sent = Instant::now();
    let mut answer = Answer {
        what,
        sent,
        took: Duration::ZERO,
        status: None,
        problem_code: None,
        detail: String::new(),
    };
    if let Ok(response) = request.send().await {
        answer.status = Some(response.status().as_u16());
        let problem = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|v| v == "application/problem+json");
        if let (true, Ok(body)) = (problem, response.json::<Value>().await) {
            answer.problem_code = body["code"].as_str().map(String::from);
            answer.detail = body["detail"].as_str().unwrap_or_default().to_string();
        }
    }
    answer.took = sent.elapsed();
    answer
}

/// Seconds from `origin` to `t`, negative before it.
fn seconds(t: Instant, origin: Instant) -> f64 {
    if t >= origin {
        (t - origin).as_secs_f64()
    } else {
        -(origin - t).as_secs_f64()
    }
}

/// The client id of the `n`th reading of client `client`.
fn reading_id(client: usize, n: usize) -> String {
    format!("00000000-0000-4000-8000-{:06x}{:06x}", client, n)
}

/// The flux of the `n`th reading of a client.
fn reading_value(n: usize) -> f64 {
    780.0 + (n % 100) as f64 / 4.0
}

pub async fn an_unreachable_postgres_answers_503_and_recovers_without_a_restart() {
    let database = TestDatabase::create(Backend::Postgres);
    drop(database.open()); // migrated directly
    let (proxy, through) = TcpProxy::to_postgres(&database.url);
    let db = Db::open_with_timeout(&through, SqliteSync::Full, 4, CONNECTION_TIMEOUT).unwrap();
    let mut app = TestApp::serve(Arc::new(database), db, test_settings()).await;
    app.add_user("admin", Role::Admin, None);
    app.http = app.http.login("admin", PASSWORD).await;
    let s = scenario(&app, 6000).await;
    let batch = s.batch_id;
    let (_, units) = draw_plan(
        &app,
        batch,
        json!({"method": "percent", "percent": 100, "seed": 2}),
    )
    .await;
    let http = Http {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        ..app.http.clone()
    };

    // Each client posts its readings one by one, a retry with the same id
    // until one is acknowledged, and reads the list in between.
    let stop = Arc::new(AtomicBool::new(false));
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let acknowledged: Arc<Mutex<Vec<(String, i64, f64)>>> = Arc::default();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let (http, stop, answers, acknowledged) = (
            http.clone(),
            stop.clone(),
            answers.clone(),
            acknowledged.clone(),
        );
        let mine: Vec<i64> = units
            .iter()
            .copied()
            .skip(client)
            .step_by(CLIENTS)
            .collect();
        clients.spawn(async move {
            let path = format!("/api/v1/batches/{batch}/measurements");
            let (mut n, mut retry) = (0, false);
            while !stop.load(Ordering::SeqCst) && n < mine.len() {
                let (id, unit, value) = (reading_id(client, n), mine[n], reading_value(n));
                let body = json!({"measurements": [
                    {"id": id, "unit": unit, "characteristic": "flux", "value": value}]});
                let what = if retry { "POST again" } else { "POST" };
                let answer = send(what, http.request(Method::POST, &path).json(&body)).await;
                retry = answer.status != Some(201);
                if !retry {
                    acknowledged.lock().unwrap().push((id, unit, value));
                    n += 1;
                }
                answers.lock().unwrap().push(answer);
                let list = http.request(Method::GET, &format!("{path}?per_page=20"));
                let answer = send("GET", list).await;
                answers.lock().unwrap().push(answer);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Readings not acknowledged yet stay to be retried at the end.
            (client, n)
        });
    }
    let count_ok = |answers: &Mutex<Vec<Answer>>, after: Instant| {
        answers
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.sent >= after && matches!(a.status, Some(200 | 201)))
            .count()
    };
    let start = Instant::now();
    assert!(
        wait_for(Duration::from_secs(30), || count_ok(&answers, start) >= 40).await,
        "the load runs while the database is there"
    );

    // The server drops every session again and again, transactions in
    // the middle included; new connections are accepted.
    for _ in 0..CUTS {
        tokio::time::sleep(Duration::from_millis(150)).await;
        proxy.cut().await;
    }
    let cut_at = Instant::now();
    assert!(
        wait_for(Duration::from_secs(30), || count_ok(&answers, cut_at) >= 20).await,
        "the load goes on once sessions are no longer cut"
    );

    proxy.stop().await;
    let down_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready = send("readyz", http.request(Method::GET, "/readyz")).await;
    assert_eq!(ready.status, Some(503), "{ready:?}");
    assert_eq!(ready.problem_code.as_deref(), Some("unavailable"));
    assert!(ready.took < Duration::from_secs(4), "{ready:?}");
    tokio::time::sleep(DOWN.saturating_sub(down_at.elapsed())).await;
    proxy.start();
    let up_at = Instant::now();

    let mut ready_at = None;
    while up_at.elapsed() < Duration::from_secs(30) {
        let ready = send("readyz", http.request(Method::GET, "/readyz")).await;
        if ready.status == Some(200) {
            ready_at = Some(Instant::now());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready_at = ready_at.expect("/readyz answers 200 again once PostgreSQL is back");
    let settled = ready_at + Duration::from_secs(1);
    assert!(
        wait_for(Duration::from_secs(30), || count_ok(&answers, settled)
            >= 40)
        .await,
        "requests succeed again without a restart"
    );
    stop.store(true, Ordering::SeqCst);
    let mut progress = Vec::new();
    while let Some(done) = clients.join_next().await {
        progress.push(done.unwrap());
    }

    let answers = answers.lock().unwrap().clone();
    let lines =
        |answers: &[&Answer]| -> Vec<String> { answers.iter().map(|a| a.line(down_at)).collect() };
    let timeline = lines(&answers.iter().collect::<Vec<_>>());
    let unclean: Vec<&Answer> = answers
        .iter()
        .filter(|a| match a.status {
            Some(200 | 201) => false,
            Some(503) => a.problem_code.as_deref() != Some("unavailable"),
            // A retry may overtake the COMMIT of the attempt whose answer
            // was cut off: it waits for it, then is told the reading was
            // recorded "at the same moment", to retry with the same id.
            Some(409) => {
                !(a.what == "POST again" && a.problem_code.as_deref() == Some("reading_exists"))
            }
            _ => true,
        })
        .collect();
    assert!(
        unclean.is_empty(),
        "every answer is 2xx or a 503 problem `unavailable`: {:#?}",
        lines(&unclean)
    );
    let slow: Vec<&Answer> = answers.iter().filter(|a| a.took > ANSWER_BOUND).collect();
    assert!(
        slow.is_empty(),
        "answers take at most {ANSWER_BOUND:?}: {:#?}",
        lines(&slow)
    );
    let while_down: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent >= down_at && a.sent + a.took < up_at)
        .collect();
    for what in ["POST", "GET"] {
        let n = while_down
            .iter()
            .filter(|a| a.what.starts_with(what))
            .count();
        assert!(
            n >= CLIENTS / 2,
            "{n} {what}s answered while PostgreSQL was away (back at {:+.2}s): {timeline:#?}",
            seconds(up_at, down_at)
        );
    }
    assert!(while_down.len() >= CLIENTS, "{timeline:#?}");
    let succeeded: Vec<&Answer> = while_down
        .iter()
        .copied()
        .filter(|a| a.status != Some(503))
        .collect();
    assert!(
        succeeded.is_empty(),
        "while PostgreSQL is away every answer is 503: {:#?}",
        lines(&succeeded)
    );
    let failed_after: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent >= settled && a.status != Some(200) && a.status != Some(201))
        .collect();
    assert!(
        failed_after.is_empty(),
        "once ready again, every request succeeds: {:#?}",
        lines(&failed_after)
    );

    // Retried with their ids, the readings not acknowledged are stored
    // once; every acknowledged one is there.
    let path = format!("/api/v1/batches/{batch}/measurements");
    let mut expected = acknowledged.lock().unwrap().clone();
    for (client, n) in progress {
        let mine: Vec<i64> = units
            .iter()
            .copied()
            .skip(client)
            .step_by(CLIENTS)
            .collect();
        if n < mine.len() {
            let (id, unit, value) = (reading_id(client, n), mine[n], reading_value(n));
            let body = json!({"measurements": [
                {"id": id, "unit": unit, "characteristic": "flux", "value": value}]});
            http.create(&path, body).await;
            expected.push((id, unit, value));
        }
    }
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let stored: Vec<(String, i64, f64)> = readings_of(&http, batch)
        .await
        .into_iter()
        .map(|(id, unit, _, value)| (id, unit, value))
        .collect();
    assert_eq!(stored, expected, "every acknowledged reading, each once");
    let (intact, report) = audit_verify(&app.database.url);
    assert!(intact, "{report}");
    app.stop().await;
    drop(proxy);
}

// ---------------------------------------------------------------------------
// Two instances racing on one PostgreSQL

/// Batches raced over at the same time.
const RACES: usize = 20;

/// Posts `bodies[i]` to `path` on `instances[i]`, both at once.
async fn at_once(
    instances: &[Http; 2],
    path: &str,
    bodies: [Value; 2],
) -> [(StatusCode, Value); 2] {
    let (x, y) = tokio::join!(
        instances[0].post(path, &bodies[0]),
        instances[1].post(path, &bodies[1])
    );
    [x, y]
}

/// Of two answers, one is 201 and the other a 409 with `lost_code`;
/// answers the winner's body and the loser's.
fn one_won(what: &str, answers: [(StatusCode, Value); 2], lost_code: &str) -> (Value, Value) {
    let [first, second] = answers;
    let (won, lost) = if first.0 == StatusCode::CREATED {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(won.0, StatusCode::CREATED, "{what}: {}", won.1);
    assert_eq!(lost.0, StatusCode::CONFLICT, "{what}: {}", lost.1);
    assert_eq!(lost.1["code"], lost_code, "{what}: {}", lost.1);
    (won.1, lost.1)
}

pub async fn two_instances_on_one_postgres_let_one_of_two_racing_requests_win() {
    let a = TestApp::spawn(Backend::Postgres).await;
    let mut b = TestApp::serve(a.database.clone(), a.database.open(), test_settings()).await;
    b.http = b.http.login("admin", PASSWORD).await;
    a.add_user("lead", Role::Lead, None);
    let leads = [
        a.http.login("lead", PASSWORD).await,
        b.http.login("lead", PASSWORD).await,
    ];
    let s = scenario(&a, 100).await;
    let mut batches = Vec::new();
    for _ in 0..RACES {
        batches.push(common::new_batch(&a, s.order_id, 100).await);
    }

    // Both instances draw a plan for the same batch at once, with seeds of
    // their own: one plan is drawn, and it is the one answered.
    let mut races = tokio::task::JoinSet::new();
    for (i, &batch) in batches.iter().enumerate() {
        let instances = [a.http.clone(), b.http.clone()];
        races.spawn(async move {
            let path = format!("/api/v1/batches/{batch}/sampling-plan");
            let bodies = [1000, 2000].map(|seed| json!({"method": "percent", "seed": seed + i}));
            (batch, at_once(&instances, &path, bodies).await)
        });
    }
    while let Some(raced) = races.join_next().await {
        let (batch, answers) = raced.unwrap();
        let (won, _) = one_won(&format!("plan of batch {batch}"), answers, "plan_exists");
        let (_, stored) = a
            .get(&format!("/api/v1/batches/{batch}/sampling-plan"))
            .await;
        assert_eq!(stored["seed"], won["seed"], "batch {batch}");
        assert_eq!(stored["units"], won["units"], "batch {batch}");
    }

    // Both sign the first decision of a batch at once, then both sign a
    // decision superseding it: each time one is signed.
    let path = |batch: i64| format!("/api/v1/batches/{batch}/disposition");
    let mut races = tokio::task::JoinSet::new();
    for &batch in &batches {
        let leads = leads.clone();
        let path = path(batch);
        races.spawn(async move {
            let sign = |comment: &str, supersedes: Option<i64>| {
                json!({"password": PASSWORD, "meaning": "on_hold", "comment": comment,
                       "supersedes": supersedes})
            };
            let bodies = ["a", "b"].map(|on| sign(&format!("held on instance {on}"), None));
            let answers = at_once(&leads, &path, bodies).await;
            let (first, _) = one_won(
                &format!("first decision, {path}"),
                answers,
                "already_decided",
            );
            let id = first["id"].as_i64().unwrap();
            let bodies =
                ["a", "b"].map(|on| sign(&format!("superseded on instance {on}"), Some(id)));
            let answers = at_once(&leads, &path, bodies).await;
            let (second, _) = one_won(&format!("superseding, {path}"), answers, "already_decided");
            (path, first, second)
        });
    }
    while let Some(raced) = races.join_next().await {
        let (path, first, second) = raced.unwrap();
        let (_, now) = a.get(&path).await;
        let history = now["history"].as_array().unwrap();
        assert_eq!(history.len(), 2, "{now}");
        assert_eq!(history[0]["id"], first["id"]);
        assert_eq!(history[0]["comment"], first["comment"]);
        assert_eq!(history[1]["id"], second["id"]);
        assert_eq!(history[1]["supersedes"], first["id"]);
        assert_eq!(now["current"]["comment"], second["comment"]);
    }

    for (action, n) in [("plan.draw", RACES), ("disposition.sign", 2 * RACES)] {
        let (_, audit) = a.get(&format!("/api/v1/audit?action={action}")).await;
        assert_eq!(audit["total"], n, "{action}");
    }
    let (intact, report) = audit_verify(&a.database.url);
    assert!(intact, "the chain does not fork: {report}");
    b.stop().await;
    a.stop().await;
}

// ---------------------------------------------------------------------------
// A panic inside a transaction

/// Readings in the batch, read on a pool of its own.
fn committed_readings(url: &str, batch_id: i64) -> i64 {
    use lotcheck::store::schema::measurements;
    let db = Db::open(url, SqliteSync::Full, 1).unwrap();
    db.read_blocking(|c| {
        Ok(measurements::table
            .filter(measurements::batch_id.eq(batch_id))
            .count()
            .get_result::<i64>(c)?)
    })
    .unwrap()
}

pub async fn a_panic_inside_a_transaction_leaves_no_transaction_open(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let (_, units) = draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 4})).await;
    // A use case writes, then panics (a bug): its connection goes back to
    // the pool while the panic unwinds.
    let db = app.db.clone();
    let batch = s.batch_id;
    let panicked = tokio::task::spawn_blocking(move || {
        db.write_blocking(move |c| -> lotcheck::error::AppResult<()> {
            use lotcheck::store::schema::batches;
            diesel::update(batches::table.find(batch))
                .set(batches::lot_size.eq(batches::lot_size))
                .execute(c)?;
            panic!("a bug in a use case");
        })
    })
    .await;
    // The panic unwinds to the caller (PostgreSQL: a connection of the
    // pool), or SQLite's writer thread catches it and answers 500.
    match panicked {
        Err(_) => {}
        Ok(answer) => assert_eq!(
            answer.unwrap_err().code,
            lotcheck::error::ErrorCode::Internal,
            "{backend:?}"
        ),
    }
    // Every reading acknowledged afterwards is committed, whichever
    // connection the pool lends.
    for (i, unit) in units.iter().enumerate() {
        let body =
            json!({"measurements": [{"unit": unit, "characteristic": "flux", "value": 800.0}]});
        let path = format!("/api/v1/batches/{batch}/measurements");
        let (status, answer) = app.post(&path, &body).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{backend:?}, reading {i}: {answer}"
        );
        let url = app.database.url.clone();
        let committed = tokio::task::spawn_blocking(move || committed_readings(&url, batch))
            .await
            .unwrap();
        assert_eq!(
            committed,
            i as i64 + 1,
            "{backend:?}: an acknowledged reading is committed"
        );
    }
    app.stop().await;
}
