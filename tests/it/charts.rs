//! Charts read back from their SVG: the axis tick labels give the scale and
//! every limit line, bar and point must sit where the data puts it, to
//! within the chart's pixel resolution. The expected numbers come from the
//! data here and from published sources: the piston-ring limits of
//! Montgomery (*Introduction to Statistical Quality Control*, 7th ed.,
//! Example 6.1; qcc on the same data: 73.98805 … 74.01431, R chart UCL
//! 0.049), the spec limits a product declares, and the OC risk points the
//! plan route states (themselves checked against SciPy in `sampling_api`).

use crate::common::svg::{by_colour, marks, x_scales, y_scales, Mark, Scale};
use crate::common::{self, Backend, Http, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DATA: &str = "#1F4E79";
const LIMIT: &str = "#C62828";
const CENTRE: &str = "#2E7D32";
const FIT: &str = "#EF6C00";
const BARS: &str = "#90A4AE";

async fn chart(app: &Http, path: &str) -> String {
    let response = app
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(kind.as_deref(), Some("image/svg+xml"), "{path}");
    body
}

/// The y value of a horizontal line, when the mark is one.
fn level(line: &Mark, y: &Scale) -> Option<f64> {
    let points = line.points();
    let flat = points.windows(2).all(|w| (w[0].1 - w[1].1).abs() < 0.5);
    (flat && points.len() >= 2 && y.covers(points[0].1)).then(|| y.value(points[0].1))
}

/// The x value of a vertical line, when the mark is one.
fn position(line: &Mark, x: &Scale) -> Option<f64> {
    let points = line.points();
    let upright = points.windows(2).all(|w| (w[0].0 - w[1].0).abs() < 0.5);
    (upright && points.len() >= 2).then(|| x.value(points[0].0))
}

fn close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: chart shows {actual}, data says {expected} (± {tolerance})"
    );
}

pub async fn control_chart_limits_and_points_sit_where_the_piston_rings_put_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let groups = common::piston_ring_subgroups();
    let (product_id, order_id) = common::ring_order(&app).await;
    common::record_ring_batches(&app, order_id, &groups, 0).await;
    // Three batches after a shift of +0.02 mm, judged against the first 25.
    let shifted: Vec<Vec<f64>> = groups[..3]
        .iter()
        .map(|g| g.iter().map(|v| v + 0.02).collect())
        .collect();
    common::record_ring_batches(&app, order_id, &shifted, 100).await;
    let svg = chart(
        &app,
        &format!("/api/v1/products/{product_id}/charts/control-chart.svg?characteristic=diameter&chart=xbar-r&baseline=25"),
    )
    .await;
    let marks = marks(&svg);
    let ys = y_scales(&marks);
    assert_eq!(ys.len(), 2, "an X̄ panel and an R panel");
    let (xbar_y, range_y) = (ys[0], ys[1]);
    let tolerance = 1.5 * xbar_y.per_pixel();

    // Limit lines in the X̄ panel: those whose level lies in its scale's range.
    let levels = |colour: &str, y: &Scale, lo: f64, hi: f64| -> Vec<f64> {
        by_colour(&marks, "polyline", colour)
            .into_iter()
            .filter_map(|m| level(m, y))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let xbar_limits = levels(LIMIT, &xbar_y, 73.9, 74.1);
    assert_eq!(xbar_limits.len(), 2, "UCL and LCL: {xbar_limits:?}");
    let (lcl, ucl) = (
        xbar_limits.iter().copied().fold(f64::INFINITY, f64::min),
        xbar_limits
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max),
    );
    close(ucl, 74.01431, tolerance, "X̄ UCL (qcc)");
    close(lcl, 73.98805, tolerance, "X̄ LCL (qcc)");
    let centre = levels(CENTRE, &xbar_y, 73.9, 74.1);
    close(centre[0], 74.00118, tolerance, "X̄ centre line");
    let r_ucl = levels(LIMIT, &range_y, 0.01, 0.2);
    close(
        r_ucl[0],
        0.049,
        0.001 + 1.5 * range_y.per_pixel(),
        "R chart UCL (Montgomery)",
    );

    // Every subgroup mean is a point, in batch order, at its value.
    let means: Vec<f64> = groups
        .iter()
        .chain(&shifted)
        .map(|g| g.iter().sum::<f64>() / g.len() as f64)
        .collect();
    let mut points: Vec<&Mark> = marks
        .iter()
        .filter(|m| m.name == "circle")
        .filter(|m| xbar_y.covers(m.f("cy")))
        .collect();
    points.sort_by(|a, b| a.f("cx").total_cmp(&b.f("cx")));
    assert_eq!(points.len(), means.len());
    for (i, (point, mean)) in points.iter().zip(&means).enumerate() {
        close(
            xbar_y.value(point.f("cy")),
            *mean,
            tolerance,
            &format!("mean of subgroup {}", i + 1),
        );
        let beyond = *mean > 74.01431 || *mean < 73.98805;
        if beyond {
            assert_eq!(
                point.colour(),
                Some(LIMIT),
                "subgroup {} lies beyond the limits and is marked",
                i + 1
            );
        }
        if i < 25 {
            assert_eq!(
                point.colour(),
                Some(DATA),
                "Montgomery finds subgroup {} in control",
                i + 1
            );
        }
    }
    assert!(
        means[25..].iter().any(|m| *m > 74.01431),
        "the shift moves a mean beyond the UCL"
    );
    // Each run of marked points is named once, by the rules it breaks.
    let rule_names = marks
        .iter()
        .filter(|m| m.name == "text" && m.text.starts_with("WE"))
        .count();
    let marked: Vec<bool> = points.iter().map(|p| p.colour() == Some(LIMIT)).collect();
    let runs = (0..marked.len())
        .filter(|&i| marked[i] && (i == 0 || !marked[i - 1]))
        .count();
    assert!(runs > 0, "the shift is marked");
    assert_eq!(rule_names, runs);
}

