//! What a batch's inspection comes to, as pages and reports print it: the
//! statistics of each characteristic and the visual inspection's tally.

use super::capability::CapabilityIndices;
use super::inference::{anderson_darling, Interval};
use super::product::VisualScope;
use super::template::{Kind, Severity};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CharacteristicStatistics {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: Kind,
    /// Number of current readings.
    pub n: usize,
    /// For attributes: the fraction of failed units.
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1); variables only, n ≥ 2.
    pub std_dev: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub nominal: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    /// Readings outside LSL/USL, or failed attribute checks.
    pub nonconforming: usize,
    /// The batch's sample is one subgroup: σ within and σ overall are its
    /// standard deviation, so Pp and Ppk equal Cp and Cpk here; across
    /// batches (`/products/{id}/capability`) the two differ.
    #[serde(flatten)]
    pub indices: CapabilityIndices,
    /// Normality of the readings (variables, n ≥ 8).
    pub anderson_darling: Option<Normality>,
    pub fraction_nonconforming: Option<FractionNonconforming>,
}

/// The estimated fraction of the lot that does not conform.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FractionNonconforming {
    pub estimate: f64,
    /// 95% exact (Clopper–Pearson) interval for attributes, [lo, hi]; none
    /// for the normal-model estimate of variables.
    #[schema(value_type = Option<Vec<f64>>)]
    pub ci: Option<Interval>,
    /// `clopper-pearson` (failed units / units) or `normal` (the share of a
    /// normal distribution with the sample's mean and s beyond the limits).
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchStatistics {
    pub batch_id: i64,
    /// Planned sample size; `None` before the plan is drawn.
    pub sample_size: Option<i64>,
    pub characteristics: Vec<CharacteristicStatistics>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Normality {
    /// Anderson–Darling A².
    pub a2: f64,
    /// Below 0.05 the values do not look normal: capability figures, which
    /// assume normality, are then not to be trusted.
    pub p_value: f64,
}

impl Normality {
    /// The Anderson–Darling test of `values` (at least 8 with some spread).
    pub fn of(values: &[f64]) -> Option<Normality> {
        anderson_darling(values).map(|ad| Normality {
            a2: ad.a2,
            p_value: ad.p_value,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DefectCount {
    pub defect: String,
    pub name: String,
    pub severity: Severity,
    /// Defects found (sum of counts).
    pub count: i64,
    /// Units with this defect.
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VisualSummary {
    pub batch_id: i64,
    pub scope: VisualScope,
    /// Units the inspection must cover: the lot, or the plan's sample.
    pub units_to_inspect: i64,
    pub units_inspected: i64,
    pub units_passed: i64,
    pub units_failed: i64,
    /// Units with at least one defect of each class.
    pub units_with_critical: i64,
    pub units_with_major: i64,
    pub units_with_minor: i64,
    /// Defects per 100 units inspected (all classes).
    pub defects_per_hundred_units: Option<f64>,
    /// Most frequent first (a Pareto ordering).
    pub defects: Vec<DefectCount>,
}
