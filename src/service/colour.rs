//! Colour answers for a chromaticity: what the calculator route and the
//! derived characteristics of a product both report.

use super::catalog::{colour_target, Product};
use crate::domain::access::Visibility;
use crate::domain::colorimetry::{
    ansi_quadrangle, cct_duv, ColourError, Ellipse, Xy, MAX_MEANINGFUL_DUV,
};
use crate::domain::spc::Subgroup;
use crate::domain::template::Quantity;
use crate::error::{AppError, AppResult};
use crate::store::batches::batch_ids_of_product;
use crate::store::measurements::current_of_batch;
use crate::store::DbConnection;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ColourAnswer {
    pub x: f64,
    pub y: f64,
    /// CIE 1960 UCS coordinates.
    pub u: f64,
    pub v: f64,
    /// Correlated colour temperature (Ohno 2013).
    pub cct_k: f64,
    /// Distance from the Planckian locus in (u, v); positive above.
    pub duv: f64,
    /// False when |Duv| > 0.05, where CIE 015 holds a CCT meaningless.
    pub cct_meaningful: bool,
    /// The ANSI C78.377-2008 nominal CCT whose quadrangle holds the point.
    pub ansi_nominal_cct_k: Option<u32>,
    /// Distance from the target in MacAdam steps (when a target is given).
    pub macadam_steps: Option<f64>,
    /// The ellipse the steps are counted in.
    pub ellipse: Option<Ellipse>,
}

/// The target ellipse of a product or a query: centred on the target, with
/// the IEC 60081 shape nearest the target's own CCT.
pub fn target_ellipse(target: Xy) -> AppResult<Ellipse> {
    let found = cct_duv(target).map_err(|e| colour_error(e, "target_x"))?;
    Ok(Ellipse::standard_around(target, found.cct_k))
}

/// Maps a colour error to a problem naming `field`: 400, as a point outside
/// the diagram is not a colour at all.
pub fn colour_error(error: ColourError, field: &str) -> AppError {
    let detail = match error {
        ColourError::OutsideDiagram => {
            "(x, y) lies outside the CIE 1931 chromaticity diagram: not a colour"
        }
        ColourError::OutsideCctRange => {
            "(x, y) has no correlated colour temperature between 1,000 K and 100,000 K"
        }
    };
    AppError::bad_request(detail).with_field(field)
}

pub fn describe(point: Xy, target: Option<Xy>) -> AppResult<ColourAnswer> {
    let ellipse = target.map(target_ellipse).transpose()?;
    describe_in(point, ellipse)
}

/// [`describe`] with the target ellipse already known.
pub fn describe_in(point: Xy, ellipse: Option<Ellipse>) -> AppResult<ColourAnswer> {
    let found = cct_duv(point).map_err(|e| colour_error(e, "x"))?;
    let uv = point.to_uv();
    Ok(ColourAnswer {
        x: point.x,
        y: point.y,
        u: uv.u,
        v: uv.v,
        cct_k: found.cct_k,
        duv: found.duv,
        cct_meaningful: found.duv.abs() <= MAX_MEANINGFUL_DUV,
        ansi_nominal_cct_k: ansi_quadrangle(found).map(|q| q.nominal_cct_k),
        macadam_steps: ellipse.map(|e| e.steps(point)),
        ellipse,
    })
}

/// How a product's colour quantities are derived: from which chromaticity
/// characteristics, into which derived ones, towards which target.
#[derive(Debug, Clone)]
pub struct Chromaticity {
    x_id: i64,
    y_id: i64,
    target: Option<Ellipse>,
    derived: Vec<(i64, Quantity)>,
}