pub async fn histogram_bars_limits_and_fit_match_the_readings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 200).await;
    let (_, units) = common::draw_plan(&app, s.batch_id, json!({"method": "percent"})).await;
    assert_eq!(units.len(), 20);
    let values: Vec<f64> = (0..20)
        .map(|i| 806.0 + 12.0 * ((i as f64) * 0.7).sin() + if i == 3 { 95.0 } else { 0.0 })
        .collect();
    let readings: Vec<Value> = units
        .iter()
        .zip(&values)
        .map(|(u, v)| json!({"unit": u, "characteristic": "flux", "value": v}))
        .collect();
    common::record_readings(&app, s.batch_id, readings).await;
    let svg = chart(
        &app,
        &format!(
            "/api/v1/batches/{}/charts/histogram.svg?characteristic=flux",
            s.batch_id
        ),
    )
    .await;
    let marks = marks(&svg);
    let (x, y) = (x_scales(&marks)[0], y_scales(&marks)[0]);

    let verticals = |colour| -> Vec<f64> {
        by_colour(&marks, "polyline", colour)
            .into_iter()
            .filter_map(|m| position(m, &x))
            .collect()
    };
    let mut limits = verticals(LIMIT);
    limits.sort_by(f64::total_cmp);
    assert_eq!(limits.len(), 2);
    close(limits[0], 725.0, 1.5 * x.per_pixel(), "LSL");
    close(limits[1], 887.0, 1.5 * x.per_pixel(), "USL");
    close(verticals(CENTRE)[0], 806.0, 1.5 * x.per_pixel(), "nominal");

    // Each bar's height is the number of readings in its span (readings
    // within a pixel of an edge may fall either side).
    let bars = by_colour(&marks, "rect", BARS);
    assert!(bars.len() >= 5);
    let edge = 1.5 * x.per_pixel();
    let mut total = 0.0;
    for bar in &bars {
        let (lo, hi) = (x.value(bar.f("x")), x.value(bar.f("x") + bar.f("width")));
        let height = (y.value(bar.f("y")) - y.value(bar.f("y") + bar.f("height"))).round();
        let surely = values
            .iter()
            .filter(|v| **v > lo + edge && **v < hi - edge)
            .count() as f64;
        let maybe = values
            .iter()
            .filter(|v| **v >= lo - edge && **v <= hi + edge)
            .count() as f64;
        assert!(
            surely <= height && height <= maybe,
            "bar {lo:.1}–{hi:.1} shows {height}, the data holds {surely}–{maybe}"
        );
        total += height;
    }
    assert_eq!(total, 20.0, "every reading is in a bar");

    // The fitted normal peaks at the mean with height n·w·φ(0)/s.
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let s_dev = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let width = x.value(bars[0].f("x") + bars[0].f("width")) - x.value(bars[0].f("x"));
    let curve = by_colour(&marks, "polyline", FIT);
    let peak = curve[0]
        .points()
        .into_iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    let expected_peak = n * width / (s_dev * (2.0 * std::f64::consts::PI).sqrt());
    close(
        y.value(peak.1),
        expected_peak,
        0.03 * expected_peak + 1.5 * y.per_pixel(),
        "fit peak",
    );
    close(
        x.value(peak.0),
        mean,
        0.01 * (x.value(800.0) - x.value(0.0)),
        "fit centre",
    );
}

