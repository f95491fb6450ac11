//! A batch's sampling plan as drawn: the method, the units to inspect and
//! the acceptance numbers, with the risk the plan carries.

use super::oc::{Counts, Risk};
use crate::domain::template::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Method {
    /// A fixed percentage of the lot (the factory's habit: 10%).
    #[serde(rename = "percent")]
    Percent,
    /// ISO 2859-1 single sampling by attributes.
    #[serde(rename = "iso2859-1")]
    Iso2859_1,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Iso2859_1 => "iso2859-1",
        }
    }
}

impl Method {
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Percent, Self::Iso2859_1]
            .into_iter()
            .find(|method| method.as_str() == text)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub batch_id: i64,
    pub method: Method,
    /// The draw algorithm, described in the README; re-derive `units` with it.
    pub algorithm: String,
    pub lot_size: i64,
    pub sample_size: i64,
    pub seed: i64,
    pub percent: Option<f64>,
    /// Drawn unit numbers (1..=lot_size), ascending.
    pub units: Vec<i64>,
    pub code_letter: Option<String>,
    pub plan_letter: Option<String>,
    pub accept: Option<i32>,
    pub reject: Option<i32>,
    pub aql: Option<f64>,
    pub level: Option<String>,
    /// Severity of inspection (ISO 2859-1 plans).
    pub inspection: Option<String>,
    /// Why this severity applied: the switching rules' state, or a request.
    pub inspection_reason: Option<String>,
    /// The printed table an ISO 2859-1 plan comes from.
    pub table: Option<&'static str>,
    /// Every unit of the lot is inspected.
    pub inspect_all: bool,
    /// What the plan protects against (exact hypergeometric model); for a
    /// percent plan, or a plan by class, with the lot accepted only when no
    /// unit fails.
    pub risk: Risk,
    /// What the sample's count is of: nonconforming units, or
    /// nonconformities (several to a unit; the lot judged by their total).
    pub counts: Counts,
    /// ISO 2859-1 plans per class of nonconformity, when asked for.
    pub classes: Vec<ClassPlan>,
    pub created_at: DateTime<Utc>,
}

impl Plan {
    /// The plan without its drawn units (nor its classes'): what a report
    /// prints of it (parameters and risk), kept for many batches at once
    /// without a list of units each.
    pub fn without_units(mut self) -> Plan {
        self.units = Vec::new();
        for class in &mut self.classes {
            class.units = Vec::new();
        }
        self
    }
}

/// The plan of one class of nonconformity within a batch plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClassPlan {
    pub severity: Severity,
    /// 0: none allowed.
    pub aql: f64,
    pub plan_letter: String,
    pub sample_size: i64,
    pub accept: i32,
    pub reject: i32,
    /// The class's units: the first `sample_size` units of the draw, ascending.
    pub units: Vec<i64>,
    pub risk: Risk,
}
