//! Colour characteristics: chromaticity recorded per unit, CCT, Duv and
//! MacAdam steps derived from it and treated like any other characteristic.

use crate::common::{self, error_fields, stats_of, Backend, TestApp};
use lotcheck::domain::colorimetry::{cct_duv, Ellipse, Xy};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn colour_product(code: &str, params: Value) -> Value {
    json!({
        "code": code, "name": "A60 2700 K", "params": params,
        "characteristics": [
            {"code": "x", "name": "Chromaticity x", "kind": "variable", "severity": "minor", "quantity": "cie_x"},
            {"code": "y", "name": "Chromaticity y", "kind": "variable", "severity": "minor", "quantity": "cie_y"},
            {"code": "cct", "name": "CCT", "unit": "K", "kind": "variable", "severity": "major",
             "quantity": "cct_k", "nominal": 2725, "lsl": 2580, "usl": 2870},
            {"code": "duv", "name": "Duv", "kind": "variable", "severity": "major",
             "quantity": "duv", "lsl": -0.006, "usl": 0.006},
            {"code": "sdcm", "name": "MacAdam steps", "kind": "variable", "severity": "major",
             "quantity": "macadam_steps", "usl": 5}
        ]
    })
}

const TARGET: Xy = Xy {
    x: 0.4578,
    y: 0.4101,
};