pub async fn oc_curve_marks_the_risk_points_the_plan_states(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 500).await;
    let (plan, _) = common::draw_plan(
        &app,
        s.batch_id,
        json!({"method": "iso2859-1", "aql": 1.0, "seed": 7}),
    )
    .await;
    let svg = chart(
        &app,
        &format!("/api/v1/batches/{}/charts/oc-curve.svg", s.batch_id),
    )
    .await;
    let marks = marks(&svg);
    let (x, y) = (x_scales(&marks)[0], y_scales(&marks)[0]);
    let at = |colour| {
        let dot = by_colour(&marks, "circle", colour)[0];
        (x.value(dot.f("cx")) / 100.0, y.value(dot.f("cy")))
    };
    let producer = at(CENTRE);
    let consumer = at(LIMIT);
    let risk = &plan["risk"];
    close(
        producer.0,
        risk["producer_risk_point"].as_f64().unwrap(),
        1.5 * x.per_pixel() / 100.0,
        "producer's p",
    );
    close(
        consumer.0,
        risk["consumer_risk_point"].as_f64().unwrap(),
        1.5 * x.per_pixel() / 100.0,
        "consumer's p",
    );
    assert!(
        producer.1 <= 0.95 + 1.5 * y.per_pixel() && producer.1 > 0.5,
        "{producer:?}"
    );
    assert!(consumer.1 <= 0.10 + 1.5 * y.per_pixel(), "{consumer:?}");
    // The curve starts at Pa = 1 for a perfect lot.
    let curve = by_colour(&marks, "polyline", DATA);
    let first = curve[0].points()[0];
    close(x.value(first.0), 0.0, 1.5 * x.per_pixel(), "curve start p");
    close(
        y.value(first.1),
        1.0,
        1.5 * y.per_pixel(),
        "Pa of a perfect lot",
    );
}

pub async fn chart_names_and_characteristics_are_checked() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let s = common::scenario(&app, 200).await;
    for (path, field) in [
        (
            format!("/api/v1/batches/{}/charts/histogram.gif", s.batch_id),
            "chart",
        ),
        (
            format!("/api/v1/batches/{}/charts/nonsense.svg", s.batch_id),
            "chart",
        ),
        (
            format!("/api/v1/batches/{}/charts/histogram.svg", s.batch_id),
            "characteristic",
        ),
        (
            format!(
                "/api/v1/batches/{}/charts/histogram.svg?characteristic=lights_up",
                s.batch_id
            ),
            "characteristic",
        ),
        (
            format!(
                "/api/v1/orders/{}/charts/histogram.svg?characteristic=nope",
                s.order_id
            ),
            "characteristic",
        ),
    ] {
        let (status, problem) = app.get(&path).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(common::error_fields(&problem), [field], "{path}");
    }
    // A PNG of the same chart is a PNG.
    let response = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/orders/{}/charts/pareto.png", s.order_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

