//! Batch statistics per characteristic, from the current readings and the
//! values derived from them.

use super::capability::{Normality, CONFIDENCE};
use super::catalog::get_product;
use super::catalog::{Characteristic, Product};
use super::colour::{current_values, UnitValue};
use crate::domain::access::Visibility;
use crate::domain::capability::{capability_indices, CapabilityIndices};
use crate::domain::inference::{clopper_pearson, normal_fraction_outside};
use crate::domain::message::Message;
use crate::domain::stats::{count_outside, describe};
pub use crate::domain::summaries::{
    BatchStatistics, CharacteristicStatistics, FractionNonconforming,
};
use crate::domain::template::{Kind, Severity};
use crate::error::{AppError, AppResult};
use crate::store::orders::find_order;
use crate::store::DbConnection;
use std::collections::{HashMap, HashSet};

pub fn batch_statistics(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<BatchStatistics> {
    let batch = super::batches::get_batch(conn, batch_id, visibility)?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let plan = super::plans::find_plan(conn, batch_id)?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let values = current_values(conn, batch_id, &product)?;
    Ok(statistics_of_values(
        batch_id,
        plan.map(|p| p.sample_size),
        &product,
        &values,
    ))
}

/// A batch's statistics from its current values, already read.
pub fn statistics_of_values(
    batch_id: i64,
    sample_size: Option<i64>,
    product: &Product,
    values: &[UnitValue],
) -> BatchStatistics {
    let mut by_characteristic: HashMap<i64, Vec<f64>> = HashMap::new();
    for reading in values {
        by_characteristic
            .entry(reading.characteristic_id)
            .or_default()
            .push(reading.value);
    }
    let characteristics = product
        .characteristics
        .iter()
        .map(|c| {
            let readings = by_characteristic.remove(&c.id).unwrap_or_default();
            statistics_of(c.clone(), &readings)
        })
        .collect();
    BatchStatistics {
        batch_id,
        sample_size,
        characteristics,
    }
}

/// What one characteristic's readings in a batch come to.
fn statistics_of(c: Characteristic, readings: &[f64]) -> CharacteristicStatistics {
    let described = describe(readings);
    let figures = match c.kind {
        Kind::Variable => variable_figures(&c, readings),
        Kind::Attribute => attribute_figures(readings),
    };
    CharacteristicStatistics {
        n: readings.len(),
        mean: described.map(|d| d.mean),
        std_dev: figures.std_dev,
        min: described.map(|d| d.min),
        max: described.map(|d| d.max),
        nonconforming: figures.nonconforming,
        indices: figures.indices,
        anderson_darling: figures.normality,
        fraction_nonconforming: figures.fraction,
        code: c.code,
        name: c.name,
        unit: c.unit,
        kind: c.kind,
        nominal: c.nominal,
        lsl: c.lsl,
        usl: c.usl,
    }
}

/// The figures that depend on the kind of characteristic.
struct KindFigures {
    nonconforming: usize,
    std_dev: Option<f64>,
    indices: CapabilityIndices,
    normality: Option<Normality>,
    fraction: Option<FractionNonconforming>,
}

/// Readings outside the limits, capability (the sample is one subgroup)
/// and the normal-model fraction nonconforming.
fn variable_figures(c: &Characteristic, readings: &[f64]) -> KindFigures {
    let described = describe(readings);
    let std_dev = described.and_then(|d| d.std_dev);
    let indices = described
        .map(|d| {
            capability_indices(
                d.mean,
                std_dev,
                std_dev,
                &c.limits(),
                readings.len(),
                CONFIDENCE,
            )
        })
        .unwrap_or_default();
    let fraction = described
        .zip(std_dev)
        .and_then(|(d, s)| normal_fraction_outside(d.mean, s, c.lsl, c.usl))
        .map(|estimate| FractionNonconforming {
            estimate,
            ci: None,
            method: "normal".into(),
        });
    KindFigures {
        nonconforming: count_outside(readings, &c.limits()),
        std_dev,
        indices,
        normality: Normality::of(readings),
        fraction,
    }
}

/// Failed checks and their fraction with its exact interval.
fn attribute_figures(readings: &[f64]) -> KindFigures {
    let n = readings.len();
    let failed = readings.iter().filter(|&&v| v != 0.0).count();
    let fraction = (n > 0).then(|| FractionNonconforming {
        estimate: failed as f64 / n as f64,
        ci: clopper_pearson(failed as u64, n as u64, CONFIDENCE),
        method: "clopper-pearson".into(),
    });
    KindFigures {
        nonconforming: failed,
        std_dev: None,
        indices: CapabilityIndices::default(),
        normality: None,
        fraction,
    }
}

/// (unit, class of nonconformity) of every failing value: a variable
/// outside its limits or a failed attribute check.
pub fn failing_units(
    template: &[Characteristic],
    values: &[UnitValue],
) -> HashSet<(i64, Severity)> {
    failing_values(template, values)
        .map(|(v, c)| (v.unit, c.severity))
        .collect()
}

/// How many values fail their characteristic: the nonconformities the
/// readings hold (a unit out on two characteristics holds two).
pub fn nonconformities(template: &[Characteristic], values: &[UnitValue]) -> usize {
    failing_values(template, values).count()
}

/// Each value outside its characteristic's limits (an attribute's
/// nonzero count), with its characteristic.
fn failing_values<'a>(
    template: &'a [Characteristic],
    values: &'a [UnitValue],
) -> impl Iterator<Item = (&'a UnitValue, &'a Characteristic)> {
    let by_id: HashMap<i64, &Characteristic> = template.iter().map(|c| (c.id, c)).collect();
    values.iter().filter_map(move |v| {
        let c = *by_id.get(&v.characteristic_id)?;
        let fails = match c.kind {
            Kind::Variable => c.limits().is_outside(v.value),
            Kind::Attribute => v.value != 0.0,
        };
        fails.then_some((v, c))
    })
}
