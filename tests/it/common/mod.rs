//! Helpers of the tests: every test starts the real app on port 0 against a
//! fresh database of its own and talks HTTP to it, on SQLite or PostgreSQL
//! (`LOTCHECK_TEST_POSTGRES_URL` names a server where the tests may create
//! databases; the harness runs the PostgreSQL trials only when it is set).

use lotcheck::domain::access::Role;
use lotcheck::service::accounts::NewUser;
use lotcheck::service::audit::Actor;
use lotcheck::service::auth::AuthSettings;
use lotcheck::store::{Db, SqliteSync};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const POSTGRES_ENV: &str = "LOTCHECK_TEST_POSTGRES_URL";

/// The password of every user the tests create.
pub const PASSWORD: &str = "correct horse battery staple";

/// Server settings for tests: throttling delays shortened, rules unchanged.
pub fn test_settings() -> lotcheck::Settings {
    lotcheck::Settings {
        workers: Some(2),
        auth: AuthSettings {
            delay_step: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            ..AuthSettings::default()
        },
        ..lotcheck::Settings::default()
    }
}

/// A fresh, migrated database; dropped (PostgreSQL) or deleted (SQLite) at the end.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres_name: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    pub fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir
                    .path()
                    .join("lotcheck.db")
                    .to_string_lossy()
                    .into_owned();
                Self {
                    url,
                    _dir: Some(dir),
                    postgres_name: None,
                }
            }
            Backend::Postgres => {
                use diesel::connection::SimpleConnection;
                use diesel::Connection;
                let admin_url = std::env::var(POSTGRES_ENV).expect("postgres url");
                let name = format!(
                    "lotcheck_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let mut admin = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                let url = format!("{base}/{name}");
                Self {
                    url,
                    _dir: None,
                    postgres_name: Some((admin_url, name)),
                }
            }
        }
    }

    pub fn open(&self) -> Db {
        let db = Db::open(&self.url, SqliteSync::Full, 4).expect("open database");
        lotcheck::service::operations::migrate(&db).expect("migrate");
        db
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres_name {
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// An HTTP client bound to one running lotcheck, signed in when it has a token.
#[derive(Clone)]
pub struct Http {
    pub base: String,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub token: Option<String>,
}

impl Http {
    pub fn new(base: String, backend: Backend) -> Self {
        Self {
            base,
            client: reqwest::Client::new(),
            backend,
            token: None,
        }
    }

    /// A request with this client's token, if any.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// The same server with another token (or none).
    pub fn with_token(&self, token: Option<String>) -> Http {
        Http {
            token,
            ..self.clone()
        }
    }

    /// Signs in and answers a client holding the token.
    pub async fn login(&self, username: &str, password: &str) -> Http {
        let (status, body) = self
            .with_token(None)
            .post(
                "/api/v1/auth/token",
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {username}: {body}");
        self.with_token(Some(body["token"].as_str().unwrap().to_string()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        read(response).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST");
        read(response).await
    }

    /// Posts and insists on 201 Created; answers the body.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, &body).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "POST {path} on {:?}: {answer}",
            self.backend
        );
        answer
    }
}

/// The app running inside the test process, on its own fresh database.
pub struct TestApp {
    pub http: Http,
    pub db: Db,
    pub server: actix_web::dev::ServerHandle,
    /// The server's readiness switch (`/readyz`).
    pub readiness: lotcheck::api::health::Readiness,
    /// Shared by every instance serving it; dropped with the last.
    pub database: Arc<TestDatabase>,
}

impl std::ops::Deref for TestApp {
    type Target = Http;

    fn deref(&self) -> &Http {
        &self.http
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, test_settings()).await
    }

    /// As [`TestApp::spawn`], with these settings.
    pub async fn spawn_with(backend: Backend, settings: lotcheck::Settings) -> Self {
        let database = TestDatabase::create(backend);
        let db = database.open();
        let mut app = Self::serve(Arc::new(database), db, settings).await;
        app.add_user("admin", Role::Admin, None);
        app.http = app.http.login("admin", PASSWORD).await;
        app
    }

    /// The app on `db`, a migrated database of `database` (another
    /// instance may serve it too), not signed in.
    pub async fn serve(database: Arc<TestDatabase>, db: Db, settings: lotcheck::Settings) -> Self {
        init_test_logging();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let running = lotcheck::build(listener, db.clone(), settings).expect("server");
        let handle = running.server.handle();
        tokio::spawn(running.server);
        let backend = if db.is_sqlite() {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        Self {
            http: Http::new(base, backend),
            db,
            server: handle,
            readiness: running.readiness,
            database,
        }
    }

    /// Adds a user straight through the service (password [`PASSWORD`]).
    pub fn add_user(&self, username: &str, role: Role, customer_id: Option<i64>) {
        let input = NewUser {
            username: username.into(),
            password: PASSWORD.into(),
            role,
            customer_id,
        };
        self.db
            .write_blocking(|c| {
                lotcheck::service::accounts::add_user(c, &Actor::system("test"), input)
            })
            .expect("add user");
    }

    /// A new user of the role, signed in.
    pub async fn signed_in(&self, username: &str, role: Role, customer_id: Option<i64>) -> Http {
        self.add_user(username, role, customer_id);
        self.http.login(username, PASSWORD).await
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

/// The `field` of every error of a problem+json answer, in order.
/// One characteristic's entry of a batch's statistics, by code.
pub fn stats_of<'a>(stats: &'a Value, code: &str) -> &'a Value {
    stats["characteristics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()
}

pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Reads a response: JSON when it is JSON (problem+json included), else text.
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let text = response.text().await.expect("body");
    let value = if is_json {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON answer ({e}): {text}"))
    } else {
        Value::String(text)
    };
    (status, value)
}

fn init_test_logging() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt().with_env_filter("info").try_init();
        }
    });
}