pub async fn chromaticity_units_and_target_sit_at_their_coordinates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": "A60-27", "name": "A60 2700 K", "params": {"target_x": 0.4578, "target_y": 0.4101},
                   "characteristics": [
                {"code": "x", "name": "Chromaticity x", "kind": "variable", "severity": "minor", "quantity": "cie_x"},
                {"code": "y", "name": "Chromaticity y", "kind": "variable", "severity": "minor", "quantity": "cie_y"}]}),
        )
        .await;
    let customer = app
        .create("/api/v1/customers", json!({"name": "Helios"}))
        .await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": "C-1", "quantity": 100}))
        .await;
    let batch_id = common::new_batch(&app, order["id"].as_i64().unwrap(), 100).await;
    let (_, units) =
        common::draw_plan(&app, batch_id, json!({"method": "percent", "seed": 2})).await;
    // Points around the target; the last far outside its 7-step ellipse.
    let mut points: Vec<(f64, f64)> = (0..units.len())
        .map(|i| {
            let t = i as f64;
            (
                0.4578 + 0.002 * (t * 1.3).sin(),
                0.4101 + 0.0015 * (t * 0.7).cos(),
            )
        })
        .collect();
    *points.last_mut().unwrap() = (0.4678, 0.4041);
    let readings: Vec<Value> = units
        .iter()
        .zip(&points)
        .flat_map(|(u, (x, y))| {
            [
                json!({"unit": u, "characteristic": "x", "value": x}),
                json!({"unit": u, "characteristic": "y", "value": y}),
            ]
        })
        .collect();
    common::record_readings(&app, batch_id, readings).await;
    let svg = chart(
        &app,
        &format!("/api/v1/batches/{batch_id}/charts/chromaticity.svg"),
    )
    .await;
    let marks = marks(&svg);
    let (x, y) = (x_scales(&marks)[0], y_scales(&marks)[0]);
    let dots: Vec<(f64, f64, Option<&str>)> = marks
        .iter()
        .filter(|m| m.name == "circle")
        .map(|m| (x.value(m.f("cx")), y.value(m.f("cy")), m.colour()))
        .collect();
    assert_eq!(dots.len(), points.len(), "one dot per unit");
    let tolerance = 1.5 * x.per_pixel().max(y.per_pixel());
    // Units beyond 7 MacAdam steps (as the colorimetry route measures them) are red.
    let (_, colour) = app
        .get(&format!("/api/v1/batches/{batch_id}/colorimetry"))
        .await;
    let steps: std::collections::HashMap<i64, f64> = colour["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit"].as_i64().unwrap(),
                u["macadam_steps"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut far = 0;
    for (unit, (px, py)) in units.iter().zip(&points) {
        let dot = dots
            .iter()
            .find(|d| (d.0 - px).abs() <= tolerance && (d.1 - py).abs() <= tolerance)
            .unwrap_or_else(|| panic!("no dot at ({px}, {py})"));
        let beyond = steps[unit] > 7.0;
        far += usize::from(beyond);
        assert_eq!(
            dot.2,
            Some(if beyond { LIMIT } else { DATA }),
            "unit {unit}"
        );
    }
    assert_eq!(far, 1, "the one unit placed far off is beyond 7 steps");
    // The target's centre: the green cross's two strokes meet there.
    let cross: Vec<&Mark> = by_colour(&marks, "line", CENTRE);
    let centre = cross
        .iter()
        .map(|l| ((l.f("x1") + l.f("x2")) / 2.0, (l.f("y1") + l.f("y2")) / 2.0))
        .next()
        .expect("a target cross");
    close(x.value(centre.0), 0.4578, tolerance, "target x");
    close(y.value(centre.1), 0.4101, tolerance, "target y");
}

pub async fn pareto_bars_count_the_defects_most_frequent_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 30).await;
    for (code, name) in [
        ("scratch", "Scratch"),
        ("dent", "Dent"),
        ("peel", "Coating peeling"),
    ] {
        app.create(
            "/api/v1/defect-types",
            json!({"family": "general", "code": code, "name": name, "severity": "minor"}),
        )
        .await;
    }
    // Scratches 7 (on 4 units), peeling 3, dents 1.
    let inspections: Vec<Value> = (1..=30)
        .map(|u| match u {
            1..=3 => json!({"unit": u, "defects": [{"defect": "scratch", "count": 1}, {"defect": "peel", "count": 1}]}),
            4 => json!({"unit": u, "defects": [{"defect": "scratch", "count": 4}, {"defect": "dent", "count": 1}]}),
            _ => json!({"unit": u}),
        })
        .collect();
    app.create(
        &format!("/api/v1/batches/{}/inspections", s.batch_id),
        json!({"inspections": inspections}),
    )
    .await;
    let svg = chart(
        &app,
        &format!("/api/v1/orders/{}/charts/pareto.svg", s.order_id),
    )
    .await;
    let marks = marks(&svg);
    let y = y_scales(&marks)[0];
    let mut bars = by_colour(&marks, "rect", BARS);
    bars.sort_by(|a, b| a.f("x").total_cmp(&b.f("x")));
    let heights: Vec<f64> = bars
        .iter()
        .map(|b| (y.value(b.f("y")) - y.value(b.f("y") + b.f("height"))).round())
        .collect();
    assert_eq!(heights, [7.0, 3.0, 1.0]);
    // The bars are named in that order along the axis.
    let names: Vec<&str> = marks
        .iter()
        .filter(|m| {
            m.name == "text" && ["Scratch", "Coating peeling", "Dent"].contains(&m.text.as_str())
        })
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(names, ["Scratch", "Coating peeling", "Dent"]);
    // The cumulative line ends at 100%.
    let cumulative = by_colour(&marks, "polyline", FIT)[0].points();
    let last = cumulative.last().unwrap();
    let first = cumulative.first().unwrap();
    // 7 of 11 defects: the first point stands 7/11 as high as the last (100%).
    let bottom = bars[0].f("y") + bars[0].f("height");
    close(
        (bottom - first.1) / (bottom - last.1),
        7.0 / 11.0,
        0.01,
        "first cumulative share",
    );
}
