//! Capability intervals, Anderson–Darling and Clopper–Pearson checked
//! against SciPy (`scipy.stats.chi2.ppf`, `norm.ppf`) and statsmodels
//! (`normal_ad`, `proportion_confint(method="beta")`), run live by
//! `scripts/inference_reference.py`, to 1e-9 relative.

use crate::common::python_oracle;
use lotcheck::domain::inference::{
    anderson_darling, clopper_pearson, cp_interval, cpk_interval, normal_fraction_outside,
};
use serde_json::{json, Value};

fn close(ours: f64, theirs: f64, relative: f64) -> bool {
    (ours - theirs).abs() <= relative * theirs.abs().max(1e-300) || (ours - theirs).abs() < 1e-15
}

fn pair(value: &Value) -> [f64; 2] {
    [value[0].as_f64().unwrap(), value[1].as_f64().unwrap()]
}

/// Montgomery's piston-ring diameters (../shared/data/pistonrings.csv), the
/// 25 subgroups of 5, flattened: a sample that should look normal.
fn piston_rings() -> Vec<f64> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/pistonrings.csv"
    );
    let text = std::fs::read_to_string(path).expect("../shared/data/pistonrings.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = headers
        .iter()
        .position(|h| h == "diameter_mm")
        .expect("diameter column");
    reader
        .records()
        .map(|r| r.unwrap()[column].parse::<f64>().unwrap())
        .take(125)
        .collect()
}

pub fn intervals_and_normality_match_scipy_and_statsmodels() {
    let rings = piston_rings();
    let skewed: Vec<f64> = (1..=40).map(|i| (i as f64 / 8.0).exp()).collect();
    let uniform: Vec<f64> = (0..30).map(|i| i as f64 * 0.37 % 1.0).collect();
    let cps = [(1.33, 49.0, 0.95), (0.8, 9.0, 0.90), (2.1, 124.0, 0.99)];
    let cpks = [(1.33, 50usize, 0.95), (0.62, 10, 0.90), (1.9, 125, 0.99)];
    let exact = [
        (0u64, 50u64, 0.95),
        (3, 80, 0.95),
        (1, 13, 0.90),
        (12, 12, 0.95),
        (7, 1250, 0.99),
    ];
    let tails = [
        (806.0, 25.0, Some(725.0), Some(887.0)),
        (9.1, 0.3, Some(8.1), Some(9.9)),
        (82.0, 1.2, Some(80.0), None),
        (0.4, 1.3, None, Some(5.0)),
    ];
    let request = json!({
        "normal_tail": tails.iter().map(|t| json!([t.0, t.1, t.2, t.3])).collect::<Vec<_>>(),
        "cp": cps.iter().map(|c| json!([c.0, c.1, c.2])).collect::<Vec<_>>(),
        "cpk": cpks.iter().map(|c| json!([c.0, c.1, c.2])).collect::<Vec<_>>(),
        "ad": [rings, skewed, uniform],
        "cp_exact": exact.iter().map(|c| json!([c.0, c.1, c.2])).collect::<Vec<_>>(),
    });
    let reference = python_oracle("inference_reference.py", &request);
    for (i, (cp, dof, conf)) in cps.iter().enumerate() {
        let ours = cp_interval(*cp, *dof, *conf).unwrap();
        let theirs = pair(&reference["cp"][i]);
        assert!(
            close(ours[0], theirs[0], 1e-9) && close(ours[1], theirs[1], 1e-9),
            "Cp {cp}: {ours:?} vs {theirs:?}"
        );
    }
    for (i, (cpk, n, conf)) in cpks.iter().enumerate() {
        let ours = cpk_interval(*cpk, *n, *conf).unwrap();
        let theirs = pair(&reference["cpk"][i]);
        assert!(
            close(ours[0], theirs[0], 1e-9) && close(ours[1], theirs[1], 1e-9),
            "Cpk {cpk}: {ours:?} vs {theirs:?}"
        );
    }
    let samples = [&rings, &skewed, &uniform];
    for (i, values) in samples.iter().enumerate() {
        let ours = anderson_darling(values).unwrap();
        let theirs = pair(&reference["ad"][i]);
        assert!(
            close(ours.a2, theirs[0], 1e-9),
            "A² of sample {i}: {ours:?} vs {theirs:?}"
        );
        assert!(
            close(ours.p_value, theirs[1], 1e-9),
            "p of sample {i}: {ours:?} vs {theirs:?}"
        );
    }
    for (i, (mean, sigma, lsl, usl)) in tails.iter().enumerate() {
        let ours = normal_fraction_outside(*mean, *sigma, *lsl, *usl).unwrap();
        let theirs = reference["normal_tail"][i].as_f64().unwrap();
        assert!(close(ours, theirs, 1e-9), "tail {i}: {ours} vs {theirs}");
    }
    assert!(
        anderson_darling(&rings).unwrap().p_value > 0.05,
        "piston rings look normal"
    );
    assert!(
        anderson_darling(&skewed).unwrap().p_value < 0.01,
        "an exponential curve does not"
    );
    for (i, (x, n, conf)) in exact.iter().enumerate() {
        let ours = clopper_pearson(*x, *n, *conf).unwrap();
        let theirs = pair(&reference["cp_exact"][i]);
        assert!(
            close(ours[0], theirs[0], 1e-9) && close(ours[1], theirs[1], 1e-9),
            "{x}/{n}: {ours:?} vs {theirs:?}"
        );
    }
}
