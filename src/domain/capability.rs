//! The capability indices of a characteristic with their confidence
//! intervals, as every answer reports them (Montgomery, *Introduction to
//! Statistical Quality Control*, 7th ed., §8.3):
//!
//! - Cp and Cpk from σ within subgroups, the process's potential;
//! - Pp and Ppk from σ overall, what it delivered;
//! - the chi-square interval of Cp (n − 1 degrees of freedom, Montgomery
//!   eq. 8.19) and Bissell's (1990) interval of Cpk, both from the n values.
//!
//! A single sample is one subgroup, so there σ within and σ overall are the
//! same standard deviation and Pp, Ppk equal Cp, Cpk.

use super::inference::{cp_interval, cpk_interval, Interval};
use super::stats::capability;
use super::template::Limits;
use serde::Serialize;
use utoipa::ToSchema;

/// Cp, Cpk, Pp and Ppk with the intervals of Cp and Cpk; each `None`
/// where the limits, the spread or the number of values do not allow it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, ToSchema)]
pub struct CapabilityIndices {
    /// (USL − LSL)/6σ with σ within subgroups; needs both limits.
    pub cp: Option<f64>,
    /// min(USL − mean, mean − LSL)/3σ with σ within subgroups; one-sided
    /// when one limit is open.
    pub cpk: Option<f64>,
    /// As Cp, with σ overall.
    pub pp: Option<f64>,
    /// As Cpk, with σ overall.
    pub ppk: Option<f64>,
    /// Chi-square interval of Cp (n − 1 degrees of freedom), [lo, hi].
    #[schema(value_type = Option<Vec<f64>>)]
    pub cp_ci: Option<Interval>,
    /// Interval of Cpk (Bissell), [lo, hi].
    #[schema(value_type = Option<Vec<f64>>)]
    pub cpk_ci: Option<Interval>,
}

/// The indices of `n` values with mean `mean`, from σ within subgroups
/// and σ overall, with intervals at `confidence` (e.g. 0.95).
pub fn capability_indices(
    mean: f64,
    sigma_within: Option<f64>,
    sigma_overall: Option<f64>,
    limits: &Limits,
    n: usize,
    confidence: f64,
) -> CapabilityIndices {
    let short = capability(mean, sigma_within, limits);
    let long = capability(mean, sigma_overall, limits);
    CapabilityIndices {
        cp: short.cp,
        cpk: short.cpk,
        pp: long.cp,
        ppk: long.cpk,
        cp_ci: short
            .cp
            .and_then(|cp| cp_interval(cp, n as f64 - 1.0, confidence)),
        cpk_ci: short.cpk.and_then(|cpk| cpk_interval(cpk, n, confidence)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NIST/SEMATECH e-Handbook §6.1.6: USL 20, LSL 8, μ 16, σ 2 gives
    /// Cp 1.0 and Cpk 0.6667; with σ overall 4 the performance indices halve.
    #[test]
    fn potential_from_within_performance_from_overall() {
        let limits = Limits {
            lsl: Some(8.0),
            usl: Some(20.0),
        };
        let i = capability_indices(16.0, Some(2.0), Some(4.0), &limits, 50, 0.95);
        assert!((i.cp.unwrap() - 1.0).abs() < 1e-12);
        assert!((i.cpk.unwrap() - 0.6667).abs() < 5e-5);
        assert!((i.pp.unwrap() - 0.5).abs() < 1e-12);
        assert!((i.ppk.unwrap() - 0.3333).abs() < 5e-5);
        assert_eq!(i.cp_ci, cp_interval(1.0, 49.0, 0.95));
        assert_eq!(i.cpk_ci, cpk_interval(i.cpk.unwrap(), 50, 0.95));
        assert_eq!(
            capability_indices(16.0, None, None, &limits, 1, 0.95),
            CapabilityIndices::default()
        );
    }
}
