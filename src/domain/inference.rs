//! Inference on capability and conformance: the control-chart constants
//! that turn subgroup ranges and standard deviations into σ, confidence
//! intervals for Cp and Cpk, the Anderson–Darling normality test, and the
//! exact (Clopper–Pearson) interval for a fraction nonconforming.
//!
//! References:
//! - d2 and c4: the expected range and the bias of s for n normal values,
//!   d2(n) = ∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx and
//!   c4(n) = √(2/(n−1)) Γ(n/2)/Γ((n−1)/2) (Montgomery, *Introduction to
//!   Statistical Quality Control*, 7th ed., Appendix VI, and ASTM E2587).
//! - Cp interval: Montgomery §8.3.5, eq. 8.19 (chi-square); Cpk interval:
//!   Bissell (1990), "How reliable is your capability index?", Applied
//!   Statistics 39(3), the normal approximation
//!   Ĉpk ± z √(1/(9n) + Ĉpk²/(2(n−1))).
//! - Anderson–Darling with estimated mean and σ: A² and the adjusted
//!   A*² = A²(1 + 0.75/n + 2.25/n²), p-value by D'Agostino & Stephens,
//!   *Goodness-of-Fit Techniques* (1986), Table 4.9.
//! - Clopper & Pearson (1934): the interval from Beta quantiles,
//!   [B(α/2; x, n−x+1), B(1−α/2; x+1, n−x)].

use statrs::distribution::{Beta, ChiSquared, ContinuousCDF, Normal};
use statrs::function::gamma::ln_gamma;

fn standard_normal() -> Normal {
    Normal::standard()
}

/// c4(n): E[s] = c4 σ for n normal values (n ≥ 2).
pub fn c4(n: usize) -> f64 {
    let n = n as f64;
    (2.0 / (n - 1.0)).sqrt() * (ln_gamma(n / 2.0) - ln_gamma((n - 1.0) / 2.0)).exp()
}

/// d2(n): E[R] = d2 σ for n normal values (n ≥ 2), by Simpson's rule over
/// [−12, 12] with 24,000 panels (the integrand is below 1e−30 beyond).
pub fn d2(n: usize) -> f64 {
    let normal = standard_normal();
    let power = n as i32;
    let integrand = |x: f64| {
        let p = normal.cdf(x);
        1.0 - p.powi(power) - (1.0 - p).powi(power)
    };
    simpson(integrand, -12.0, 12.0, 24_000)
}

fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    let h = (b - a) / panels as f64;
    let inner: f64 = (1..panels)
        .map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(a) + f(b) + inner) * h / 3.0
}

/// d3(n): the standard deviation of the range of n normal values, in σ.
/// E[R²] = 2∬_{x<y} 1 − Φ(y)ⁿ − (1 − Φ(x))ⁿ + (Φ(y) − Φ(x))ⁿ dx dy (the
/// second moment of the range), by the trapezoid rule on a 0.01 grid over
/// [−8, 8]²; d3 = √(E[R²] − d2²).
pub fn d3(n: usize) -> f64 {
    const STEP: f64 = 0.01;
    let normal = standard_normal();
    let grid: Vec<f64> = (0..=1600)
        .map(|i| normal.cdf(-8.0 + i as f64 * STEP))
        .collect();
    let power = n as i32;
    let mut second_moment = 0.0;
    for (i, &fx) in grid.iter().enumerate() {
        for (j, &fy) in grid.iter().enumerate().skip(i) {
            let value = 1.0 - fy.powi(power) - (1.0 - fx).powi(power) + (fy - fx).powi(power);
            // Trapezoid weights: edges of the square halve, the diagonal
            // (the triangle's edge) halves again.
            let mut weight = 1.0;
            if i == 0 || i == grid.len() - 1 {
                weight *= 0.5;
            }
            if j == grid.len() - 1 {
                weight *= 0.5;
            }
            if i == j {
                weight *= 0.5;
            }
            second_moment += weight * value;
        }
    }
    second_moment *= 2.0 * STEP * STEP;
    (second_moment - d2(n).powi(2)).max(0.0).sqrt()
}