/// Ids of a customer, a product (A60 bulb template), an order and one batch.
pub struct Scenario {
    pub customer_id: i64,
    pub product_id: i64,
    pub order_id: i64,
    pub batch_id: i64,
}

pub fn bulb_characteristics() -> Value {
    json!([
        {"code": "flux", "name": "Luminous flux", "unit": "lm", "kind": "variable",
         "nominal": 806, "lsl": 725, "usl": 887, "severity": "major"},
        {"code": "power", "name": "Input power", "unit": "W", "kind": "variable",
         "nominal": 9, "lsl": 8.1, "usl": 9.9, "severity": "major"},
        {"code": "lights_up", "name": "Lights up", "kind": "attribute", "severity": "critical"}
    ])
}

pub async fn scenario(app: &Http, lot_size: i64) -> Scenario {
    let customer = app
        .create(
            "/api/v1/customers",
            json!({"name": "Helios Home Lighting Ltd"}),
        )
        .await;
    let product = app
        .create(
            "/api/v1/products",
            json!({
                "code": "A60-E27-9W-2700K", "name": "A60 E27 9 W 2700 K", "customer_id": customer["id"],
                "params": {"rated_power_w": 9, "rated_flux_lm": 806, "nominal_cct_k": 2700,
                           "cri_min": 80, "beam_angle_deg": 220, "lamp_holder": "E27", "chip_model": "2835"},
                "characteristics": bulb_characteristics()
            }),
        )
        .await;
    let order = app
        .create(
            "/api/v1/orders",
            json!({"customer_id": customer["id"], "product_id": product["id"],
                   "po_number": "PO-2026-0001", "quantity": lot_size * 2}),
        )
        .await;
    let batch_id = new_batch(app, order["id"].as_i64().unwrap(), lot_size).await;
    Scenario {
        customer_id: customer["id"].as_i64().unwrap(),
        product_id: product["id"].as_i64().unwrap(),
        order_id: order["id"].as_i64().unwrap(),
        batch_id,
    }
}

