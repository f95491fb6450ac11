//! Batch statistics per characteristic, from the current readings and the
//! values derived from them.

use super::catalog::get_product;
use super::colour::current_values;
use crate::domain::access::Visibility;
use crate::domain::stats::{capability, count_outside, describe};
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult};
use crate::store::orders::find_order;
use crate::store::DbConnection;
use serde::Serialize;
use std::collections::HashMap;
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
    /// (USL − LSL)/6s with the batch sample's standard deviation.
    pub cp: Option<f64>,
    /// min(USL − mean, mean − LSL)/3s; one-sided when one limit is open.
    pub cpk: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchStatistics {
    pub batch_id: i64,
    /// Planned sample size; `None` before the plan is drawn.
    pub sample_size: Option<i64>,
    pub characteristics: Vec<CharacteristicStatistics>,
}

pub fn batch_statistics(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<BatchStatistics> {
    let batch = super::batches::get_batch(conn, batch_id, visibility)?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| AppError::not_found("order"))?;
    let plan = super::sampling::find_plan(conn, batch_id)?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let mut values: HashMap<i64, Vec<f64>> = HashMap::new();
    for reading in current_values(conn, batch_id, &product)? {
        values
            .entry(reading.characteristic_id)
            .or_default()
            .push(reading.value);
    }
    let characteristics = product
        .characteristics
        .into_iter()
        .map(|c| {
            let readings = values.remove(&c.id).unwrap_or_default();
            let described = describe(&readings);
            let (nonconforming, std_dev, capability) = match c.kind {
                Kind::Variable => {
                    let std_dev = described.and_then(|d| d.std_dev);
                    let indices = described
                        .map(|d| capability(d.mean, std_dev, &c.limits()))
                        .unwrap_or_default();
                    (count_outside(&readings, &c.limits()), std_dev, indices)
                }
                Kind::Attribute => (
                    readings.iter().filter(|&&v| v != 0.0).count(),
                    None,
                    Default::default(),
                ),
            };
            CharacteristicStatistics {
                n: readings.len(),
                mean: described.map(|d| d.mean),
                std_dev,
                min: described.map(|d| d.min),
                max: described.map(|d| d.max),
                nonconforming,
                cp: capability.cp,
                cpk: capability.cpk,
                code: c.code,
                name: c.name,
                unit: c.unit,
                kind: c.kind,
                nominal: c.nominal,
                lsl: c.lsl,
                usl: c.usl,
            }
        })
        .collect();
    Ok(BatchStatistics {
        batch_id,
        sample_size: plan.map(|p| p.sample_size),
        characteristics,
    })
}
