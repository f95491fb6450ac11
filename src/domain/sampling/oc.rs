//! Operating characteristic (OC) curves of single sampling plans: the
//! probability of accepting a lot as a function of its fraction
//! nonconforming p, and the risks that follow from it.
//!
//! Pa(p) = P(X ≤ Ac) for the number X of nonconforming units in the sample:
//! hypergeometric with D = round(p·N) nonconforming units in the lot (exact
//! for a finite lot), or the binomial(n, p) and Poisson(n·p)
//! approximations. Rectifying inspection (rejected lots screened 100%):
//! AOQ = Pa·p·(N − n)/N; AOQL = max over p of AOQ
//! (Montgomery, *Introduction to Statistical Quality Control*, §15.2).
//!
//! A plan that counts nonconformities (a unit may hold several) judges the
//! lot's nonconformities per unit u instead: the count X in the sample is
//! Poisson(n·u), so Pa(u) = P(X ≤ Ac), Ac may exceed n, and u may exceed 1
//! (Montgomery §15.2; ANSI/ASQ Z1.4-2003 and ISO 2859-1:1999 state AQLs
//! above 10 in nonconformities per 100 units only).

use crate::domain::message::Message;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF, Hypergeometric, Poisson};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    #[default]
    Hypergeometric,
    Binomial,
    Poisson,
}

impl Model {
    pub fn parse(text: &str) -> Result<Model, Message> {
        match text {
            "hypergeometric" => Ok(Model::Hypergeometric),
            "binomial" => Ok(Model::Binomial),
            "poisson" => Ok(Model::Poisson),
            _ => {
                Err(Message::new("err-one-of").arg("choices", "hypergeometric, binomial, poisson"))
            }
        }
    }
}

/// What a plan counts in its sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    /// Units that fail (a unit is nonconforming or not); quality is the
    /// lot's fraction nonconforming.
    #[default]
    NonconformingUnits,
    /// Nonconformities, several per unit possible; quality is the lot's
    /// nonconformities per unit (per 100 units × 100).
    Nonconformities,
}

impl Counts {
    pub fn parse(text: &str) -> Result<Counts, Message> {
        match text {
            "nonconforming_units" => Ok(Counts::NonconformingUnits),
            "nonconformities" => Ok(Counts::Nonconformities),
            _ => {
                Err(Message::new("err-one-of")
                    .arg("choices", "nonconforming_units, nonconformities"))
            }
        }
    }
}

/// A single sampling plan applied to a lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributePlan {
    pub lot_size: u64,
    pub sample_size: u64,
    pub accept: u64,
    pub counts: Counts,
}

impl AttributePlan {
    pub fn new(
        lot_size: u64,
        sample_size: u64,
        accept: u64,
    ) -> Result<Self, (&'static str, Message)> {
        if lot_size == 0 {
            return Err(("lot_size", Message::new("err-at-least").arg("min", 1)));
        }
        if sample_size == 0 || sample_size > lot_size {
            return Err((
                "sample_size",
                Message::new("err-sample-within-lot").arg("lot", lot_size),
            ));
        }
        if accept >= sample_size {
            return Err((
                "accept",
                Message::new("err-accept-below-sample").arg("sample", sample_size),
            ));
        }
        Ok(Self {
            lot_size,
            sample_size,
            accept,
            counts: Counts::NonconformingUnits,
        })
    }

    /// A plan counting nonconformities: Ac may be any number, since a unit
    /// may hold several; judged by the Poisson model whatever is asked.
    pub fn counting_nonconformities(
        lot_size: u64,
        sample_size: u64,
        accept: u64,
    ) -> Result<Self, (&'static str, Message)> {
        let bounds = Self::new(lot_size, sample_size, 0)?;
        Ok(Self {
            accept,
            counts: Counts::Nonconformities,
            ..bounds
        })
    }

    /// A plan counting what `counts` says.
    pub fn counting(
        counts: Counts,
        lot_size: u64,
        sample_size: u64,
        accept: u64,
    ) -> Result<Self, (&'static str, Message)> {
        match counts {
            Counts::NonconformingUnits => Self::new(lot_size, sample_size, accept),
            Counts::Nonconformities => {
                Self::counting_nonconformities(lot_size, sample_size, accept)
            }
        }
    }

