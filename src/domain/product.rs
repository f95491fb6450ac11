//! A product as the factory builds it: its technical parameters, and the
//! inspection template (its characteristics) every batch is checked against.

use super::template::{Kind, Limits, Quantity, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Which units of a batch get the final visual inspection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VisualScope {
    /// 100%: every unit of the lot.
    #[default]
    All,
    /// The units drawn by the batch's sampling plan (e.g. an AQL plan).
    Sample,
}

impl VisualScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Sample => "sample",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Characteristic {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: Kind,
    pub nominal: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    pub severity: Severity,
    pub quantity: Option<Quantity>,
    /// Computed from the unit's chromaticity readings; not recorded directly.
    pub derived: bool,
}

impl Characteristic {
    pub fn limits(&self) -> Limits {
        Limits {
            lsl: self.lsl,
            usl: self.usl,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Product {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub customer_id: Option<i64>,
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
    pub characteristics: Vec<Characteristic>,
    pub family: String,
    pub visual_inspection: VisualScope,
    pub created_at: DateTime<Utc>,
}
