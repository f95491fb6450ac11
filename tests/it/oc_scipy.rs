//! OC curves checked against SciPy (`scipy.stats.hypergeom`, `binom`,
//! `poisson`, and `scipy.optimize.brentq` for the risk points), run live by
//! `scripts/oc_reference.py`.

use crate::common::python_oracle;
use lotcheck::domain::sampling::oc::{AttributePlan, Model};

/// Plans counting nonconformities, Ac at or above n among them (ISO 2859-1
/// code letters A, D and H at AQLs 1000, 250 and 65): the Poisson model
/// in nonconformities per unit, beyond 1 too, and its risk points.
pub fn plans_counting_nonconformities_match_scipy() {
    let plans = [
        (8u64, 2u64, 30u64),
        (50, 8, 21),
        (150, 50, 21),
        (3200, 125, 10),
    ];
    let us = [0.0, 0.05, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 25.0];
    let cases: Value = plans
        .iter()
        .map(|(lot, n, c)| json!({"N": lot, "n": n, "c": c, "u": us, "counts": "nonconformities"}))
        .collect();
    let answers = python_oracle("oc_reference.py", &cases);
    for ((lot, n, c), answer) in plans.iter().zip(answers.as_array().unwrap()) {
        let plan = AttributePlan::counting_nonconformities(*lot, *n, *c).unwrap();
        for (u, expected) in us.iter().zip(answer["poisson"].as_array().unwrap()) {
            let ours = plan.pa(*u, Model::Hypergeometric);
            let expected = expected.as_f64().unwrap();
            assert!(
                close(ours, expected, 1e-9),
                "n={n} c={c} u={u}: {ours} vs scipy {expected}"
            );
        }
        for (target, key) in [(0.95, "u95"), (0.10, "u10")] {
            let ours = plan.quality_at(target, Model::Poisson);
            let expected = answer[key].as_f64().unwrap();
            assert!(
                close(ours, expected, 1e-9),
                "{key} n={n} c={c}: {ours} vs {expected}"
            );
        }
    }
}
use serde_json::{json, Value};

fn close(ours: f64, theirs: f64, tolerance: f64) -> bool {
    (ours - theirs).abs() <= tolerance * theirs.abs().max(1e-300) || (ours - theirs).abs() < 1e-15
}

pub fn acceptance_probabilities_and_risk_points_match_scipy() {
    let plans = [
        (50u64, 5u64, 0u64),
        (500, 50, 0),
        (5000, 500, 0),
        (1000, 80, 2),
        (10_000, 200, 7),
        (3000, 125, 3),
        (150_000, 500, 10),
    ];
    let ps = [0.0, 0.001, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.2];
    let cases: Value = plans
        .iter()
        .map(|(n_lot, n, c)| json!({"N": n_lot, "n": n, "c": c, "p": ps}))
        .collect();
    let answers = python_oracle("oc_reference.py", &cases);
    for ((lot, n, c), answer) in plans.iter().zip(answers.as_array().unwrap()) {
        let plan = AttributePlan::new(*lot, *n, *c).unwrap();
        for (model, key) in [
            (Model::Hypergeometric, "hypergeometric"),
            (Model::Binomial, "binomial"),
            (Model::Poisson, "poisson"),
        ] {
            for (p, expected) in ps.iter().zip(answer[key].as_array().unwrap()) {
                let ours = plan.pa(*p, model);
                let expected = expected.as_f64().unwrap();
                assert!(
                    close(ours, expected, 1e-9),
                    "{key} N={lot} n={n} c={c} p={p}: {ours} vs scipy {expected}"
                );
            }
        }
        for (model, key) in [(Model::Binomial, "binomial"), (Model::Poisson, "poisson")] {
            for (target, suffix) in [(0.95, "p95"), (0.10, "p10")] {
                let ours = plan.quality_at(target, model);
                let expected = answer[format!("{key}_{suffix}")].as_f64().unwrap();
                assert!(
                    close(ours, expected, 1e-9),
                    "{key} {suffix} N={lot} n={n} c={c}: {ours} vs {expected}"
                );
            }
        }
    }
}