pub async fn cct_duv_and_steps_are_derived_per_unit_and_described(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app
        .create(
            "/api/v1/products",
            colour_product(
                "A60-27",
                json!({"target_x": TARGET.x, "target_y": TARGET.y}),
            ),
        )
        .await;
    let derived: Vec<bool> = product["characteristics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["derived"].as_bool().unwrap())
        .collect();
    assert_eq!(derived, [false, false, true, true, true]);
    let customer = app.create("/api/v1/customers", json!({"name": "C"})).await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": "P1", "quantity": 100}))
        .await;
    let batch_id = common::new_batch(&app, order["id"].as_i64().unwrap(), 50).await;
    let (_, units) =
        common::draw_plan(&app, batch_id, json!({"method": "percent", "seed": 3})).await;
    assert_eq!(units.len(), 5);
    let points: Vec<Xy> = (0..units.len())
        .map(|i| Xy {
            x: TARGET.x + 0.002 * i as f64,
            y: TARGET.y - 0.0014 * i as f64,
        })
        .collect();
    let path = format!("/api/v1/batches/{batch_id}/measurements");

    // Derived values cannot be recorded; chromaticity must be a colour.
    for (item, field, message) in [
        (
            json!({"unit": units[0], "characteristic": "cct", "value": 2700}),
            "measurements[0].characteristic",
            "derived",
        ),
        (
            json!({"unit": units[0], "characteristic": "x", "value": 1.2}),
            "measurements[0].value",
            "between 0 and 1",
        ),
    ] {
        let (status, problem) = app.post(&path, &json!({"measurements": [item]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(error_fields(&problem).contains(&field), "{problem}");
        assert!(problem.to_string().contains(message), "{problem}");
    }
    let (status, problem) = app
        .post(
            &path,
            &json!({"measurements": [
            {"unit": units[0], "characteristic": "x", "value": 0.05},
            {"unit": units[0], "characteristic": "y", "value": 0.9}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        error_fields(&problem).contains(&"measurements[0].value"),
        "{problem}"
    );
    assert!(
        problem.to_string().contains("outside the CIE 1931"),
        "{problem}"
    );

    let readings: Vec<Value> = units
        .iter()
        .zip(&points)
        .flat_map(|(unit, p)| {
            [
                json!({"unit": unit, "characteristic": "x", "value": p.x}),
                json!({"unit": unit, "characteristic": "y", "value": p.y}),
            ]
        })
        .collect();
    let stored = app.create(&path, json!({"measurements": readings})).await;

    // Statistics of the derived characteristics use the domain's values
    // (themselves checked against colour-science in colorimetry_reference).
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch_id}/statistics"))
        .await;
    let ccts: Vec<f64> = points.iter().map(|p| cct_duv(*p).unwrap().cct_k).collect();
    let cct = stats_of(&stats, "cct");
    assert_eq!(cct["n"], 5);
    let mean = ccts.iter().sum::<f64>() / 5.0;
    assert!((cct["mean"].as_f64().unwrap() - mean).abs() < 1e-6, "{cct}");
    let ellipse = Ellipse::standard_around(TARGET, cct_duv(TARGET).unwrap().cct_k);
    let steps: Vec<f64> = points.iter().map(|p| ellipse.steps(*p)).collect();
    let sdcm = stats_of(&stats, "sdcm");
    assert_eq!(sdcm["min"], 0.0);
    assert!((sdcm["max"].as_f64().unwrap() - steps[4]).abs() < 1e-9);
    assert_eq!(
        sdcm["nonconforming"],
        steps.iter().filter(|s| **s > 5.0).count()
    );
    assert!(
        steps[4] > 5.0,
        "the test wants one unit beyond 5 steps: {steps:?}"
    );

    // Per-unit colours.
    let (status, colours) = app
        .get(&format!("/api/v1/batches/{batch_id}/colorimetry"))
        .await;
    assert_eq!(status, StatusCode::OK, "{colours}");
    assert_eq!(colours["units"].as_array().unwrap().len(), 5);
    assert_eq!(colours["units"][0]["ansi_nominal_cct_k"], 2700);
    assert_eq!(colours["target"]["a"], 0.00258);

    // Correcting x moves the derived CCT.
    let x_of_last = stored["measurements"][8]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(stored["measurements"][8]["characteristic"], "x");
    let (status, _) = app
        .post(
            &format!("/api/v1/measurements/{x_of_last}/corrections"),
            &json!({"value": TARGET.x, "reason": "re-measured after warm-up"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch_id}/statistics"))
        .await;
    let corrected = cct_duv(Xy {
        x: TARGET.x,
        y: points[4].y,
    })
    .unwrap()
    .cct_k;
    let mean = (ccts[..4].iter().sum::<f64>() + corrected) / 5.0;
    assert!((stats_of(&stats, "cct")["mean"].as_f64().unwrap() - mean).abs() < 1e-6);

    // The CSV export holds each unit's derived CCT, the corrected unit's
    // from its corrected point, marked derived.
    let csv = crate::reports::OrderCsv::fetch(&app, &order["id"]).await;
    let column = |name: &str| csv.column(name);
    let cct_rows: Vec<(i64, f64, String)> = csv
        .rows
        .iter()
        .filter(|row| &row[column("characteristic")] == "cct")
        .map(|row| {
            (
                row[column("unit")].parse().unwrap(),
                row[column("value")].parse().unwrap(),
                row[column("derived")].to_string(),
            )
        })
        .collect();
    let mut expected: Vec<(i64, f64)> = units.iter().copied().zip(ccts.clone()).collect();
    expected[4].1 = corrected;
    expected.sort_by_key(|(unit, _)| *unit);
    assert_eq!(cct_rows.len(), 5, "{cct_rows:?}");
    for ((unit, value, derived), (expected_unit, expected_cct)) in cct_rows.iter().zip(&expected) {
        assert_eq!(unit, expected_unit);
        assert!(
            (value - expected_cct).abs() < 1e-6,
            "{unit}: {value} {expected_cct}"
        );
        assert_eq!(derived, "true");
    }
    app.stop().await;
}

pub async fn colour_templates_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, problem) = app
        .post("/api/v1/products", &colour_product("NO-TARGET", json!({})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_fields(&problem).contains(&"params.target_x"),
        "{problem}"
    );
    let mut only_x = colour_product("ONLY-X", json!({"target_x": 0.45, "target_y": 0.41}));
    only_x["characteristics"].as_array_mut().unwrap().remove(1);
    let (status, problem) = app.post("/api/v1/products", &only_x).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem.to_string().contains("both a cie_x and a cie_y"),
        "{problem}"
    );
    let attribute = json!({"code": "ATTR", "name": "n", "characteristics": [
        {"code": "cct", "name": "CCT", "kind": "attribute", "severity": "major", "quantity": "cct_k"}]});
    let (status, problem) = app.post("/api/v1/products", &attribute).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_fields(&problem).contains(&"characteristics[0].quantity"),
        "{problem}"
    );
    // CCT alone is recorded directly.
    let direct = app
        .create("/api/v1/products", json!({"code": "CCT-ONLY", "name": "n", "characteristics": [
            {"code": "cct", "name": "CCT", "unit": "K", "kind": "variable", "severity": "major", "quantity": "cct_k"}]}))
        .await;
    assert_eq!(direct["characteristics"][0]["derived"], false);
    app.stop().await;
}

/// A batch of three units, all drawn, of a new colour product `code` with
/// the 2700 K target, in a new order `po_number`.
async fn three_unit_batch(app: &TestApp, code: &str, po_number: &str) -> i64 {
    let product = colour_product(code, json!({"target_x": TARGET.x, "target_y": TARGET.y}));
    fully_drawn_batch(app, product, po_number, 3).await
}

/// A batch of `units`, every unit drawn, of a new product made of
/// `product`, in a new order `po_number` of a new customer.
async fn fully_drawn_batch(app: &TestApp, product: Value, po_number: &str, units: i64) -> i64 {
    let product = app.create("/api/v1/products", product).await;
    let customer = app.create("/api/v1/customers", json!({"name": "C"})).await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": po_number, "quantity": units}))
        .await;
    let batch_id = common::new_batch(app, order["id"].as_i64().unwrap(), units).await;
    common::draw_plan(
        app,
        batch_id,
        json!({"method": "percent", "percent": 100, "seed": 1}),
    )
    .await;
    batch_id
}

/// Colour values are derived once, when x and y are stored or corrected,
/// kept with the pair of readings they come from, and read from there; the
/// data step of their migration derives them for readings stored before.
pub async fn colours_are_stored_with_their_readings_and_read_from_there(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use lotcheck::store::colours::{of_batch, DerivedColourRow};
    let app = TestApp::spawn(backend).await;
    let batch_id = three_unit_batch(&app, "A60-27S", "P2").await;
    let path = format!("/api/v1/batches/{batch_id}/measurements");
    let point = |unit: i64| Xy {
        x: TARGET.x + 0.001 * unit as f64,
        y: TARGET.y,
    };
    let readings: Vec<Value> = (1..=3)
        .flat_map(|unit| {
            [
                json!({"unit": unit, "characteristic": "x", "value": point(unit).x}),
                json!({"unit": unit, "characteristic": "y", "value": point(unit).y}),
            ]
        })
        .collect();
    let stored = app.create(&path, json!({"measurements": readings})).await;
    let x_of_unit_2 = stored["measurements"][2]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let corrected = Xy {
        x: 0.4500,
        y: TARGET.y,
    };
    let (status, body) = app
        .post(
            &format!("/api/v1/measurements/{x_of_unit_2}/corrections"),
            &json!({"value": corrected.x, "reason": "re-measured"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let colours = |db: &lotcheck::store::Db| -> Vec<DerivedColourRow> {
        let mut rows = db.read_blocking(|c| Ok(of_batch(c, batch_id)?)).unwrap();
        rows.sort_by_key(|r| (r.unit, r.x_measurement_id));
        rows
    };
    let rows = colours(&app.db);
    let units: Vec<i64> = rows.iter().map(|r| r.unit).collect();
    assert_eq!(units, [1, 2, 2, 3], "one colour per pair: unit 2 has two");
    let ellipse = Ellipse::standard_around(TARGET, cct_duv(TARGET).unwrap().cct_k);
    for (row, p) in rows.iter().zip([point(1), point(2), corrected, point(3)]) {
        let expected = cct_duv(p).unwrap();
        assert_eq!(row.cct_k, expected.cct_k, "{row:?}");
        assert_eq!(row.duv, expected.duv, "{row:?}");
        assert_eq!(row.macadam_steps, Some(ellipse.steps(p)), "{row:?}");
    }

    // Reads take the stored values: a stored CCT changed behind the
    // service's back shows in the statistics.
    let tampered = rows[0].x_measurement_id;
    app.db
        .write_blocking(move |c| {
            Ok(c.batch_execute(&format!(
                "UPDATE derived_colours SET cct_k = 9999 WHERE x_measurement_id = {tampered}"
            ))?)
        })
        .unwrap();
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch_id}/statistics"))
        .await;
    assert_eq!(stats_of(&stats, "cct")["max"], 9999.0, "{stats}");
    let (_, colour) = app
        .get(&format!("/api/v1/batches/{batch_id}/colorimetry"))
        .await;
    assert_eq!(colour["units"][0]["cct_k"], 9999.0, "{colour}");

    // The migration's data step derives the colours of readings stored
    // without them, once.
    app.db
        .write_blocking(|c| {
            Ok(c.batch_execute("DELETE FROM derived_colours; DELETE FROM data_migrations")?)
        })
        .unwrap();
    // A pair whose colour is missing (two requests bringing x and y at the
    // same moment on PostgreSQL) is derived when read.
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch_id}/statistics"))
        .await;
    assert_eq!(
        stats_of(&stats, "cct")["n"],
        3,
        "colours missing from the store are derived when read: {stats}"
    );
    lotcheck::service::operations::migrate(&app.db).unwrap();
    let backfilled = colours(&app.db);
    let values = |rows: &[DerivedColourRow]| -> Vec<(i64, i64, i64, f64, f64)> {
        rows.iter()
            .map(|r| {
                (
                    r.unit,
                    r.x_measurement_id,
                    r.y_measurement_id,
                    r.cct_k,
                    r.duv,
                )
            })
            .collect()
    };
    let mut expected = values(&rows);
    expected[0].3 = cct_duv(point(1)).unwrap().cct_k;
    assert_eq!(values(&backfilled), expected);
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch_id}/statistics"))
        .await;
    let ccts = [point(1), corrected, point(3)].map(|p| cct_duv(p).unwrap().cct_k);
    assert_eq!(
        stats_of(&stats, "cct")["max"],
        ccts.iter().cloned().fold(f64::MIN, f64::max),
        "{stats}"
    );
    app.stop().await;
}

/// A request's readings are checked on a connection of the pool and
/// stored by the writer afterwards; a unit's other coordinate stored in
/// between is checked with them again: the pair they make is no colour
/// (below the purple line), so nothing of the request is stored.
pub async fn a_pair_completed_between_check_and_store_is_checked_again(backend: Backend) {
    use lotcheck::service::audit::Actor;
    use lotcheck::service::limits::InputLimits;
    use lotcheck::service::measurements::{self, MeasurementInput, RecordMeasurements};
    let app = TestApp::spawn(backend).await;
    let batch_id = three_unit_batch(&app, "A60-27R", "P3").await;
    let x_of_unit_1 = RecordMeasurements {
        measurements: vec![MeasurementInput {
            id: None,
            unit: 1,
            characteristic: "x".into(),
            value: 0.45,
            taken_at: None,
        }],
    };
    let checked = app
        .db
        .read_blocking(|c| measurements::check(c, batch_id, x_of_unit_1, &InputLimits::default()))
        .expect("x alone is a fine reading");
    let path = format!("/api/v1/batches/{batch_id}/measurements");
    let (status, body) = app
        .post(
            &path,
            &json!({"measurements": [{"unit": 1, "characteristic": "y", "value": 0.05}]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "y alone is a fine reading: {body}"
    );
    let refused = app
        .db
        .write_blocking(move |c| measurements::store_checked(c, &Actor::system("test"), checked))
        .expect_err("(0.45, 0.05) is outside the diagram");
    assert_eq!(refused.status().as_u16(), 422, "{refused:?}");
    assert!(
        format!("{refused:?}").contains("measurements[0].value"),
        "{refused:?}"
    );
    let (_, stored) = app.get(&format!("{path}?unit=1")).await;
    let codes: Vec<&str> = stored["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["characteristic"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["y"], "{stored}");

    // Checked on its own, a request's problems come in one answer: a unit
    // outside the lot beside a pair that is no colour.
    let (status, body) = app
        .post(
            &path,
            &json!({"measurements": [
                {"unit": 4, "characteristic": "x", "value": 0.45},
                {"unit": 2, "characteristic": "x", "value": 0.45},
                {"unit": 2, "characteristic": "y", "value": 0.05}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = error_fields(&body);
    assert!(fields.contains(&"measurements[0].unit"), "{body}");
    assert!(fields.contains(&"measurements[2].value"), "{body}");
    app.stop().await;
}

/// An imported file is stored in chunks of readings, each with the colours
/// of the pairs it completes: a unit whose x and y fall in two chunks, and
/// one completing an x recorded before the file, have their colour too,
/// each that of its own pair, one per unit.
pub async fn an_imported_file_s_colours_are_those_of_its_own_pairs(backend: Backend) {
    use lotcheck::service::imports::READINGS_PER_CHUNK;
    let app = TestApp::spawn(backend).await;
    // Three readings a row: a chunk of READINGS_PER_CHUNK readings ends
    // between one unit's x and its y.
    let units = (READINGS_PER_CHUNK / 3 + 40) as i64;
    let split_unit = (READINGS_PER_CHUNK / 3 + 1) as i64;
    let batch_id = fully_drawn_colour_batch(&app, "A60-27I", units).await;
    let earlier_x = units - 1;
    app.create(
        &format!("/api/v1/batches/{batch_id}/measurements"),
        json!({"measurements": [{"unit": earlier_x, "characteristic": "x", "value": unit_point(earlier_x).x}]}),
    )
    .await;
    let mut csv = String::from("unit,flux,x,y\n");
    for unit in 1..=units {
        let x = if unit == earlier_x {
            String::new()
        } else {
            unit_point(unit).x.to_string()
        };
        csv += &format!("{unit},800,{x},{}\n", unit_point(unit).y);
    }
    let (status, body) = common::upload_csv(&app, batch_id, csv.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let rows = colours_of_their_own_pairs(&app, batch_id);
    let stored_units: Vec<i64> = rows.iter().map(|r| r.unit).collect();
    let missing: Vec<i64> = (1..=units).filter(|u| !stored_units.contains(u)).collect();
    assert!(
        missing.is_empty() && stored_units.len() == units as usize,
        "one colour per unit; none for {missing:?}, {} in all",
        stored_units.len()
    );
    assert!(rows.iter().any(|r| r.unit == split_unit) && rows.iter().any(|r| r.unit == earlier_x));

    app.stop().await;
}

/// A file is checked while what it has passed is stored, in one
/// transaction: a problem found only after many chunks of it were stored
/// (a bad cell in its last row, its last unit's point, or the point of a
/// unit whose x and y a chunk's edge parts, checked once every cell is
/// known) leaves no reading, colour or import behind, and the file put
/// right then imports whole.
pub async fn a_file_refused_after_chunks_of_it_were_stored_leaves_nothing(backend: Backend) {
    use lotcheck::service::imports::READINGS_PER_CHUNK;
    let app = TestApp::spawn(backend).await;
    // Nine chunks of three readings a row: the store takes each chunk as
    // soon as the check hands it over (four more wait at most), so several
    // are stored before the last row is read.
    let units = READINGS_PER_CHUNK as i64 * 3;
    // The first chunk ends between this unit's x and its y.
    let parted = (READINGS_PER_CHUNK / 3 + 1) as i64;
    let batch_id = fully_drawn_colour_batch(&app, "A60-27R", units).await;
    let file_with = |parted_row: &str, last_row: &str| {
        let mut csv = String::from("unit,flux,x,y\n");
        for unit in 1..units {
            let p = unit_point(unit);
            if unit == parted {
                csv += parted_row;
            } else {
                csv += &format!("{unit},800,{},{}\n", p.x, p.y);
            }
        }
        csv + last_row
    };
    let right_parted = {
        let p = unit_point(parted);
        format!("{parted},800,{},{}\n", p.x, p.y)
    };
    let file = |last_row: &str| file_with(&right_parted, last_row);
    let p = unit_point(units);
    let cases = [
        (
            format!("{units},bright,{},{}\n", p.x, p.y),
            format!("rows[{}].flux", units + 1),
        ),
        (
            format!("{units},800,0.05,0.9\n"),
            format!("rows[{}]", units + 1),
        ),
    ];
    let right_last = format!("{units},800,{},{}\n", p.x, p.y);
    let cases = cases
        .into_iter()
        .map(|(last, field)| (file(&last), last, field));
    let parted_case = (
        file_with(&format!("{parted},800,0.05,0.9\n"), &right_last),
        format!("unit {parted} parted"),
        format!("rows[{}]", parted + 1),
    );
    for (csv, last_row, field) in cases.chain([parted_case]) {
        let (status, problem) = common::upload_csv(&app, batch_id, csv.into_bytes(), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), [field.as_str()], "{problem}");
        let (_, readings) = app
            .get(&format!("/api/v1/batches/{batch_id}/measurements"))
            .await;
        assert_eq!(readings["total"], 0, "{last_row}");
        let (_, imports) = app
            .get(&format!("/api/v1/batches/{batch_id}/imports"))
            .await;
        assert_eq!(imports, json!([]), "{last_row}");
        let colours = app
            .db
            .read_blocking(move |c| Ok(lotcheck::store::colours::of_batch(c, batch_id)?))
            .unwrap();
        assert!(colours.is_empty(), "{last_row}: {} colours", colours.len());
    }
    let (status, outcome) =
        common::upload_csv(&app, batch_id, file(&right_last).into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    assert_eq!(outcome["import"]["rows"], units);
    assert_eq!(outcome["import"]["readings"], units * 3);
    assert_eq!(
        colours_of_their_own_pairs(&app, batch_id).len(),
        units as usize
    );
    app.stop().await;
}

/// The batch's stored colours, by unit, each checked to be the colour of
/// its unit's point ([`unit_point`]) and to name that unit's own x and y
/// readings, with the values the point gave them (the ids of readings
/// stored in one statement are worked out on SQLite, not read back).
fn colours_of_their_own_pairs(
    app: &TestApp,
    batch_id: i64,
) -> Vec<lotcheck::store::colours::DerivedColourRow> {
    use lotcheck::store::colours::of_batch;
    use lotcheck::store::measurements::{values_of_batch, ReadingValue};
    let mut colours = app
        .db
        .read_blocking(move |c| Ok(of_batch(c, batch_id)?))
        .unwrap();
    colours.sort_by_key(|r| r.unit);
    // Neighbouring units' points are 1e-5 apart, some kelvin; the tolerance
    // allows for a coordinate sent as JSON coming back a bit off.
    for row in &colours {
        let expected = cct_duv(unit_point(row.unit)).unwrap();
        assert!(
            (row.cct_k - expected.cct_k).abs() < 1e-6 && (row.duv - expected.duv).abs() < 1e-9,
            "{row:?} is not the colour of unit {}'s pair: {expected:?}",
            row.unit
        );
    }
    let readings: std::collections::HashMap<i64, ReadingValue> = app
        .db
        .read_blocking(move |c| Ok(values_of_batch(c, batch_id)?))
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for row in &colours {
        let named = |id: &i64| {
            readings
                .get(id)
                .unwrap_or_else(|| panic!("{row:?} names reading {id}, which the batch lacks"))
        };
        let (x, y) = (named(&row.x_measurement_id), named(&row.y_measurement_id));
        assert_eq!((x.unit, y.unit), (row.unit, row.unit), "{row:?}");
        assert_ne!(x.characteristic_id, y.characteristic_id, "{row:?}");
        let expected = unit_point(row.unit);
        assert!(
            (x.value - expected.x).abs() < 1e-12 && (y.value - expected.y).abs() < 1e-12,
            "{row:?} names readings {x:?} and {y:?}, not unit {}'s pair {expected:?}",
            row.unit
        );
    }
    colours
}

/// A request's readings of many units, stored in several statements (the
/// readings' ids are worked out on SQLite, not read back): each unit's
/// colour is that of its own pair and names its own readings, also after
/// readings stored before moved the ids on.
pub async fn a_request_s_colours_are_those_of_its_own_pairs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let units = 30_i64;
    let batch_id = fully_drawn_colour_batch(&app, "A60-27Q", units).await;
    let path = format!("/api/v1/batches/{batch_id}/measurements");
    // The last unit's flux first, then every other unit's three readings
    // in one request (87 readings: statements of 64, 16, 4, 2 and 1 rows
    // on SQLite), x and y of a unit in different statements for some.
    app.create(
        &path,
        json!({"measurements": [{"unit": units, "characteristic": "flux", "value": 800}]}),
    )
    .await;
    let readings: Vec<Value> = (1..units)
        .flat_map(|unit| {
            let p = unit_point(unit);
            [
                json!({"unit": unit, "characteristic": "x", "value": p.x}),
                json!({"unit": unit, "characteristic": "flux", "value": 800}),
                json!({"unit": unit, "characteristic": "y", "value": p.y}),
            ]
        })
        .collect();
    let recorded = app.create(&path, json!({ "measurements": readings })).await;
    assert_eq!(recorded["measurements"].as_array().unwrap().len(), 87);
    let rows = colours_of_their_own_pairs(&app, batch_id);
    let stored_units: Vec<i64> = rows.iter().map(|r| r.unit).collect();
    assert_eq!(stored_units, (1..units).collect::<Vec<_>>());
    app.stop().await;
}

/// A batch of `units` of a new product with flux, x and y (its target
/// [`TARGET`]), every unit drawn.
async fn fully_drawn_colour_batch(app: &TestApp, code: &str, units: i64) -> i64 {
    let mut product = colour_product(code, json!({"target_x": TARGET.x, "target_y": TARGET.y}));
    product["characteristics"].as_array_mut().unwrap().push(
        json!({"code": "flux", "name": "Flux", "unit": "lm", "kind": "variable", "severity": "major"}),
    );
    fully_drawn_batch(app, product, code, units).await
}

/// Unit `unit`'s chromaticity: neighbouring units 1e-5 apart in x and y,
/// some kelvin in CCT.
fn unit_point(unit: i64) -> Xy {
    Xy {
        x: TARGET.x + 0.00001 * unit as f64,
        y: TARGET.y - 0.00001 * unit as f64,
    }
}