/// Shewhart chart factors for subgroups of n (Montgomery, Appendix VI):
/// X̄–R limits x̄̄ ± A2·R̄, R chart D3·R̄ … D4·R̄; X̄–S limits x̄̄ ± A3·s̄,
/// S chart B3·s̄ … B4·s̄.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartFactors {
    pub a2: f64,
    pub a3: f64,
    pub d3_factor: f64,
    pub d4_factor: f64,
    pub b3: f64,
    pub b4: f64,
}

/// The chart factors for subgroups of n, each size's computed once per
/// process: d3's numerical integral takes milliseconds, and every control
/// chart of a report or a page asks for the same few sizes.
pub fn chart_factors(n: usize) -> ChartFactors {
    static COMPUTED: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<usize, ChartFactors>>,
    > = std::sync::LazyLock::new(Default::default);
    let recall = || COMPUTED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&factors) = recall().get(&n) {
        return factors;
    }
    let factors = compute_chart_factors(n);
    recall().insert(n, factors);
    factors
}

fn compute_chart_factors(n: usize) -> ChartFactors {
    let (d2, d3, c4) = (d2(n), d3(n), c4(n));
    let root = (n as f64).sqrt();
    let s_spread = 3.0 * (1.0 - c4 * c4).sqrt() / c4;
    ChartFactors {
        a2: 3.0 / (d2 * root),
        a3: 3.0 / (c4 * root),
        d3_factor: (1.0 - 3.0 * d3 / d2).max(0.0),
        d4_factor: 1.0 + 3.0 * d3 / d2,
        b3: (1.0 - s_spread).max(0.0),
        b4: 1.0 + s_spread,
    }
}

/// A two-sided interval at confidence 1 − α.
pub type Interval = [f64; 2];

/// Chi-square interval of Cp from a σ estimate with `dof` degrees of freedom.
pub fn cp_interval(cp: f64, dof: f64, confidence: f64) -> Option<Interval> {
    let alpha = 1.0 - confidence;
    let chi = ChiSquared::new(dof).ok()?;
    Some([
        cp * (chi.inverse_cdf(alpha / 2.0) / dof).sqrt(),
        cp * (chi.inverse_cdf(1.0 - alpha / 2.0) / dof).sqrt(),
    ])
}

/// Bissell's normal-approximation interval of Cpk from n values.
pub fn cpk_interval(cpk: f64, n: usize, confidence: f64) -> Option<Interval> {
    if n < 2 {
        return None;
    }
    let z = standard_normal().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let n = n as f64;
    let half = z * (1.0 / (9.0 * n) + cpk * cpk / (2.0 * (n - 1.0))).sqrt();
    Some([cpk - half, cpk + half])
}

/// Anderson–Darling test of normality with mean and σ estimated from the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AndersonDarling {
    /// A² as computed from the data.
    pub a2: f64,
    /// p-value of the adjusted statistic A*²: small values speak against normality.
    pub p_value: f64,
}

/// Needs at least 8 values with some spread (the p-value table's range).
pub fn anderson_darling(values: &[f64]) -> Option<AndersonDarling> {
    let n = values.len();
    if n < 8 {
        return None;
    }
    let described = super::stats::describe(values)?;
    let sigma = described.std_dev.filter(|s| *s > 0.0)?;
    let mut z: Vec<f64> = values
        .iter()
        .map(|x| (x - described.mean) / sigma)
        .collect();
    z.sort_by(f64::total_cmp);
    let normal = standard_normal();
    let count = n as f64;
    let sum: f64 = (0..n)
        .map(|i| {
            let weight = (2 * i + 1) as f64;
            weight * (normal.cdf(z[i]).ln() + normal.sf(z[n - 1 - i]).ln())
        })
        .sum();
    let a2 = -count - sum / count;
    let adjusted = a2 * (1.0 + 0.75 / count + 2.25 / (count * count));
    let p_value = if adjusted >= 0.6 {
        (1.2937 - 5.709 * adjusted + 0.0186 * adjusted * adjusted).exp()
    } else if adjusted >= 0.34 {
        (0.9177 - 4.279 * adjusted - 1.38 * adjusted * adjusted).exp()
    } else if adjusted >= 0.2 {
        1.0 - (-8.318 + 42.796 * adjusted - 59.938 * adjusted * adjusted).exp()
    } else {
        1.0 - (-13.436 + 101.14 * adjusted - 223.73 * adjusted * adjusted).exp()
    };
    Some(AndersonDarling {
        a2,
        p_value: p_value.clamp(0.0, 1.0),
    })
}