    /// Probability of acceptance of a lot with fraction nonconforming `p`
    /// (nonconformities per unit when the plan counts those).
    pub fn pa(&self, p: f64, model: Model) -> f64 {
        let (n, c) = (self.sample_size, self.accept);
        if self.counts == Counts::Nonconformities {
            let u = p.max(0.0);
            return if u == 0.0 {
                1.0
            } else {
                Poisson::new(n as f64 * u)
                    .map(|d| d.cdf(c))
                    .unwrap_or(f64::NAN)
            };
        }
        let p = p.clamp(0.0, 1.0);
        match model {
            Model::Hypergeometric => {
                let defectives = (p * self.lot_size as f64).round() as u64;
                Hypergeometric::new(self.lot_size, defectives.min(self.lot_size), n)
                    .map(|h| h.cdf(c))
                    .unwrap_or(f64::NAN)
            }
            Model::Binomial => Binomial::new(p, n).map(|b| b.cdf(c)).unwrap_or(f64::NAN),
            Model::Poisson if p == 0.0 => 1.0,
            Model::Poisson => Poisson::new(n as f64 * p)
                .map(|d| d.cdf(c))
                .unwrap_or(f64::NAN),
        }
    }

    /// Average outgoing quality under rectifying inspection.
    pub fn aoq(&self, p: f64, model: Model) -> f64 {
        let n = self.lot_size as f64;
        self.pa(p, model) * p * (n - self.sample_size as f64) / n
    }

    /// The lot quality p accepted with probability `target`: the p where
    /// Pa falls to `target`, found by bisection on the decreasing curve.
    /// For the hypergeometric model, whose curve steps at p = D/N, it is
    /// the smallest D/N with Pa ≤ target.
    pub fn quality_at(&self, target: f64, model: Model) -> f64 {
        let (mut low, mut high) = (0.0_f64, 1.0_f64);
        // Nonconformities per unit have no ceiling: widen until Pa falls.
        while self.counts == Counts::Nonconformities && self.pa(high, model) > target {
            low = high;
            high *= 2.0;
        }
        for _ in 0..100 {
            let mid = 0.5 * (low + high);
            if self.pa(mid, model) > target {
                low = mid;
            } else {
                high = mid;
            }
        }
        match (self.counts, model) {
            (Counts::NonconformingUnits, Model::Hypergeometric) => {
                let n = self.lot_size as f64;
                (high * n).round() / n
            }
            _ => 0.5 * (low + high),
        }
    }

    /// The AOQL and the p where it occurs: AOQ maximised over a grid of
    /// 2,000 points up to the p where Pa falls below 0.001, then refined
    /// by golden-section search around the best grid point.
    pub fn aoql(&self, model: Model) -> (f64, f64) {
        let upper = self.quality_at(0.001, model).max(1e-6);
        let steps = 2000;
        let grid = (0..=steps).map(|i| upper * i as f64 / steps as f64);
        let best = grid.fold((0.0, 0.0), |best, p| {
            let aoq = self.aoq(p, model);
            if aoq > best.1 {
                (p, aoq)
            } else {
                best
            }
        });
        let width = upper / steps as f64;
        let ceiling = match self.counts {
            Counts::NonconformingUnits => 1.0,
            Counts::Nonconformities => upper,
        };
        let (mut a, mut b) = ((best.0 - width).max(0.0), (best.0 + width).min(ceiling));
        let ratio = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..60 {
            let x1 = b - ratio * (b - a);
            let x2 = a + ratio * (b - a);
            if self.aoq(x1, model) < self.aoq(x2, model) {
                a = x1;
            } else {
                b = x2;
            }
        }
        let p = 0.5 * (a + b);
        let refined = (p, self.aoq(p, model));
        if refined.1 >= best.1 {
            refined
        } else {
            best
        }
    }
}

/// The default grid of lot fractions nonconforming for a curve.
pub fn default_grid() -> Vec<f64> {
    let mut grid: Vec<f64> = (0..=20).map(|i| i as f64 * 0.0025).collect(); // 0 … 5% by 0.25%
    grid.extend((11..=30).map(|i| i as f64 * 0.005)); // 5.5% … 15%
    grid.extend((4..=10).map(|i| i as f64 * 0.05)); // 20% … 50%
    grid
}