impl Chromaticity {
    /// `None` when the product does not record chromaticity x and y.
    pub fn of(product: &Product) -> AppResult<Option<Self>> {
        let id_of = |q| {
            product
                .characteristics
                .iter()
                .find(|c| c.quantity == Some(q))
                .map(|c| c.id)
        };
        let (Some(x_id), Some(y_id)) = (id_of(Quantity::CieX), id_of(Quantity::CieY)) else {
            return Ok(None);
        };
        let derived: Vec<(i64, Quantity)> = product
            .characteristics
            .iter()
            .filter(|c| c.derived)
            .filter_map(|c| Some((c.id, c.quantity?)))
            .collect();
        let target = if derived.iter().any(|(_, q)| *q == Quantity::MacadamSteps) {
            let centre = colour_target(&product.params).map_err(|_| {
                AppError::internal(format!(
                    "stored product lacks its colour target: product {}",
                    product.id
                ))
            })?;
            Some(target_ellipse(centre)?)
        } else {
            None
        };
        Ok(Some(Self {
            x_id,
            y_id,
            target,
            derived,
        }))
    }

    pub fn is_chromaticity(&self, characteristic_id: i64) -> bool {
        characteristic_id == self.x_id || characteristic_id == self.y_id
    }

    /// The derived values of one unit as (characteristic id, value).
    pub fn derive(&self, point: Xy) -> Result<Vec<(i64, f64)>, ColourError> {
        let found = cct_duv(point)?;
        Ok(self
            .derived
            .iter()
            .filter_map(|&(id, quantity)| {
                let value = match quantity {
                    Quantity::CctK => found.cct_k,
                    Quantity::Duv => found.duv,
                    Quantity::MacadamSteps => self.target?.steps(point),
                    Quantity::CieX | Quantity::CieY => return None,
                };
                Some((id, value))
            })
            .collect())
    }

    /// Pairs each unit's x and y among `readings` (unit, characteristic, value).
    pub fn points(&self, readings: impl IntoIterator<Item = (i64, i64, f64)>) -> BTreeMap<i64, Xy> {
        let mut partial: BTreeMap<i64, (Option<f64>, Option<f64>)> = BTreeMap::new();
        for (unit, characteristic_id, value) in readings {
            let entry = partial.entry(unit).or_default();
            if characteristic_id == self.x_id {
                entry.0 = Some(value);
            } else if characteristic_id == self.y_id {
                entry.1 = Some(value);
            }
        }
        partial
            .into_iter()
            .filter_map(|(unit, xy)| match xy {
                (Some(x), Some(y)) => Some((unit, Xy { x, y })),
                _ => None,
            })
            .collect()
    }
}

/// One current value of a unit: a stored reading, or one derived from the
/// unit's chromaticity readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitValue {
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
}

