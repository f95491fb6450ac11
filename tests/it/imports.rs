//! Instrument CSV imports: whole files or nothing, bad rows named by line
//! and column, the same file stored once, mappings saved per instrument.

use crate::common::{self, error_fields, scenario, upload_csv as upload, Backend, Http, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// A fresh batch of 100 units with a 10% plan on the scenario's order.
async fn planned_batch(app: &Http, order_id: i64) -> (i64, Vec<i64>) {
    let batch_id = common::new_batch(app, order_id, 100).await;
    let id = batch_id;
    let (_, units) = common::draw_plan(app, id, json!({"method": "percent", "seed": 11})).await;
    (id, units)
}

/// Rows `unit<d>flux<d>power<d>lights_up` for the given units.
fn rows(units: &[i64], delimiter: &str, newline: &str) -> String {
    units
        .iter()
        .map(|u| {
            let flux = 800.0 + *u as f64 / 10.0;
            format!("{u}{delimiter}{flux}{delimiter}9.0{delimiter}0{newline}")
        })
        .collect()
}

async fn stored(app: &Http, batch_id: i64) -> (i64, usize) {
    let (_, page) = app
        .get(&format!("/api/v1/batches/{batch_id}/measurements"))
        .await;
    let (_, imports) = app
        .get(&format!("/api/v1/batches/{batch_id}/imports"))
        .await;
    (
        page["total"].as_i64().unwrap(),
        imports.as_array().unwrap().len(),
    )
}

pub async fn a_valid_export_imports_once_whatever_its_line_endings_bom_or_delimiter(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let (batch, units) = planned_batch(&app, s.order_id).await;
    // UTF-8 BOM, Windows line endings, an extra column nobody maps.
    let mut csv = "\u{feff}unit,flux,power,lights_up,operator\r\n".to_string();
    for u in &units {
        csv.push_str(&format!("{u},{},9.01,0,ines\r\n", 800 + u));
    }
    let (status, outcome) = upload(&app, batch, csv.clone().into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    assert_eq!(outcome["duplicate"], false);
    assert_eq!(outcome["import"]["rows"], units.len());
    assert_eq!(outcome["import"]["readings"], units.len() * 3);
    assert_eq!(outcome["ignored_columns"], json!(["operator"]));
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch}/statistics"))
        .await;
    let flux = &stats["characteristics"][0];
    assert_eq!(flux["n"], units.len());
    let mean = units.iter().map(|u| 800.0 + *u as f64).sum::<f64>() / units.len() as f64;
    assert!((flux["mean"].as_f64().unwrap() - mean).abs() < 1e-9);

    // The same bytes again: recognised, nothing stored twice.
    let (status, again) = upload(&app, batch, csv.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["import"]["id"], outcome["import"]["id"]);
    assert_eq!(stored(&app, batch).await, (units.len() as i64 * 3, 1));

    // Semicolons and tabs are recognised.
    for delimiter in [";", "\t"] {
        let (batch, units) = planned_batch(&app, s.order_id).await;
        let csv = format!(
            "unit{d}flux{d}power{d}lights_up\n{}",
            rows(&units, delimiter, "\n"),
            d = delimiter
        );
        let (status, outcome) = upload(&app, batch, csv.into_bytes(), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{delimiter:?}: {outcome}");
        assert_eq!(outcome["import"]["readings"], units.len() * 3);
    }
    let (_, audit) = app.get("/api/v1/audit?action=imports.create").await;
    assert_eq!(audit["total"], 3);
    app.stop().await;
}

/// An imported reading's derived id finds it, its correction and its
/// history as a client's id does; a client may not take an id of that
/// form for a reading of its own (it could name an imported one later).
async fn imported_ids_answer_as_client_ids_do(
    app: &TestApp,
    batch: i64,
    first: &serde_json::Value,
    second: &serde_json::Value,
) {
    let id = first["id"].as_str().unwrap();
    let (status, found) = app.get(&format!("/api/v1/measurements/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(&found, first);
    let (status, correction) = app
        .post(
            &format!("/api/v1/measurements/{id}/corrections"),
            &json!({"value": 812.5, "reason": "re-measured"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{correction}");
    assert_eq!(correction["supersedes"], id);
    let (_, history) = app.get(&format!("/api/v1/measurements/{id}/history")).await;
    let versions: Vec<&str> = history["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        [id, correction["id"].as_str().unwrap()],
        "{history}"
    );

    // An id of that form given by a client is refused, naming the field,
    // whether or not a reading is stored under it yet.
    let unused = lotcheck::store::reading_ids::derived_uuid(1 << 40);
    for taken in [
        second["id"].as_str().unwrap().to_string(),
        unused.to_string(),
    ] {
        let body = json!({"measurements": [
            {"unit": 60, "characteristic": "flux", "value": 801.0},
            {"id": taken, "unit": 61, "characteristic": "flux", "value": 801.0}
        ]});
        let (status, refused) = app
            .post(&format!("/api/v1/batches/{batch}/measurements"), &body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(error_fields(&refused), ["measurements[1].id"], "{refused}");
    }
    // Nor may a correction take one.
    let current = correction["id"].as_str().unwrap();
    let (status, refused) = app
        .post(
            &format!("/api/v1/measurements/{current}/corrections"),
            &json!({"id": unused, "value": 812.0, "reason": "re-measured"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["id"], "{refused}");
}

/// Every reading of a file comes back as the file wrote it, to the last bit,
/// under its own id (derived from its row id, increasing in the order
/// stored), with the import's time and the importer: 170 readings make two
/// whole SQLite statements of 64 readings and 42 left over, each statement
/// binding the readings' shared values once (`store::imported`).
pub async fn every_imported_reading_is_stored_as_the_file_wrote_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let batch = common::new_batch(&app, s.order_id, 100).await;
    common::draw_plan(
        &app,
        batch,
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    // Shortest round-trip text of awkward values, and one row without power.
    let flux = |u: i64| 800.0 + u as f64 / 7.0 + 1e-9 / u as f64;
    let power = |u: i64| 9.0 - u as f64 / 1024.0;
    let mut csv = "unit,flux,power,lights_up\n".to_string();
    for u in 1..=57_i64 {
        let power = if u == 57 {
            String::new()
        } else {
            format!("{:?}", power(u))
        };
        csv.push_str(&format!("{u},{:?},{power},{}\n", flux(u), u % 2));
    }
    let (status, outcome) = upload(&app, batch, csv.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    assert_eq!(outcome["import"]["readings"], 170);
    let (_, page) = app
        .get(&format!(
            "/api/v1/batches/{batch}/measurements?per_page=200"
        ))
        .await;
    let stored = page["items"].as_array().expect("items");
    assert_eq!(stored.len(), 170, "{page}");
    // Listed in the order stored: an imported reading has no client id and
    // is answered under one derived from its row id
    // (`store::reading_ids`), which counts up with it.
    let ids: Vec<uuid::Uuid> = stored
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().expect("a UUID"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    for (m, id) in stored.iter().zip(&ids) {
        let unit = m["unit"].as_i64().unwrap();
        let expected = match m["characteristic"].as_str().unwrap() {
            "flux" => flux(unit),
            "power" => power(unit),
            "lights_up" => (unit % 2) as f64,
            other => panic!("unexpected characteristic {other}"),
        };
        assert_eq!(
            m["value"].as_f64().unwrap().to_bits(),
            expected.to_bits(),
            "{m}"
        );
        assert_eq!(m["recorded_at"], outcome["import"]["imported_at"], "{m}");
        assert_eq!(m["recorded_by"], "admin", "{m}");
        assert!(m["taken_at"].is_null() && m["supersedes"].is_null(), "{m}");
        assert_eq!(id.get_version_num(), 8, "{m}");
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122, "{m}");
    }
    imported_ids_answer_as_client_ids_do(&app, batch, &stored[0], &stored[1]).await;
    // SQLite stores an import without checking each row's references
    // (`Db::write_bulk`): every one of them holds all the same.
    if app.db.is_sqlite() {
        #[derive(diesel::QueryableByName)]
        struct Violation {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table: String,
        }
        let violations = app
            .db
            .read_blocking(|c| {
                let lotcheck::store::DbConnection::Sqlite(c) = c else {
                    unreachable!("checked above")
                };
                Ok(diesel::RunQueryDsl::load::<Violation>(
                    diesel::sql_query("PRAGMA foreign_key_check"),
                    c,
                )?)
            })
            .unwrap();
        let tables: Vec<String> = violations.into_iter().map(|v| v.table).collect();
        assert!(
            tables.is_empty(),
            "rows with a dangling reference in {tables:?}"
        );
    }
    app.stop().await;
}

pub async fn a_malformed_file_is_refused_by_line_and_column_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let probe = planned_batch(&app, s.order_id).await.1;
    let not_drawn = (1..=100).find(|u| !probe.contains(u)).unwrap();
    fn good(units: &[i64]) -> String {
        format!("unit,flux,power,lights_up\n{}", rows(units, ",", "\n"))
    }
    type Case = (
        &'static str,
        Box<dyn Fn(&[i64]) -> String>,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "wrong delimiter",
            Box::new(|u: &[i64]| good(u).replace(',', "|")),
            "file",
            "no 'unit' column",
        ),
        (
            "no unit column",
            Box::new(|u: &[i64]| good(u).replacen("unit", "serial", 1)),
            "file",
            "no 'unit' column",
        ),
        (
            "no characteristic column",
            Box::new(|u: &[i64]| format!("unit,colour\n{},red\n", u[0])),
            "file",
            "names a characteristic",
        ),
        (
            "non-numeric cell",
            Box::new(|u: &[i64]| good(u).replacen("9.0", "nine", 1)),
            "rows[2].power",
            "'nine' is not a number",
        ),
        (
            "decimal comma",
            Box::new(|u: &[i64]| good(u).replace(',', ";").replacen("9.0", "9,0", 1)),
            "rows[2].power",
            "decimals with a point",
        ),
        (
            "unit outside the sample",
            Box::new(move |u: &[i64]| format!("{}{not_drawn},800,9,0\n", good(u))),
            "rows[12].unit",
            "not drawn",
        ),
        (
            "unit outside the lot",
            Box::new(|u: &[i64]| format!("{}101,800,9,0\n", good(u))),
            "rows[12].unit",
            "outside the lot",
        ),
        (
            "attribute not 0/1",
            Box::new(|u: &[i64]| good(u).replacen(",0\n", ",2\n", 1)),
            "rows[2].lights_up",
            "0 (pass) or 1 (fail)",
        ),
        (
            "a unit twice",
            Box::new(|u: &[i64]| format!("{}{},801,9,0\n", good(u), u[0])),
            "rows[12].flux",
            "second flux reading",
        ),
        (
            "truncated last line",
            Box::new(|u: &[i64]| {
                let mut t = good(u);
                t.truncate(t.len() - 6);
                t
            }),
            "rows[11]",
            "truncated",
        ),
        (
            "empty file",
            Box::new(|_: &[i64]| String::new()),
            "file",
            "empty",
        ),
        (
            "header only",
            Box::new(|_: &[i64]| "unit,flux\n".to_string()),
            "file",
            "no rows",
        ),
    ];
    for (what, make, field, message) in cases {
        let (batch, units) = planned_batch(&app, s.order_id).await;
        let (status, problem) = upload(&app, batch, make(&units).into_bytes(), &[]).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {problem}"
        );
        assert!(error_fields(&problem).contains(&field), "{what}: {problem}");
        assert!(problem.to_string().contains(message), "{what}: {problem}");
        assert_eq!(stored(&app, batch).await, (0, 0), "{what}");
    }
    // A unit's problem is told once for its row, not once a cell.
    let (batch, units) = planned_batch(&app, s.order_id).await;
    let outside = format!("{}101,800,9,0\n", good(&units)).into_bytes();
    let (_, problem) = upload(&app, batch, outside, &[]).await;
    let fields = error_fields(&problem);
    assert_eq!(fields, ["rows[12].unit"], "{problem}");
    // Two columns mapped to one characteristic give a unit two readings.
    let (batch, units) = planned_batch(&app, s.order_id).await;
    let twice = format!("unit,flux,flux_again\n{},800,801\n", units[0]).into_bytes();
    let mapping = json!({"flux": "flux", "flux_again": "flux"}).to_string();
    let (status, problem) = upload(&app, batch, twice, &[("mapping", &mapping)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(error_fields(&problem), ["rows[2].flux_again"], "{problem}");
    assert!(
        problem.to_string().contains("second flux reading"),
        "{problem}"
    );
    assert_eq!(stored(&app, batch).await, (0, 0));
    // Readings already stored are not overwritten by an import.
    let (batch, units) = planned_batch(&app, s.order_id).await;
    app.create(
        &format!("/api/v1/batches/{batch}/measurements"),
        json!({"measurements": [{"unit": units[3], "characteristic": "flux", "value": 790.0}]}),
    )
    .await;
    let (status, problem) = upload(&app, batch, good(&units).into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem.to_string().contains("already has a flux reading"),
        "{problem}"
    );
    assert_eq!(stored(&app, batch).await, (1, 0));
    app.stop().await;
}

pub async fn mappings_are_saved_per_instrument_and_the_cli_imports_too(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let export = |units: &[i64]| {
        let mut text = "Serial No;Lumen;Watt;Date\n".to_string();
        for u in units {
            text.push_str(&format!("{u};{};8.9;2026-11-20\n", 790 + u));
        }
        text
    };
    let (batch, units) = planned_batch(&app, s.order_id).await;
    let mapping = json!({"Lumen": "flux", "Watt": "power"}).to_string();
    let (status, outcome) = upload(
        &app,
        batch,
        export(&units).into_bytes(),
        &[
            ("instrument", "sphere-2"),
            ("mapping", &mapping),
            ("unit_column", "Serial No"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    assert_eq!(
        outcome["columns"],
        json!({"Lumen": "flux", "Watt": "power"})
    );
    assert_eq!(outcome["ignored_columns"], json!(["Date"]));

    // The next export of the same instrument needs only its name.
    let (batch, units) = planned_batch(&app, s.order_id).await;
    let (status, outcome) = upload(
        &app,
        batch,
        export(&units).into_bytes(),
        &[("instrument", "sphere-2")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    assert_eq!(outcome["import"]["readings"], units.len() * 2);

    // A mapping naming what is not there.
    let (batch, units) = planned_batch(&app, s.order_id).await;
    let bad = json!({"Lux": "flux", "Watt": "watts"}).to_string();
    let (status, problem) = upload(
        &app,
        batch,
        export(&units).into_bytes(),
        &[("mapping", &bad), ("unit_column", "Serial No")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = error_fields(&problem);
    assert!(
        fields.contains(&"mapping.Lux") && fields.contains(&"mapping.Watt"),
        "{problem}"
    );

    // The command line, on the same database.
    let (batch, units) = planned_batch(&app, s.order_id).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line3.csv");
    std::fs::write(
        &path,
        format!("unit,flux,power,lights_up\n{}", rows(&units, ",", "\n")),
    )
    .unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_lotcheck"))
            .args(["import", "--batch", &batch.to_string()])
            .arg(&path)
            .env("DATABASE_URL", &app.database.url)
            .env("LOTCHECK_LOG", "warn")
            .output()
            .unwrap()
    };
    let output = run();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains(&format!("imported {} readings", units.len() * 3)),
        "{text}"
    );
    let again = run();
    assert!(String::from_utf8_lossy(&again.stdout).contains("already imported"));
    assert_eq!(stored(&app, batch).await, (units.len() as i64 * 3, 1));
    app.stop().await;
}