/// What a plan protects against, by the exact hypergeometric model (the
/// Poisson model for a plan counting nonconformities, whose points are
/// then nonconformities per unit).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Risk {
    pub model: Model,
    pub counts: Counts,
    /// Lot fraction nonconforming accepted 95% of the time.
    pub producer_risk_point: f64,
    /// Lot fraction nonconforming accepted only 10% of the time (LTPD).
    pub consumer_risk_point: f64,
    /// Worst average outgoing quality under rectifying inspection.
    pub aoql: f64,
    /// The lot fraction nonconforming at which the AOQL occurs.
    pub aoql_at: f64,
}

/// The risk points and AOQL of a plan under `model`.
pub fn risk_of(plan: &AttributePlan, model: Model) -> Risk {
    let model = match plan.counts {
        Counts::NonconformingUnits => model,
        Counts::Nonconformities => Model::Poisson,
    };
    let (aoql_at, aoql) = plan.aoql(model);
    Risk {
        model,
        counts: plan.counts,
        producer_risk_point: plan.quality_at(0.95, model),
        consumer_risk_point: plan.quality_at(0.10, model),
        aoql,
        aoql_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_bounds() {
        assert!(AttributePlan::new(100, 101, 0).is_err());
        assert!(AttributePlan::new(100, 10, 10).is_err());
        assert!(AttributePlan::new(100, 10, 9).is_ok());
    }

    /// Montgomery's rectifying-inspection example plan (7th ed., §15.2:
    /// N = 10,000, n = 89, c = 2), with values from SciPy 1.x:
    /// `binom.cdf(2, 89, 0.01)` = 0.9396899183135595, and
    /// `minimize_scalar` of −binom.cdf(2, 89, p)·p·(N − n)/N giving
    /// AOQL 0.015246342929140844 at p = 0.025276992249643502.
    #[test]
    fn rectifying_example_matches_scipy() {
        let plan = AttributePlan::new(10_000, 89, 2).unwrap();
        assert!((plan.pa(0.01, Model::Binomial) - 0.9396899183135595).abs() < 1e-12);
        let (p, aoql) = plan.aoql(Model::Binomial);
        assert!(
            (aoql - 0.015246342929140844).abs() < 1e-12,
            "AOQL {aoql} at {p}"
        );
        assert!((p - 0.025276992249643502).abs() < 1e-6, "{p}");
    }

    #[test]
    fn risk_points_bracket_the_curve() {
        let plan = AttributePlan::new(1000, 80, 2).unwrap();
        for model in [Model::Hypergeometric, Model::Binomial, Model::Poisson] {
            let p95 = plan.quality_at(0.95, model);
            let p10 = plan.quality_at(0.10, model);
            assert!(p95 < p10, "{model:?}");
            assert!(plan.pa(p10, model) <= 0.10 + 1e-9, "{model:?}");
        }
        assert_eq!(plan.pa(0.0, Model::Hypergeometric), 1.0);
    }

    /// ISO 2859-1 code letter A at AQL 1000 (nonconformities per 100
    /// units): n = 2, Ac = 30. Values from SciPy 1.17.1:
    /// `poisson.cdf(30, 2 * 10.0)` = 0.9865253187200778, and `brentq` of
    /// `poisson.cdf(30, 2 * u) - target` giving u = 11.222255891062556 at
    /// Pa = 0.95 and 19.15755200112194 at Pa = 0.10.
    #[test]
    fn a_plan_counting_nonconformities_accepts_more_than_its_sample() {
        assert!(AttributePlan::new(8, 2, 30).is_err());
        let plan = AttributePlan::counting_nonconformities(8, 2, 30).unwrap();
        assert!((plan.pa(10.0, Model::Hypergeometric) - 0.9865253187200778).abs() < 1e-12);
        let risk = risk_of(&plan, Model::Hypergeometric);
        assert_eq!(
            (risk.model, risk.counts),
            (Model::Poisson, Counts::Nonconformities)
        );
        assert!(
            (risk.producer_risk_point - 11.222255891062556).abs() < 1e-9,
            "{risk:?}"
        );
        assert!(
            (risk.consumer_risk_point - 19.15755200112194).abs() < 1e-9,
            "{risk:?}"
        );
        assert!(risk.aoql > 0.0 && risk.aoql_at > 0.0);
    }
}