/// Runs `scripts/<script>` with the test Python ([`crate::harness::python`]),
/// feeding `input` as JSON and reading its JSON answer. The trial declares
/// the modules the script imports, so the harness has checked them.
pub fn python_oracle(script: &str, input: &Value) -> Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let python = crate::harness::python();
    let mut child = Command::new(&python)
        .arg(format!("scripts/{script}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {python}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write input");
    let out = child.wait_with_output().expect("python output");
    assert!(out.status.success(), "{script} failed");
    serde_json::from_slice(&out.stdout).expect("JSON from the oracle")
}

/// A small PNG photo (a gradient), as a tablet camera might send.
pub fn png_photo(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode png");
    bytes
}

/// Uploads `bytes` as the `photo` field to an inspection.
pub async fn upload_photo(app: &Http, inspection: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    post_photo(
        app,
        &format!("/api/v1/inspections/{inspection}/photos"),
        bytes,
    )
    .await
}

/// Posts `bytes` as the form field `photo` to `path`.
pub async fn post_photo(app: &Http, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(bytes).file_name("defect.jpg"),
    );
    let response = app
        .request(reqwest::Method::POST, path)
        .multipart(form)
        .send()
        .await
        .unwrap();
    read(response).await
}

/// The multipart form of an import: `bytes` as the CSV `file`, and the
/// form's other `fields` (mapping, instrument, unit_column).
/// Attaches a supplier document (form field `file`) to a material lot,
/// with further form fields (`kind`, `issued_on`, `expires_on`).
pub async fn attach_document(
    app: &Http,
    lot_id: i64,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("certificate.pdf"),
    );
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/material-lots/{lot_id}/documents"),
        )
        .multipart(form)
        .send()
        .await
        .expect("upload a document");
    read(response).await
}

pub fn csv_form(bytes: Vec<u8>, fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    use reqwest::multipart::{Form, Part};
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name("export.csv"));
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form
}

/// Imports `bytes` as a CSV file into the batch ([`csv_form`]).
pub async fn upload_csv(
    app: &Http,
    batch_id: i64,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/batches/{batch_id}/imports"),
        )
        .multipart(csv_form(bytes, fields))
        .send()
        .await
        .unwrap();
    read(response).await
}

/// A new batch of `lot_size` units on the order; answers its id.
pub async fn new_batch(app: &Http, order_id: i64, lot_size: i64) -> i64 {
    let batch = app
        .create(
            &format!("/api/v1/orders/{order_id}/batches"),
            json!({ "lot_size": lot_size }),
        )
        .await;
    batch["id"].as_i64().expect("batch id")
}

