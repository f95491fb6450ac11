//! What an inspector's tablet needs to record a batch, in one answer (the
//! entry page embeds it and keeps it for work without a connection), and
//! the inspectors' work list: the batches with readings or inspections
//! still to record, with their progress.

use super::colour::{batch_colour, UnitColour};
use super::{batches, catalog, utc};
use crate::domain::access::Visibility;
use crate::domain::batch::Batch;
use crate::domain::message::Message;
use crate::domain::product::{Characteristic, Product, VisualScope};
use crate::error::{AppError, AppResult};
use crate::store::batches::newest_with_plans;
use crate::store::imports::mappings_of_product;
use crate::store::measurements::{current_of_batch, existing_readings};
use crate::store::orders::find_order;
use crate::store::sampling::{plan_of_batch, units_in_draw_order, PlanRow};
use crate::store::visual::{current_inspections, defect_types_of, defects_of, photo_infos};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// A unit's current reading of a characteristic.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetReading {
    /// The reading's UUID (its current version): a correction names it.
    pub id: Uuid,
    pub unit: i64,
    pub characteristic: String,
    pub value: f64,
}

/// A defect type of the product family's catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetDefectType {
    pub code: String,
    pub name: String,
    pub severity: String,
}

/// A unit's current visual inspection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetInspection {
    pub id: Uuid,
    pub unit: i64,
    pub passed: bool,
    /// Defect code → count (empty when the unit passed).
    pub defects: BTreeMap<String, i32>,
    /// Ids of its photos (`/photos/{id}/thumbnail`).
    pub photos: Vec<i64>,
}

/// The final visual inspection's part of the sheet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetVisual {
    /// True when every unit of the lot is inspected (100%); false when the
    /// inspection covers the plan's units.
    pub every_unit: bool,
    pub units_to_inspect: i64,
    pub catalogue: Vec<SheetDefectType>,
    /// Passed units as inclusive ranges `[first, last]` (a lot of 30,000
    /// passed units is one range, not 30,000 entries).
    pub passed: Vec<[i64; 2]>,
    /// Units with defects, with what was found.
    pub failed: Vec<SheetInspection>,
}

/// An instrument whose column mapping is saved for this product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetInstrument {
    pub name: String,
    pub unit_column: String,
    /// CSV header → characteristic code.
    #[schema(value_type = Object)]
    pub mapping: serde_json::Value,
}

/// Everything needed to record a batch's readings and inspections.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Worksheet {
    pub batch: Batch,
    pub po_number: String,
    pub product_code: String,
    pub product_name: String,
    /// The drawn units in the order they were drawn (empty before a plan).
    pub units: Vec<i64>,
    /// The template: recorded characteristics and the derived colour ones,
    /// with units and limits.
    pub characteristics: Vec<Characteristic>,
    pub readings: Vec<SheetReading>,
    /// Colour of each unit with both x and y (CCT, Duv, MacAdam steps,
    /// ANSI C78.377 bin).
    pub colours: Vec<UnitColour>,
    pub visual: SheetVisual,
    pub instruments: Vec<SheetInstrument>,
    /// When this sheet was read: entries made offline against an older
    /// sheet are checked by the server when they arrive.
    pub read_at: DateTime<Utc>,
}

fn product_of(conn: &mut DbConnection, batch: &Batch) -> AppResult<(String, Product)> {
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = catalog::get_product(conn, order.product_id, Visibility::Everything)?;
    Ok((order.po_number, product))
}

fn plan_units(conn: &mut DbConnection, plan: Option<&PlanRow>) -> AppResult<Vec<i64>> {
    Ok(match plan {
        Some(plan) => units_in_draw_order(conn, plan.id)?,
        None => Vec::new(),
    })
}

/// How many units the final visual inspection covers.
fn units_to_inspect(product: &Product, batch: &Batch, plan: Option<&PlanRow>) -> i64 {
    match product.visual_inspection {
        VisualScope::All => batch.lot_size,
        VisualScope::Sample => plan.map_or(0, |p| p.sample_size),
    }
}

/// Consecutive units as inclusive ranges.
fn ranges(mut units: Vec<i64>) -> Vec<[i64; 2]> {
    units.sort_unstable();
    let mut out: Vec<[i64; 2]> = Vec::new();
    for unit in units {
        match out.last_mut() {
            Some(last) if last[1] + 1 == unit => last[1] = unit,
            _ => out.push([unit, unit]),
        }
    }
    out
}

fn parse_uuid(text: &str) -> AppResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| AppError::internal(format!("a stored id is a UUID: {text}")))
}

