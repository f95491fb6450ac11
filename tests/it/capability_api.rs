//! Capability across batches on Montgomery's piston rings
//! (../shared/data/pistonrings.csv: 25 subgroups of 5, specifications
//! 74.000 ± 0.05 mm), each subgroup recorded as one batch's sample.
//! Published figures: Montgomery, *Introduction to Statistical Quality
//! Control*, 7th ed., Example 6.1 and §6.2.5: x̄̄ = 74.001, R̄ = 0.023 (the
//! book then rounds σ̂ = 0.023/2.326 to 0.0099 and gets Cp = 1.68); the R
//! package qcc on the same data (`qcc(diameter[1:25,], type = "xbar")`):
//! centre 74.00118, standard deviation (R̄/d2) 0.009785039.

use crate::common::{self, Backend, TestApp};
use lotcheck::domain::inference::{anderson_darling, cp_interval, cpk_interval};
use reqwest::StatusCode;
use serde_json::json;

pub async fn piston_rings_give_montgomerys_capability(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let groups = common::piston_ring_subgroups();
    assert_eq!(groups.len(), 25);
    let (product_id, order_id) = common::ring_order(&app).await;
    common::record_ring_batches(&app, order_id, &groups, 0).await;
    let (status, answer) = app
        .get(&format!(
            "/api/v1/products/{product_id}/capability?characteristic=diameter"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let number = |key: &str| answer[key].as_f64().unwrap();
    assert_eq!(answer["subgroups"], 25);
    assert_eq!(answer["n"], 125);
    assert_eq!(answer["sigma_within_method"], "rbar/d2");
    assert!((number("mean") - 74.00118).abs() < 5e-6, "{answer}");
    let rbar = groups
        .iter()
        .map(|g| {
            g.iter().cloned().fold(f64::MIN, f64::max) - g.iter().cloned().fold(f64::MAX, f64::min)
        })
        .sum::<f64>()
        / 25.0;
    assert!((rbar - 0.023).abs() < 5e-4);
    // qcc divides by the printed d2 = 2.326; the exact d2(5) is 2.325929,
    // so the two agree to 3e-5 relative and exactly once rescaled.
    let exact_d2 = lotcheck::domain::inference::d2(5);
    assert!(
        (number("sigma_within") * exact_d2 / 2.326 - 0.009785039).abs() < 5e-10,
        "{answer}"
    );
    // (The book's Cp = 1.68 comes from its rounded R̄ = 0.023; from the
    // unrounded R̄ = 0.02276 the same formula gives 1.703.)
    assert!((number("cp") - 0.1 / (6.0 * number("sigma_within"))).abs() < 1e-12);
    assert!((number("cp") - 1.703).abs() < 5e-4, "{answer}");
    assert!(
        number("pp") < number("cp") + 0.2 && number("pp") > 1.0,
        "{answer}"
    );
    // The intervals are the domain's, whose formulas tests/it/inference_reference.rs checks against SciPy.
    // (JSON numbers come back to the last digit only, hence 1e-12.)
    let near = |json: &serde_json::Value, expected: f64| {
        (json.as_f64().unwrap() - expected).abs() <= 1e-12 * expected.abs()
    };
    let cp_ci = cp_interval(number("cp"), 124.0, 0.95).unwrap();
    let cpk_ci = cpk_interval(number("cpk"), 125, 0.95).unwrap();
    for i in 0..2 {
        assert!(near(&answer["cp_ci"][i], cp_ci[i]), "{answer}");
        assert!(near(&answer["cpk_ci"][i], cpk_ci[i]), "{answer}");
    }
    let all: Vec<f64> = groups.iter().flatten().copied().collect();
    let ad = anderson_darling(&all).unwrap();
    assert!(near(&answer["anderson_darling"]["a2"], ad.a2));
    assert!(ad.p_value > 0.05, "the rings look normal");

    let (status, problem) = app
        .get(&format!(
            "/api/v1/products/{product_id}/capability?characteristic=bore"
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common::error_fields(&problem), ["characteristic"]);
    app.stop().await;
}

pub async fn batch_statistics_carry_intervals_and_the_fraction_nonconforming(backend: Backend) {
    use lotcheck::domain::inference::{clopper_pearson, normal_fraction_outside};
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 200).await;
    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 4})).await;
    assert_eq!(units.len(), 20);
    let readings: Vec<_> = units
        .iter()
        .enumerate()
        .flat_map(|(i, u)| {
            [
                json!({"unit": u, "characteristic": "flux", "value": 790.0 + (i * 7 % 23) as f64}),
                json!({"unit": u, "characteristic": "power", "value": 9.0}),
                json!({"unit": u, "characteristic": "lights_up", "value": if i < 3 { 1 } else { 0 }}),
            ]
        })
        .collect();
    common::record_readings(&app, s.batch_id, readings).await;
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{}/statistics", s.batch_id))
        .await;
    let flux = &stats["characteristics"][0];
    assert_eq!(flux["pp"], flux["cp"]);
    assert_eq!(flux["fraction_nonconforming"]["method"], "normal");
    let (mean, sd) = (
        flux["mean"].as_f64().unwrap(),
        flux["std_dev"].as_f64().unwrap(),
    );
    let expected = normal_fraction_outside(mean, sd, Some(725.0), Some(887.0)).unwrap();
    let estimate = flux["fraction_nonconforming"]["estimate"].as_f64().unwrap();
    assert!(
        (estimate - expected).abs() <= 1e-12 * expected.max(1e-300),
        "{flux}"
    );
    assert!(flux["cpk_ci"][0].as_f64().unwrap() < flux["cpk"].as_f64().unwrap());
    assert!(flux["anderson_darling"]["p_value"].is_number(), "{flux}");
    let lights = &stats["characteristics"][2];
    assert_eq!(lights["nonconforming"], 3);
    assert_eq!(
        lights["fraction_nonconforming"]["method"],
        "clopper-pearson"
    );
    assert_eq!(lights["fraction_nonconforming"]["estimate"], 0.15);
    let ci = clopper_pearson(3, 20, 0.95).unwrap();
    for i in 0..2 {
        let got = lights["fraction_nonconforming"]["ci"][i].as_f64().unwrap();
        assert!((got - ci[i]).abs() <= 1e-12 * ci[i], "{lights}");
    }
    app.stop().await;
}