/// The current values of one characteristic in each of the product's
/// batches that `visibility` shows, batches with none left out: the
/// rational subgroups of capability studies and control charts.
pub fn batch_subgroups(
    conn: &mut DbConnection,
    product: &Product,
    characteristic_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<Subgroup>> {
    let mut groups = Vec::new();
    for batch_id in batch_ids_of_product(conn, product.id, visibility.only_customer())? {
        let values: Vec<f64> = current_values(conn, batch_id, product)?
            .into_iter()
            .filter(|v| v.characteristic_id == characteristic_id)
            .map(|v| v.value)
            .collect();
        if !values.is_empty() {
            groups.push(Subgroup { batch_id, values });
        }
    }
    Ok(groups)
}

/// The current values of a batch: readings that nothing supersedes, plus
/// the values derived from each unit's current chromaticity. Recording
/// refuses chromaticity pairs that are not colours, so every pair derives.
pub fn current_values(
    conn: &mut DbConnection,
    batch_id: i64,
    product: &Product,
) -> AppResult<Vec<UnitValue>> {
    with_derived(batch_id, current_of_batch(conn, batch_id)?, product)
}

/// A batch's readings from one read: what [`current_values`] and
/// [`original_values`] give, and the client ids of the current readings
/// (what a disposition's data fingerprint hashes).
#[derive(Debug, Clone, Default)]
pub struct BatchReadings {
    pub current: Vec<UnitValue>,
    pub original: Vec<UnitValue>,
    pub current_uuids: Vec<String>,
}

/// Reads every reading of a batch once (superseded ones included) and
/// answers its current values and its values as first recorded, each with
/// the values derived from them: what a report or a yield needs of a batch,
/// from one statement instead of one per use. Without corrections the two
/// are the same and are derived once.
pub fn batch_readings(
    conn: &mut DbConnection,
    batch_id: i64,
    product: &Product,
) -> AppResult<BatchReadings> {
    let all = crate::store::measurements::all_of_batch(conn, batch_id)?;
    let corrected = all.iter().any(|r| r.supersedes.is_some());
    let original = corrected.then(|| {
        all.iter()
            .filter(|r| r.supersedes.is_none())
            .cloned()
            .collect::<Vec<_>>()
    });
    let current = crate::store::measurements::current_among(all);
    let current_uuids = current.iter().map(|r| r.uuid.clone()).collect();
    let current = with_derived(batch_id, current, product)?;
    let original = match original {
        Some(rows) => with_derived(batch_id, rows, product)?,
        None => current.clone(),
    };
    Ok(BatchReadings {
        current,
        original,
        current_uuids,
    })
}

/// The values as first recorded (corrections left out), plus the values
/// derived from them: what a first-pass yield judges.
pub fn original_values(
    conn: &mut DbConnection,
    batch_id: i64,
    product: &Product,
) -> AppResult<Vec<UnitValue>> {
    let originals = crate::store::measurements::originals_of_batch(conn, batch_id)?;
    with_derived(batch_id, originals, product)
}

fn with_derived(
    batch_id: i64,
    rows: Vec<crate::store::measurements::MeasurementRow>,
    product: &Product,
) -> AppResult<Vec<UnitValue>> {
    let mut values: Vec<UnitValue> = rows
        .into_iter()
        .map(|r| UnitValue {
            unit: r.unit,
            characteristic_id: r.characteristic_id,
            value: r.value,
        })
        .collect();
    if let Some(chromaticity) = Chromaticity::of(product)? {
        let points = chromaticity.points(
            values
                .iter()
                .map(|v| (v.unit, v.characteristic_id, v.value)),
        );
        for (unit, point) in points {
            let derived = chromaticity.derive(point).map_err(|_| {
                AppError::internal(format!(
                    "stored chromaticity is not a colour: batch_id {}, unit {}",
                    batch_id, unit
                ))
            })?;
            values.extend(
                derived
                    .into_iter()
                    .map(|(characteristic_id, value)| UnitValue {
                        unit,
                        characteristic_id,
                        value,
                    }),
            );
        }
    }
    Ok(values)
}

/// The colour of one unit of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnitColour {
    pub unit: i64,
    #[serde(flatten)]
    pub colour: ColourAnswer,
}

/// The colour of every unit of a batch with both chromaticity readings
/// (none when the product records no chromaticity).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchColour {
    pub batch_id: i64,
    /// The product's target ellipse, when it has a target.
    pub target: Option<Ellipse>,
    pub units: Vec<UnitColour>,
}

pub fn batch_colour(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: crate::domain::access::Visibility,
) -> AppResult<BatchColour> {
    let batch = super::batches::get_batch(conn, batch_id, visibility)?;
    let order = crate::store::orders::find_order(conn, batch.order_id)?
        .ok_or_else(|| AppError::not_found("order"))?;
    let product = super::catalog::get_product(
        conn,
        order.product_id,
        crate::domain::access::Visibility::Everything,
    )?;
    let Some(chromaticity) = Chromaticity::of(&product)? else {
        // The product records no chromaticity: no unit has a colour.
        return Ok(BatchColour {
            batch_id,
            target: None,
            units: Vec::new(),
        });
    };
    let target = match colour_target(&product.params) {
        Ok(centre) => Some(target_ellipse(centre)?),
        Err(_) => None,
    };
    let readings = current_of_batch(conn, batch_id)?
        .into_iter()
        .map(|r| (r.unit, r.characteristic_id, r.value));
    let units = chromaticity
        .points(readings)
        .into_iter()
        .map(|(unit, point)| {
            Ok(UnitColour {
                unit,
                colour: describe_in(point, target)?,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(BatchColour {
        batch_id,
        target,
        units,
    })
}
