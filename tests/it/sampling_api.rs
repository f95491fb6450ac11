//! ISO 2859-1 plans and OC curves over HTTP, and the risk every batch plan reports.

use crate::common::{self, plan_numbers, scenario, Backend, Bulb, Http, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A plan's code letter, and the letter whose plan it takes.
fn letters(plan: &Value) -> (&str, &str) {
    let letter = |key: &str| {
        plan[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key}: {plan}"))
    };
    (letter("code_letter"), letter("plan_letter"))
}

/// Each query to `route` is refused, the first error naming its field.
async fn refused(app: &Http, route: &str, cases: &[(&str, &str)]) {
    for (query, field) in cases {
        let (status, problem) = app.get(&format!("{route}?{query}")).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], *field, "{query}: {problem}");
    }
}

pub async fn iso2859_lookup_follows_the_tables() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // AQLSchemes vignette: lot 3,201–10,000, level II, AQL 1.5.
    let (status, plan) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5000&aql=1.5&level=II&inspection=normal")
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(letters(&plan), ("L", "L"), "{plan}");
    assert_eq!(plan_numbers(&plan), (200, 7, 8), "{plan}");
    let (_, tightened) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5000&aql=1.5&inspection=tightened")
        .await;
    assert_eq!(
        (tightened["accept"].as_u64(), tightened["reject"].as_u64()),
        (Some(5), Some(6))
    );
    let (_, reduced) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5000&aql=1.5&inspection=reduced")
        .await;
    assert_eq!(reduced["table"], "ANSI/ASQ Z1.4-2003 Table II-C");

    // An arrow: lot 120 at level II is letter F (n = 20); AQL 0.25 points down to H (n = 50, 0/1).
    let (_, arrow) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=120&aql=0.25")
        .await;
    assert_eq!(letters(&arrow), ("F", "H"), "{arrow}");
    assert_eq!(plan_numbers(&arrow), (50, 0, 1), "{arrow}");

    // A sample as large as the lot: inspect every unit, and say so.
    let (_, all) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=20&aql=0.065")
        .await;
    assert_eq!(
        (all["inspect_all"].as_bool(), all["sample_size"].as_u64()),
        (Some(true), Some(20))
    );

    refused(
        &app,
        "/api/v1/sampling/iso2859-1",
        &[
            ("lot_size=5000&aql=2.0", "aql"),
            ("lot_size=5000&aql=1.5&level=IV", "level"),
            (
                "lot_size=5000&aql=1.5&inspection=reduced-iso2859-1",
                "inspection",
            ),
            ("lot_size=0&aql=1.5", "lot_size"),
        ],
    )
    .await;
    app.stop().await;
}

pub async fn oc_curve_answers_points_and_risks() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, curve) = app
        .get("/api/v1/sampling/oc-curve?lot_size=1000&sample_size=80&accept=2&p=0.01,0.05,0.1")
        .await;
    assert_eq!(status, StatusCode::OK, "{curve}");
    let pa: Vec<f64> = curve["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pa"].as_f64().unwrap())
        .collect();
    assert_eq!(pa.len(), 3);
    assert!(pa[0] > pa[1] && pa[1] > pa[2]);
    assert_eq!(curve["model"], "hypergeometric");
    let p95 = curve["producer_risk_point"].as_f64().unwrap();
    let p10 = curve["consumer_risk_point"].as_f64().unwrap();
    assert!(0.0 < p95 && p95 < p10 && p10 < 1.0);
    let (_, default) = app
        .get("/api/v1/sampling/oc-curve?lot_size=1000&sample_size=80&accept=2&model=poisson")
        .await;
    assert!(default["points"].as_array().unwrap().len() > 20);
    refused(
        &app,
        "/api/v1/sampling/oc-curve",
        &[
            ("lot_size=100&sample_size=10&accept=10", "accept"),
            ("lot_size=100&sample_size=200&accept=1", "sample_size"),
            ("lot_size=100&sample_size=10&accept=1&p=0.1,2", "p"),
            ("lot_size=100&sample_size=10&accept=1&model=normal", "model"),
        ],
    )
    .await;
    app.stop().await;
}

