//! Yields: the share of judged units that pass, first time round (the
//! readings and visual inspections as first recorded) and finally (after
//! corrections and re-inspection), per batch or summed per order,
//! production line or day.

use super::catalog::get_product;
use super::colour::{batch_readings, BatchReadings};
use super::statistics::failing_units;
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult};
use crate::store::batches::batch_ids_of_product;
use crate::store::visual::{inspections_of_batch, InspectionRow};
use crate::store::DbConnection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Batch,
    Order,
    Line,
    Day,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct YieldRow {
    /// The batch id, order id, line or production day (RFC 3339 date).
    pub key: String,
    pub batches: usize,
    /// Units judged: sampled units with readings and visually inspected units.
    pub units: i64,
    pub first_pass_units: i64,
    pub final_units: i64,
    pub first_pass_yield: Option<f64>,
    pub final_yield: Option<f64>,
}

/// (units judged, passing first time, passing finally) of one batch.
fn batch_counts(
    conn: &mut DbConnection,
    batch_id: i64,
    product: &super::catalog::Product,
) -> AppResult<(i64, i64, i64)> {
    let readings = batch_readings(conn, batch_id, product)?;
    let inspections = inspections_of_batch(conn, batch_id, None)?;
    Ok(unit_counts(product, &readings, &inspections))
}

/// (units judged, passing first time, passing finally) from a batch's
/// readings and every one of its visual inspections (superseded included).
pub fn unit_counts(
    product: &super::catalog::Product,
    readings: &BatchReadings,
    inspections: &[InspectionRow],
) -> (i64, i64, i64) {
    let (original, current) = (&readings.original, &readings.current);
    let superseded: HashSet<i64> = inspections.iter().filter_map(|i| i.supersedes).collect();
    let mut judged: HashSet<i64> = original.iter().map(|v| v.unit).collect();
    judged.extend(inspections.iter().map(|i| i.unit));
    let mut first_fail: HashSet<i64> = failing_units(&product.characteristics, original)
        .into_iter()
        .map(|(unit, _)| unit)
        .collect();
    first_fail.extend(
        inspections
            .iter()
            .filter(|i| i.supersedes.is_none() && !i.passed)
            .map(|i| i.unit),
    );
    let mut final_fail: HashSet<i64> = failing_units(&product.characteristics, current)
        .into_iter()
        .map(|(unit, _)| unit)
        .collect();
    final_fail.extend(
        inspections
            .iter()
            .filter(|i| !superseded.contains(&i.id) && !i.passed)
            .map(|i| i.unit),
    );
    let units = judged.len() as i64;
    (
        units,
        units - first_fail.len() as i64,
        units - final_fail.len() as i64,
    )
}

pub fn yields(
    conn: &mut DbConnection,
    product_id: Option<i64>,
    order_id: Option<i64>,
    group_by: GroupBy,
    visibility: Visibility,
) -> AppResult<Vec<YieldRow>> {
    let (product, batch_ids) = match (product_id, order_id) {
        (_, Some(order_id)) => {
            let order = super::orders::get_order(conn, order_id, visibility)?;
            let page = crate::store::PageRequest {
                page: 1,
                per_page: i64::MAX / 2,
            };
            let ids = crate::store::batches::list_batches(conn, order_id, page)?
                .items
                .into_iter()
                .map(|b| b.id)
                .collect::<Vec<_>>();
            (
                get_product(conn, order.product_id, Visibility::Everything)?,
                ids,
            )
        }
        (Some(product_id), None) => (
            get_product(conn, product_id, visibility)?,
            batch_ids_of_product(conn, product_id, visibility.only_customer())?,
        ),
        (None, None) => {
            return Err(AppError::invalid(
                "product_id",
                Message::new("err-yields-whose"),
            ))
        }
    };
    let mut groups: BTreeMap<String, YieldRow> = BTreeMap::new();
    for batch_id in batch_ids {
        let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
        let key = match group_by {
            GroupBy::Batch => format!("{batch_id:>12}"),
            GroupBy::Order => format!("{:>12}", batch.order_id),
            GroupBy::Line => batch.line.clone().unwrap_or_else(|| "—".into()),
            GroupBy::Day => batch
                .production_date
                .clone()
                .unwrap_or_else(|| batch.created_at.date_naive().to_string()),
        };
        let (units, first, last) = batch_counts(conn, batch_id, &product)?;
        let row = groups.entry(key.clone()).or_insert(YieldRow {
            key: key.trim().to_string(),
            batches: 0,
            units: 0,
            first_pass_units: 0,
            final_units: 0,
            first_pass_yield: None,
            final_yield: None,
        });
        row.batches += 1;
        row.units += units;
        row.first_pass_units += first;
        row.final_units += last;
    }
    Ok(groups
        .into_values()
        .map(|mut row| {
            if row.units > 0 {
                row.first_pass_yield = Some(row.first_pass_units as f64 / row.units as f64);
                row.final_yield = Some(row.final_units as f64 / row.units as f64);
            }
            row
        })
        .collect())
}