fn visual_part(
    conn: &mut DbConnection,
    product: &Product,
    batch: &Batch,
    plan: Option<&PlanRow>,
) -> AppResult<SheetVisual> {
    let catalogue = defect_types_of(conn, &product.family)?
        .into_iter()
        .map(|d| SheetDefectType {
            code: d.code,
            name: d.name,
            severity: d.severity,
        })
        .collect();
    let inspections = current_inspections(conn, batch.id)?;
    let failed_ids: Vec<i64> = inspections
        .iter()
        .filter(|i| !i.passed)
        .map(|i| i.id)
        .collect();
    let mut found: HashMap<i64, BTreeMap<String, i32>> = HashMap::new();
    for (defect, code, _) in defects_of(conn, &failed_ids)? {
        *found
            .entry(defect.inspection_id)
            .or_default()
            .entry(code)
            .or_default() += defect.count;
    }
    let mut photos: HashMap<i64, Vec<i64>> = HashMap::new();
    for photo in photo_infos(conn, &failed_ids)? {
        photos
            .entry(photo.inspection_id)
            .or_default()
            .push(photo.id);
    }
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for row in inspections {
        if row.passed {
            passed.push(row.unit);
        } else {
            failed.push(SheetInspection {
                id: parse_uuid(&row.uuid)?,
                unit: row.unit,
                passed: false,
                defects: found.remove(&row.id).unwrap_or_default(),
                photos: photos.remove(&row.id).unwrap_or_default(),
            });
        }
    }
    failed.sort_by_key(|i| i.unit);
    Ok(SheetVisual {
        every_unit: product.visual_inspection == VisualScope::All,
        units_to_inspect: units_to_inspect(product, batch, plan),
        catalogue,
        passed: ranges(passed),
        failed,
    })
}

/// The sheet of one batch, for a caller who may see it.
pub fn worksheet(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<Worksheet> {
    let batch = batches::get_batch(conn, batch_id, visibility)?;
    let (po_number, product) = product_of(conn, &batch)?;
    let plan = plan_of_batch(conn, batch_id)?;
    let codes: HashMap<i64, String> = product
        .characteristics
        .iter()
        .map(|c| (c.id, c.code.clone()))
        .collect();
    let readings = current_of_batch(conn, batch_id)?
        .into_iter()
        .filter_map(|row| {
            let code = codes.get(&row.characteristic_id)?.clone();
            Some(parse_uuid(&row.uuid).map(|id| SheetReading {
                id,
                unit: row.unit,
                characteristic: code,
                value: row.value,
            }))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let mut seen = HashSet::new();
    let instruments = mappings_of_product(conn, product.id)?
        .into_iter()
        .filter(|m| seen.insert(m.instrument.clone()))
        .map(|m| SheetInstrument {
            name: m.instrument,
            unit_column: m.unit_column,
            mapping: serde_json::from_str(&m.column_map).unwrap_or_default(),
        })
        .collect();
    Ok(Worksheet {
        units: plan_units(conn, plan.as_ref())?,
        colours: batch_colour(conn, batch_id, visibility)?.units,
        visual: visual_part(conn, &product, &batch, plan.as_ref())?,
        po_number,
        product_code: product.code.clone(),
        product_name: product.name.clone(),
        characteristics: product.characteristics,
        readings,
        instruments,
        batch,
        read_at: utc(now()),
    })
}

/// A batch on an inspector's work list, with how far its recording is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenBatch {
    pub batch: Batch,
    pub po_number: String,
    pub product_code: String,
    /// Units drawn for readings.
    pub sample_size: i64,
    /// Drawn units with every recorded characteristic read.
    pub units_read: i64,
    pub visual_to_inspect: i64,
    pub visual_inspected: i64,
}

impl OpenBatch {
    pub fn is_done(&self) -> bool {
        self.units_read >= self.sample_size && self.visual_inspected >= self.visual_to_inspect
    }
}

/// How many of the newest batches with a plan the work list looks at.
const WORK_LIST_SCAN: i64 = 200;

/// The batches with readings or inspections still to record, newest first.
pub fn open_batches(
    conn: &mut DbConnection,
    visibility: Visibility,
    limit: usize,
) -> AppResult<Vec<OpenBatch>> {
    let mut open = Vec::new();
    for row in newest_with_plans(conn, WORK_LIST_SCAN)? {
        if open.len() >= limit {
            break;
        }
        let batch = match batches::get_batch(conn, row.id, visibility) {
            Ok(batch) => batch,
            Err(e) if e.code == crate::error::ErrorCode::NotFound => continue,
            Err(e) => return Err(e),
        };
        let progress = progress_of(conn, batch)?;
        if !progress.is_done() {
            open.push(progress);
        }
    }
    Ok(open)
}

fn progress_of(conn: &mut DbConnection, batch: Batch) -> AppResult<OpenBatch> {
    let (po_number, product) = product_of(conn, &batch)?;
    let plan = plan_of_batch(conn, batch.id)?;
    let recorded: HashSet<i64> = product
        .characteristics
        .iter()
        .filter(|c| !c.derived)
        .map(|c| c.id)
        .collect();
    let mut per_unit: HashMap<i64, usize> = HashMap::new();
    for (unit, characteristic_id) in existing_readings(conn, batch.id)? {
        if recorded.contains(&characteristic_id) {
            *per_unit.entry(unit).or_default() += 1;
        }
    }
    let units_read = per_unit.values().filter(|&&n| n >= recorded.len()).count() as i64;
    let visual_inspected = crate::store::visual::inspected_units(conn, batch.id)?.len() as i64;
    Ok(OpenBatch {
        sample_size: if recorded.is_empty() {
            0
        } else {
            plan.as_ref().map_or(0, |p| p.sample_size)
        },
        visual_to_inspect: units_to_inspect(&product, &batch, plan.as_ref()),
        units_read,
        visual_inspected,
        po_number,
        product_code: product.code,
        batch,
    })
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn consecutive_units_make_one_range() {
        assert_eq!(
            ranges(vec![5, 1, 2, 3, 7, 8, 10]),
            vec![[1, 3], [5, 5], [7, 8], [10, 10]]
        );
        assert!(ranges(Vec::new()).is_empty());
    }
}