pub async fn batch_plans_by_iso2859_and_the_risk_of_ten_percent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 5000).await;
    let path = format!("/api/v1/batches/{}/sampling-plan", s.batch_id);
    let plan = app
        .create(
            &path,
            json!({"method": "iso2859-1", "aql": 1.5, "level": "II", "seed": 11}),
        )
        .await;
    assert_eq!(plan_numbers(&plan), (200, 7, 8), "{plan}");
    assert_eq!(
        (plan["code_letter"].as_str(), plan["inspection"].as_str()),
        (Some("L"), Some("normal"))
    );
    assert_eq!(plan["units"].as_array().unwrap().len(), 200);
    let (_, again) = app.get(&path).await;
    assert_eq!(again, plan);

    // "10% sampled, none failed" protects a lot of 5,000 far better than a lot of 50.
    let mut ltpd = Vec::new();
    for lot in [50, 5000] {
        let batch_id = common::new_batch(&app, s.order_id, lot).await;
        let (plan, _) = common::draw_plan(&app, batch_id, json!({"method": "percent"})).await;
        ltpd.push(plan["risk"]["consumer_risk_point"].as_f64().unwrap());
    }
    assert!(
        ltpd[0] > 0.3 && ltpd[1] < 0.01,
        "LTPD of 10% plans: {ltpd:?}"
    );

    let batch_id = common::new_batch(&app, s.order_id, 100).await;
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{batch_id}/sampling-plan"),
            &json!({"method": "iso2859-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "aql");
    app.stop().await;
}

/// Plans per class of nonconformity: each class has its own Ac/Re and
/// sample (a prefix of one draw), and a lot passes only if every class does.
pub async fn plans_by_class_of_nonconformity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 500).await;
    let request = json!({"method": "iso2859-1", "level": "II", "inspection": "normal",
                         "aql_by_severity": {"critical": 0, "major": 0.65, "minor": 2.5}, "seed": 5});
    let mut results = Vec::new();
    for (failing_characteristic, case) in [
        ("lights_up", "one critical failure"),
        ("flux", "one major failure"),
    ] {
        let batch_id = common::new_batch(&app, s.order_id, 500).await;
        let (plan, units) = common::draw_plan(&app, batch_id, request.clone()).await;
        // Lot 500 → code H; major 0.65 points down to J (n 80, 1/2); minor 2.5 is H's 3/4 on n 50;
        // critical (AQL 0) accepts none on the largest class sample.
        assert_eq!(plan["sample_size"], 80, "{plan}");
        let classes: Vec<(String, (u64, u64, u64))> = plan["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["severity"].as_str().unwrap().to_string(), plan_numbers(c)))
            .collect();
        assert_eq!(
            classes,
            [
                ("critical".into(), (80, 0, 1)),
                ("major".into(), (80, 1, 2)),
                ("minor".into(), (50, 3, 4))
            ]
        );
        let minor_units = plan["classes"][2]["units"].as_array().unwrap();
        assert_eq!(minor_units.len(), 50);
        let all: Vec<&serde_json::Value> = plan["units"].as_array().unwrap().iter().collect();
        assert!(
            minor_units.iter().all(|u| all.contains(&u)),
            "class units come from the one draw"
        );

        // The first unit drawn fails the one characteristic.
        common::record_bulbs(&app, batch_id, &units, |i| {
            let fails = |code: &str| i == 0 && code == failing_characteristic;
            Bulb {
                flux: if fails("flux") { 700.0 } else { 806.0 },
                power: 9.0,
                lights_up: if fails("lights_up") { 1 } else { 0 },
            }
        })
        .await;
        let result = common::lot_result(&app, batch_id).await;
        results.push((case, result["accepted"].as_bool().unwrap()));
    }
    assert_eq!(
        results,
        [("one critical failure", false), ("one major failure", true)]
    );

    let batch_id = common::new_batch(&app, s.order_id, 500).await;
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{batch_id}/sampling-plan"),
            &json!({"method": "iso2859-1", "aql": 1.0, "aql_by_severity": {"major": 3.0}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = common::error_fields(&problem);
    assert_eq!(
        fields,
        ["aql", "aql_by_severity.major", "aql_by_severity"],
        "{problem}"
    );
    app.stop().await;
}

/// A plan at an AQL above 10 counts nonconformities per 100 units (ISO
/// 2859-1 3.1.1 and table 2-A: code letter A at AQL 40 is n 2, Ac 2, Re
/// 3, an acceptance number as large as the sample). Its risk is the
/// lookup route's (Poisson, checked against SciPy in `oc_scipy`), and the
/// lot is judged by the nonconformities its sample holds, not by its
/// nonconforming units: two units holding three nonconformities reject a
/// lot that counting units would accept.
pub async fn plans_counting_nonconformities_judge_the_lot_by_their_total(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 5).await;
    let path = format!("/api/v1/batches/{}/sampling-plan", s.batch_id);
    let (status, refused) = app
        .post(
            &path,
            &json!({"method": "iso2859-1", "aql": 40, "counts": "nonconforming_units"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "counts");
    let plan = app
        .create(&path, json!({"method": "iso2859-1", "aql": 40, "seed": 3}))
        .await;
    assert_eq!(plan_numbers(&plan), (2, 2, 3), "{plan}");
    assert_eq!(plan["counts"], "nonconformities");
    let (_, lookup) = app
        .get("/api/v1/sampling/iso2859-1?lot_size=5&aql=40")
        .await;
    assert_eq!(plan["risk"], lookup["risk"], "the lookup route's risk");

    let units: Vec<i64> = plan["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_i64().unwrap())
        .collect();
    let all: Vec<Value> = (1..=5).map(|u| json!({"unit": u})).collect();
    let judged = |batch: i64, bulbs: [(f64, f64); 2]| {
        let (app, units, all) = (&app, units.clone(), all.clone());
        async move {
            common::record_bulbs(app, batch, &units, |i| Bulb {
                flux: bulbs[i].0,
                power: bulbs[i].1,
                lights_up: 0,
            })
            .await;
            app.create(
                &format!("/api/v1/batches/{batch}/inspections"),
                json!({"inspections": all}),
            )
            .await;
            let (_, disposition) = app
                .get(&format!("/api/v1/batches/{batch}/disposition"))
                .await;
            disposition["recommendation"].clone()
        }
    };
    // Unit one out on flux and power, unit two on flux: three.
    let rejected = judged(s.batch_id, [(700.0, 10.5), (700.0, 9.0)]).await;
    assert_eq!(rejected["proposal"], "reject", "{rejected}");
    assert_eq!(
        rejected["reasons"],
        json!(["3 nonconformities in the sample; the plan accepts 2"])
    );
    // The same plan (same seed) on another lot of five: two are accepted.
    let batch = common::new_batch(&app, s.order_id, 5).await;
    app.create(
        &format!("/api/v1/batches/{batch}/sampling-plan"),
        json!({"method": "iso2859-1", "aql": 40, "seed": 3}),
    )
    .await;
    let accepted = judged(batch, [(700.0, 9.0), (806.0, 10.5)]).await;
    assert_eq!(accepted["proposal"], "accept", "{accepted}");
    assert_eq!(
        accepted["reasons"],
        json!(["2 nonconformities in the sample of 2; the plan accepts 2"])
    );
    app.stop().await;
}
