//! What a batch's inspections are checked against: the lot, the units to
//! inspect (all, or the plan's sample) and the family's defect catalogue.

use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::sampling::LotSize;
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::service::catalog::{get_product, Product, VisualScope};
use crate::store::orders::find_order;
use crate::store::visual::{self as store, DefectRow, DefectTypeRow};
use crate::store::DbConnection;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// One defect found on a unit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefectInput {
    /// Code of a defect in the product family's catalogue.
    pub defect: String,
    /// How many of it (default 1).
    pub count: Option<i32>,
    /// Overrides the catalogue's default severity for this finding.
    pub severity: Option<Severity>,
}

/// What a batch's inspections are checked against.
pub(super) struct Scope {
    pub product: Product,
    pub lot: LotSize,
    /// The plan's units when the product inspects a sample; `None` for 100%.
    pub sampled: Option<HashSet<i64>>,
    catalogue: HashMap<String, DefectTypeRow>,
}

pub(super) fn scope(conn: &mut DbConnection, batch_id: i64) -> AppResult<Scope> {
    let batch = crate::service::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let sampled = match product.visual_inspection {
        VisualScope::All => None,
        VisualScope::Sample => {
            let plan = crate::service::plans::find_plan(conn, batch_id)?.ok_or_else(|| {
                AppError::conflict(
                    ErrorCode::NoSamplingPlan,
                    Message::new("err-visual-needs-plan").arg("batch", batch_id),
                )
            })?;
            Some(plan.units.into_iter().collect())
        }
    };
    let catalogue = store::defect_types_of(conn, &product.family)?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    Ok(Scope {
        lot: LotSize::parse(batch.lot_size)
            .map_err(|e| AppError::internal(format!("a stored lot size is valid: {e}")))?,
        product,
        sampled,
        catalogue,
    })
}

const MAX_COUNT: i32 = 10_000;

/// A checked finding: (defect type id, severity, count).
pub(super) type CheckedDefect = (i64, Severity, i32);

impl Scope {
    /// Checks the defects of one unit; answers the findings to store and
    /// the problems as `(field relative to the inspection, message)`.
    pub fn check_defects(
        &self,
        defects: &[DefectInput],
    ) -> (Vec<CheckedDefect>, Vec<(String, Message)>) {
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        for (j, d) in defects.iter().enumerate() {
            let Some(kind) = self.catalogue.get(&d.defect) else {
                problems.push((
                    format!("defects[{j}].defect"),
                    self.unknown_defect(&d.defect),
                ));
                continue;
            };
            let count = d.count.unwrap_or(1);
            if !(1..=MAX_COUNT).contains(&count) {
                problems.push((
                    format!("defects[{j}].count"),
                    Message::new("err-integer-between")
                        .arg("min", 1)
                        .arg("max", MAX_COUNT),
                ));
            }
            if !seen.insert(kind.id) {
                problems.push((
                    format!("defects[{j}].defect"),
                    Message::new("err-defect-twice").arg("code", &d.defect),
                ));
            }
            let severity = d
                .severity
                .or_else(|| Severity::parse(&kind.severity))
                .unwrap_or(Severity::Major);
            rows.push((kind.id, severity, count));
        }
        (rows, problems)
    }

    fn unknown_defect(&self, code: &str) -> Message {
        let known: Vec<&str> = self.catalogue.keys().map(String::as_str).collect();
        let key = if known.is_empty() {
            "err-unknown-defect-empty-catalogue"
        } else {
            "err-unknown-defect"
        };
        Message::new(key)
            .arg("code", code)
            .arg("family", &self.product.family)
            .arg("known", known.join(", "))
    }

    /// What is wrong with inspecting `unit` in this batch, if anything.
    pub fn check_unit(&self, unit: i64) -> Option<Message> {
        if !self.lot.contains(unit) {
            Some(
                Message::new("err-unit-outside-lot")
                    .arg("unit", unit)
                    .arg("lot", self.lot.get()),
            )
        } else if self.sampled.as_ref().is_some_and(|s| !s.contains(&unit)) {
            Some(Message::new("err-unit-not-drawn-visual").arg("unit", unit))
        } else {
            None
        }
    }
}

pub(super) fn defect_rows(inspection_id: i64, found: &[CheckedDefect]) -> Vec<DefectRow> {
    found
        .iter()
        .map(|&(defect_type_id, severity, count)| DefectRow {
            inspection_id,
            defect_type_id,
            severity: severity.as_str().to_string(),
            count,
        })
        .collect()
}