/// The share of a normal distribution N(mean, σ²) below `lsl` or above
/// `usl`: the normal-model estimate of a variable's fraction nonconforming.
pub fn normal_fraction_outside(
    mean: f64,
    sigma: f64,
    lsl: Option<f64>,
    usl: Option<f64>,
) -> Option<f64> {
    if sigma.is_nan() || sigma <= 0.0 || (lsl.is_none() && usl.is_none()) {
        return None;
    }
    let normal = Normal::new(mean, sigma).ok()?;
    let below = lsl.map_or(0.0, |lsl| normal.cdf(lsl));
    let above = usl.map_or(0.0, |usl| normal.sf(usl));
    Some(below + above)
}

/// Exact Clopper–Pearson interval for `failures` out of `n`.
pub fn clopper_pearson(failures: u64, n: u64, confidence: f64) -> Option<Interval> {
    if n == 0 || failures > n {
        return None;
    }
    let alpha = 1.0 - confidence;
    let (x, n) = (failures as f64, n as f64);
    let lower = if failures == 0 {
        0.0
    } else {
        Beta::new(x, n - x + 1.0).ok()?.inverse_cdf(alpha / 2.0)
    };
    let upper = if failures as f64 == n {
        1.0
    } else {
        Beta::new(x + 1.0, n - x)
            .ok()?
            .inverse_cdf(1.0 - alpha / 2.0)
    };
    Some([lower, upper])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Montgomery, 7th ed., Appendix VI: A2, A3, D3, D4, B3, B4 and d3 as
    /// printed (3 decimals).
    #[test]
    fn chart_factors_match_the_printed_table() {
        // n, A2, A3, d3, D3, D4, B3, B4
        let printed = [
            (2, 1.880, 2.659, 0.853, 0.0, 3.267, 0.0, 3.267),
            (3, 1.023, 1.954, 0.888, 0.0, 2.574, 0.0, 2.568),
            (4, 0.729, 1.628, 0.880, 0.0, 2.282, 0.0, 2.266),
            (5, 0.577, 1.427, 0.864, 0.0, 2.114, 0.0, 2.089),
            (6, 0.483, 1.287, 0.848, 0.0, 2.004, 0.030, 1.970),
            (7, 0.419, 1.182, 0.833, 0.076, 1.924, 0.118, 1.882),
            (8, 0.373, 1.099, 0.820, 0.136, 1.864, 0.185, 1.815),
            (10, 0.308, 0.975, 0.797, 0.223, 1.777, 0.284, 1.716),
        ];
        for (n, a2, a3, d3_printed, d3f, d4f, b3, b4) in printed {
            let f = chart_factors(n);
            let near = |ours: f64, printed: f64| (ours - printed).abs() < 1.5e-3;
            assert!(near(f.a2, a2) && near(f.a3, a3), "A2/A3 at {n}: {f:?}");
            assert!(near(d3(n), d3_printed), "d3({n}) = {}", d3(n));
            assert!(
                near(f.d3_factor, d3f) && near(f.d4_factor, d4f),
                "D3/D4 at {n}: {f:?}"
            );
            assert!(near(f.b3, b3) && near(f.b4, b4), "B3/B4 at {n}: {f:?}");
        }
    }

    /// Montgomery, 7th ed., Appendix VI (to the printed 4 decimals).
    #[test]
    fn constants_match_the_printed_table() {
        let printed = [
            (2, 1.128, 0.7979),
            (3, 1.693, 0.8862),
            (4, 2.059, 0.9213),
            (5, 2.326, 0.9400),
            (6, 2.534, 0.9515),
            (7, 2.704, 0.9594),
            (8, 2.847, 0.9650),
            (10, 3.078, 0.9727),
            (15, 3.472, 0.9823),
            (25, 3.931, 0.9896),
        ];
        for (n, d2_printed, c4_printed) in printed {
            assert!((d2(n) - d2_printed).abs() < 5e-4, "d2({n}) = {}", d2(n));
            assert!((c4(n) - c4_printed).abs() < 5e-5, "c4({n}) = {}", c4(n));
        }
    }
}