/// A lead signs the batch's decision (`meaning`, `comment`) and issues the
/// order's report; answers the issued revision.
pub async fn decide_and_issue(
    app: &Http,
    batch_id: i64,
    order_id: i64,
    meaning: &str,
    comment: &str,
) -> Value {
    let (status, signed) = app
        .post(
            &format!("/api/v1/batches/{batch_id}/disposition"),
            &json!({"password": PASSWORD, "meaning": meaning, "comment": comment}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    let (status, issued) = app
        .post(&format!("/api/v1/orders/{order_id}/reports"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued
}

/// Draws a batch's sampling plan; answers the plan and its unit numbers.
pub async fn draw_plan(app: &Http, batch_id: i64, request: Value) -> (Value, Vec<i64>) {
    let plan = app
        .create(
            &format!("/api/v1/batches/{batch_id}/sampling-plan"),
            request,
        )
        .await;
    let units = plan_units(&plan);
    (plan, units)
}

/// The unit numbers a plan draws.
pub fn plan_units(plan: &Value) -> Vec<i64> {
    plan["units"]
        .as_array()
        .expect("plan units")
        .iter()
        .map(|u| u.as_i64().expect("unit number"))
        .collect()
}

/// A plan's sample size, acceptance and rejection numbers.
pub fn plan_numbers(plan: &Value) -> (u64, u64, u64) {
    let number = |key: &str| {
        plan[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {plan}"))
    };
    (number("sample_size"), number("accept"), number("reject"))
}

/// What one A60 bulb measures: its flux (lm), its input power (W), and
/// `lights_up` 0 when it lit, 1 when it did not.
pub struct Bulb {
    pub flux: f64,
    pub power: f64,
    pub lights_up: i64,
}

/// Records the three readings of each of `units`, the `i`th measuring
/// `bulb(i)`; answers what the service stored.
pub async fn record_bulbs(
    app: &Http,
    batch_id: i64,
    units: &[i64],
    bulb: impl Fn(usize) -> Bulb,
) -> Value {
    let readings: Vec<Value> = units
        .iter()
        .enumerate()
        .flat_map(|(i, unit)| {
            let Bulb {
                flux,
                power,
                lights_up,
            } = bulb(i);
            [
                json!({"unit": unit, "characteristic": "flux", "value": flux}),
                json!({"unit": unit, "characteristic": "power", "value": power}),
                json!({"unit": unit, "characteristic": "lights_up", "value": lights_up}),
            ]
        })
        .collect();
    record_readings(app, batch_id, readings).await
}

/// Judges the batch's lot from its readings; answers the result.
pub async fn lot_result(app: &Http, batch_id: i64) -> Value {
    app.create(&format!("/api/v1/batches/{batch_id}/lot-result"), json!({}))
        .await
}

/// Posts readings to a batch; answers what the service stored.
pub async fn record_readings(app: &Http, batch_id: i64, readings: Vec<Value>) -> Value {
    app.create(
        &format!("/api/v1/batches/{batch_id}/measurements"),
        json!({ "measurements": readings }),
    )
    .await
}

/// Montgomery's piston-ring diameters (../shared/data/pistonrings.csv): the
/// first 25 subgroups of 5.
pub fn piston_ring_subgroups() -> Vec<Vec<f64>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/pistonrings.csv"
    );
    let mut reader = csv::Reader::from_path(path).expect("pistonrings.csv");
    let mut groups: Vec<Vec<f64>> = Vec::new();
    for record in reader.records() {
        let record = record.expect("csv row");
        let group: usize = record[0].parse().expect("subgroup");
        if group > groups.len() {
            groups.push(Vec::new());
        }
        groups[group - 1].push(record[1].parse().expect("diameter"));
    }
    groups.truncate(25);
    groups
}

/// A piston-ring product (diameter 74.000 ± 0.05 mm) with one order;
/// answers the product and order ids.
pub async fn ring_order(app: &Http) -> (i64, i64) {
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": "RING-74", "name": "Piston ring", "characteristics": [
                {"code": "diameter", "name": "Inside diameter", "unit": "mm", "kind": "variable",
                 "nominal": 74.0, "lsl": 73.95, "usl": 74.05, "severity": "major"}]}),
        )
        .await;
    let customer = app
        .create("/api/v1/customers", json!({"name": "Engines"}))
        .await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": "R-1", "quantity": 100_000}))
        .await;
    (
        product["id"].as_i64().unwrap(),
        order["id"].as_i64().unwrap(),
    )
}

/// One batch of 50 per subgroup, its 10% sample (5 units) read as the subgroup.
pub async fn record_ring_batches(app: &Http, order_id: i64, groups: &[Vec<f64>], seed: usize) {
    for (i, group) in groups.iter().enumerate() {
        let batch_id = new_batch(app, order_id, 50).await;
        let (_, units) = draw_plan(
            app,
            batch_id,
            json!({"method": "percent", "seed": seed + i}),
        )
        .await;
        assert_eq!(units.len(), group.len());
        let readings: Vec<Value> = units
            .iter()
            .zip(group)
            .map(|(u, v)| json!({"unit": u, "characteristic": "diameter", "value": v}))
            .collect();
        record_readings(app, batch_id, readings).await;
    }
}
pub mod process;
pub mod proxy;
pub mod svg;
