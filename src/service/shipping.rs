//! Pre-shipment inspection of packed goods, after the batch's QC release:
//! cartons drawn by an ISO 2859-1 plan counting nonconformities per 100
//! units (the usual form for packing), each checked against the packing
//! list (units, gross weight), for its packaging condition, and for its
//! labels: the product barcode (GTIN check digit, and equal to the
//! product's GTIN) and the carton marks (PO number, model, quantity). A
//! carton re-checked after it is put right supersedes its earlier check.
//!
//! A batch is ready to ship when its QC decision in force releases it and
//! its pre-shipment inspection passed.

use super::audit::{self, Actor};
use super::batches::get_batch;
use super::calculators::iso2859_plan;
use super::orders::get_order;
use super::{enum_text, parse_enum, utc};
use crate::domain::access::Visibility;
use crate::domain::gtin::Gtin;
use crate::domain::message::Message;
pub use crate::domain::packing::{PackingList, PackingRow};
use crate::domain::sampling::draw::{draw_units, Seed};
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::shipping::{self as store, CartonRow, ShipmentRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShipmentInspection {
    /// Cartons on the packing list.
    pub cartons: i64,
    pub units_per_carton: i64,
    /// Gross weight of a full carton on the packing list, kg.
    pub gross_weight_kg: f64,
    /// How far a carton's weight may stray (absent: 2% of the gross weight).
    pub weight_tolerance_kg: Option<f64>,
    /// Outer volume of a carton, m³.
    pub carton_volume_m3: f64,
    /// The product's GTIN the cartons' barcode must carry.
    pub gtin: String,
    /// AQL in nonconformities per 100 cartons (absent: 4.0).
    pub aql: Option<f64>,
    /// Inspection level (absent: II).
    pub level: Option<String>,
    /// The seed of the cartons' draw, 0 ..= 2^53−1 (absent: a random one,
    /// stored).
    pub seed: Option<i64>,
}

/// Something wrong with a carton's packaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Packaging {
    Crushed,
    Wet,
    ShockProtectionMissing,
    MoistureProtectionMissing,
}

/// What a carton check found wrong, each one nonconformity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CartonFinding {
    UnitCount,
    GrossWeight,
    Crushed,
    Wet,
    ShockProtectionMissing,
    MoistureProtectionMissing,
    /// The barcode is not a GTIN: its check digit (or length) is wrong.
    BarcodeUnreadable,
    /// A valid GTIN, but not the product's.
    BarcodeOtherProduct,
    MarksPo,
    MarksModel,
    MarksQuantity,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartonMarks {
    pub po: String,
    pub model: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCartonCheck {
    /// The carton's number on the packing list.
    pub carton: i64,
    pub units_counted: i64,
    pub gross_weight_kg: f64,
    #[serde(default)]
    pub packaging: Vec<Packaging>,
    /// The product barcode as the hand-held scanner typed it.
    pub barcode: String,
    pub marks: CartonMarks,
    /// The check this one replaces, when the carton was put right.
    pub supersedes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartonCheck {
    pub id: i64,
    pub carton: i64,
    pub units_counted: i64,
    pub gross_weight_kg: f64,
    pub packaging: Vec<Packaging>,
    pub barcode: String,
    pub findings: Vec<CartonFinding>,
    pub nonconformities: i64,
    pub supersedes: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentInspection {
    pub batch_id: i64,
    pub cartons: i64,
    pub units_per_carton: i64,
    pub gross_weight_kg: f64,
    pub weight_tolerance_kg: f64,
    pub carton_volume_m3: f64,
    pub gtin: String,
    pub aql: f64,
    pub code_letter: String,
    /// Cartons to check.
    pub sample_size: i64,
    pub accept: i64,
    pub reject: i64,
    /// The seed the cartons to check were drawn with.
    pub seed: Option<i64>,
    /// The cartons to check, in draw order (empty for an inspection
    /// planned before cartons were drawn: then any may be checked).
    pub drawn: Vec<i64>,
    /// Each carton's check in force.
    pub checks: Vec<CartonCheck>,
    /// Every check recorded, superseded ones too, oldest first.
    pub history: Vec<CartonCheck>,
    pub nonconformities: i64,
    /// Every drawn carton checked.
    pub complete: bool,
    pub passed: bool,
    /// The nonconformities reached the rejection number: the inspection
    /// has failed, whatever the cartons still to check hold.
    pub failed: bool,
}

/// Where a batch stands for shipping.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentStatus {
    pub batch_id: i64,
    /// The QC decision in force releases the batch.
    pub qc_released: bool,
    pub inspection: Option<ShipmentInspection>,
    pub ready_to_ship: bool,
}

/// Plans the batch's pre-shipment inspection from its packing list; only
/// a batch its QC decision released is packed for shipping.
pub fn plan_inspection(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    input: NewShipmentInspection,
) -> AppResult<ShipmentInspection> {
    let batch = get_batch(conn, batch_id, Visibility::Everything)?;
    if !qc_released(conn, batch_id)? {
        return Err(AppError::conflict(
            ErrorCode::NotReleased,
            Message::new("err-shipment-not-released").arg("batch", batch_id),
        ));
    }
    let mut problems = Violations::default();
    let gtin = Gtin::parse(&input.gtin)
        .map_err(|p| problems.add("gtin", p.message()))
        .ok();
    if input.units_per_carton < 1 {
        problems.add(
            "units_per_carton",
            Message::new("err-at-least").arg("min", 1),
        );
    }
    // The last carton may be part full; more units than the batch holds
    // is a packing list of something else.
    let packed = input.cartons.saturating_mul(input.units_per_carton);
    if input.cartons > 0 && input.units_per_carton > 0 && packed > batch.lot_size {
        problems.add(
            "cartons",
            Message::new("err-packed-more-than-lot")
                .arg("cartons", input.cartons)
                .arg("units", input.units_per_carton)
                .arg("packed", packed)
                .arg("lot", batch.lot_size),
        );
    }
    for (field, value) in [
        ("gross_weight_kg", input.gross_weight_kg),
        ("carton_volume_m3", input.carton_volume_m3),
    ] {
        if !(value.is_finite() && value > 0.0 && value < 1e6) {
            problems.add(field, Message::new("err-positive"));
        }
    }
    let tolerance = input
        .weight_tolerance_kg
        .unwrap_or(input.gross_weight_kg * 0.02);
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        problems.add("weight_tolerance_kg", Message::new("err-positive"));
    }
    let seed = match input.seed.map(Seed::parse).transpose() {
        Ok(seed) => seed.unwrap_or_else(Seed::random),
        Err(m) => {
            problems.add("seed", m);
            Seed::random()
        }
    };
    problems.into_result()?;
    let plan = iso2859_plan(
        input.cartons,
        Some(input.aql.unwrap_or(4.0)),
        input.level.as_deref(),
        None,
        Some("nonconformities"),
    )
    .map_err(|mut e| {
        for error in &mut e.errors {
            if error.field == "lot_size" {
                error.field = "cartons".into();
            }
        }
        e
    })?;
    let gtin = gtin.or_internal("a checked GTIN")?;
    let row = ShipmentRow {
        id: 0,
        batch_id,
        cartons: input.cartons,
        units_per_carton: input.units_per_carton,
        gross_weight_kg: input.gross_weight_kg,
        weight_tolerance_kg: tolerance,
        carton_volume_m3: input.carton_volume_m3,
        gtin: gtin.as_gtin14().to_string(),
        aql: plan.aql,
        code_letter: plan.plan.code_letter.to_string(),
        sample_size: plan.plan.sample_size.into(),
        accept: plan.plan.accept.into(),
        reject: plan.plan.reject.into(),
        created_by: actor
            .user_id
            .or_internal("an inspection is planned by a user")?,
        created_at: now(),
        seed: Some(seed.get() as i64),
    };
    store::insert_inspection(conn, &row).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::InspectionExists,
            Message::new("err-shipment-planned").arg("batch", batch_id),
        )
    })?;
    audit::record(
        conn,
        actor,
        "shipment_inspection.plan",
        format!("batch/{batch_id}"),
        serde_json::json!({"cartons": row.cartons, "sample_size": row.sample_size,
                           "accept": row.accept, "gtin": row.gtin, "seed": row.seed}),
    )?;
    inspection(conn, batch_id)?.or_internal("the planned inspection reads back")
}

/// Records one carton's check, its findings computed from what was seen.
pub fn check_carton(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    input: NewCartonCheck,
) -> AppResult<ShipmentInspection> {
    let batch = get_batch(conn, batch_id, Visibility::Everything)?;
    let shipment = store::inspection_of_batch(conn, batch_id)?.ok_or_else(|| {
        AppError::conflict(
            ErrorCode::NoSamplingPlan,
            Message::new("err-shipment-not-planned").arg("batch", batch_id),
        )
    })?;
    let order = get_order(conn, batch.order_id, Visibility::Everything)?;
    let product = super::catalog::get_product(conn, order.product_id, Visibility::Everything)?;
    let mut problems = Violations::default();
    if !(1..=shipment.cartons).contains(&input.carton) {
        problems.add(
            "carton",
            Message::new("err-integer-between")
                .arg("min", 1)
                .arg("max", shipment.cartons),
        );
    }
    if input.units_counted < 0 {
        problems.add("units_counted", Message::new("err-at-least").arg("min", 0));
    }
    if !(input.gross_weight_kg.is_finite() && input.gross_weight_kg >= 0.0) {
        problems.add("gross_weight_kg", Message::new("err-positive"));
    }
    for (field, text) in [
        ("barcode", &input.barcode),
        ("marks.po", &input.marks.po),
        ("marks.model", &input.marks.model),
    ] {
        if text.chars().count() > 200 {
            problems.add(field, Message::new("err-too-long").arg("max", 200));
        } else if let Err(found) =
            crate::domain::text::check(text, crate::domain::text::TextKind::Line)
        {
            problems.add(field, found);
        }
    }
    let drawn = drawn_cartons(&shipment);
    if !drawn.is_empty() && !drawn.contains(&input.carton) {
        problems.add(
            "carton",
            Message::new("err-carton-not-drawn")
                .arg("carton", input.carton)
                .arg("drawn", sorted_list(&drawn)),
        );
    }
    problems.into_result()?;
    let history = store::checks_of(conn, shipment.id)?;
    let in_force = history
        .iter()
        .filter(|c| c.carton == input.carton)
        .filter(|c| !history.iter().any(|later| later.supersedes == Some(c.id)))
        .map(|c| c.id)
        .next();
    if in_force != input.supersedes {
        return Err(match in_force {
            Some(current) => AppError::conflict(
                ErrorCode::InspectionExists,
                Message::new("err-carton-checked")
                    .arg("carton", input.carton)
                    .arg("current", current),
            ),
            None => AppError::invalid("supersedes", Message::new("err-nothing-to-supersede")),
        });
    }
    let findings = findings(&shipment, &order.po_number, &product.code, &input);
    let row = CartonRow {
        id: 0,
        inspection_id: shipment.id,
        carton: input.carton,
        units_counted: input.units_counted,
        gross_weight_kg: input.gross_weight_kg,
        packaging: serde_json::to_string(&input.packaging).or_internal("packaging serialises")?,
        barcode: input.barcode.trim().to_string(),
        marks_po: input.marks.po.trim().to_string(),
        marks_model: input.marks.model.trim().to_string(),
        marks_quantity: input.marks.quantity,
        findings: serde_json::to_string(&findings).or_internal("findings serialise")?,
        nonconformities: findings.len() as i64,
        supersedes: input.supersedes,
        recorded_by: actor.user_id.or_internal("a carton is checked by a user")?,
        recorded_at: now(),
    };
    store::insert_check(conn, &row).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::InspectionExists,
            Message::new("err-carton-checked-meanwhile").arg("carton", input.carton),
        )
    })?;
    audit::record(
        conn,
        actor,
        "shipment_inspection.carton",
        format!("batch/{batch_id}"),
        serde_json::json!({"carton": input.carton, "findings": findings,
                           "supersedes": input.supersedes}),
    )?;
    inspection(conn, batch_id)?.or_internal("the inspection reads back")
}

/// What is wrong with a carton, each finding one nonconformity.
fn findings(
    shipment: &ShipmentRow,
    po_number: &str,
    model: &str,
    input: &NewCartonCheck,
) -> Vec<CartonFinding> {
    let mut found = Vec::new();
    if input.units_counted != shipment.units_per_carton {
        found.push(CartonFinding::UnitCount);
    }
    if (input.gross_weight_kg - shipment.gross_weight_kg).abs() > shipment.weight_tolerance_kg {
        found.push(CartonFinding::GrossWeight);
    }
    let mut packaging = input.packaging.clone();
    packaging.sort_by_key(|p| enum_text(*p));
    packaging.dedup();
    found.extend(packaging.into_iter().map(|p| match p {
        Packaging::Crushed => CartonFinding::Crushed,
        Packaging::Wet => CartonFinding::Wet,
        Packaging::ShockProtectionMissing => CartonFinding::ShockProtectionMissing,
        Packaging::MoistureProtectionMissing => CartonFinding::MoistureProtectionMissing,
    }));
    match Gtin::parse(&input.barcode) {
        Err(_) => found.push(CartonFinding::BarcodeUnreadable),
        Ok(gtin) if gtin.as_gtin14() != shipment.gtin => {
            found.push(CartonFinding::BarcodeOtherProduct)
        }
        Ok(_) => {}
    }
    if !input.marks.po.trim().eq_ignore_ascii_case(po_number) {
        found.push(CartonFinding::MarksPo);
    }
    if !input.marks.model.trim().eq_ignore_ascii_case(model) {
        found.push(CartonFinding::MarksModel);
    }
    if input.marks.quantity != shipment.units_per_carton {
        found.push(CartonFinding::MarksQuantity);
    }
    found
}

/// The batch's pre-shipment inspection, if planned.
pub fn inspection(conn: &mut DbConnection, batch_id: i64) -> AppResult<Option<ShipmentInspection>> {
    let Some(row) = store::inspection_of_batch(conn, batch_id)? else {
        return Ok(None);
    };
    let history: Vec<CartonCheck> = store::checks_of(conn, row.id)?
        .into_iter()
        .map(check_view)
        .collect::<AppResult<_>>()?;
    let superseded: Vec<i64> = history.iter().filter_map(|c| c.supersedes).collect();
    let mut current = BTreeMap::new();
    for check in history.iter().filter(|c| !superseded.contains(&c.id)) {
        current.insert(check.carton, check.clone());
    }
    let checks: Vec<CartonCheck> = current.values().cloned().collect();
    let nonconformities = checks.iter().map(|c| c.nonconformities).sum();
    let drawn = drawn_cartons(&row);
    let complete = if drawn.is_empty() {
        checks.len() as i64 >= row.sample_size
    } else {
        drawn.iter().all(|carton| current.contains_key(carton))
    };
    Ok(Some(ShipmentInspection {
        batch_id,
        cartons: row.cartons,
        units_per_carton: row.units_per_carton,
        gross_weight_kg: row.gross_weight_kg,
        weight_tolerance_kg: row.weight_tolerance_kg,
        carton_volume_m3: row.carton_volume_m3,
        gtin: row.gtin,
        aql: row.aql,
        code_letter: row.code_letter,
        sample_size: row.sample_size,
        accept: row.accept,
        reject: row.reject,
        seed: row.seed,
        drawn,
        passed: complete && nonconformities <= row.accept,
        failed: nonconformities >= row.reject,
        complete,
        nonconformities,
        checks,
        history,
    }))
}

/// The cartons an inspection checks, drawn from its seed as a batch's
/// units are drawn (none without a seed).
fn drawn_cartons(row: &ShipmentRow) -> Vec<i64> {
    let Some(seed) = row.seed.and_then(|s| Seed::parse(s).ok()) else {
        return Vec::new();
    };
    let (Ok(cartons), Ok(sample)) = (u32::try_from(row.cartons), u32::try_from(row.sample_size))
    else {
        return Vec::new();
    };
    draw_units(seed, cartons, sample.min(cartons))
        .into_iter()
        .map(i64::from)
        .collect()
}

/// Carton numbers in order, for a message.
fn sorted_list(cartons: &[i64]) -> String {
    let mut sorted = cartons.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_view(row: CartonRow) -> AppResult<CartonCheck> {
    Ok(CartonCheck {
        id: row.id,
        carton: row.carton,
        units_counted: row.units_counted,
        gross_weight_kg: row.gross_weight_kg,
        packaging: serde_json::from_str::<Vec<String>>(&row.packaging)
            .or_internal("stored packaging parses")?
            .iter()
            .map(|p| parse_enum(p))
            .collect::<AppResult<_>>()?,
        barcode: row.barcode,
        findings: serde_json::from_str::<Vec<String>>(&row.findings)
            .or_internal("stored findings parse")?
            .iter()
            .map(|f| parse_enum(f))
            .collect::<AppResult<_>>()?,
        nonconformities: row.nonconformities,
        supersedes: row.supersedes,
        recorded_at: utc(row.recorded_at),
    })
}

/// Whether the batch's QC decision in force releases it.
pub fn qc_released(conn: &mut DbConnection, batch_id: i64) -> AppResult<bool> {
    Ok(crate::store::dispositions::dispositions_of(conn, batch_id)?
        .pop()
        .is_some_and(|d| d.meaning == "released" || d.meaning == "released_under_concession"))
}

pub fn status(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<ShipmentStatus> {
    get_batch(conn, batch_id, visibility)?;
    let qc_released = qc_released(conn, batch_id)?;
    let inspection = inspection(conn, batch_id)?;
    Ok(ShipmentStatus {
        batch_id,
        ready_to_ship: qc_released && inspection.as_ref().is_some_and(|i| i.passed),
        qc_released,
        inspection,
    })
}

pub fn packing_list(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<PackingList> {
    let order = get_order(conn, order_id, visibility)?;
    let product = super::catalog::get_product(conn, order.product_id, visibility)?;
    let customer = super::catalog::get_customer(conn, order.customer_id, visibility)?.name;
    let mut rows = Vec::new();
    for batch in crate::store::batches::batches_of_order(conn, order_id)? {
        let status = status(conn, batch.id, visibility)?;
        let Some(i) = status.inspection else { continue };
        rows.push(PackingRow {
            batch: batch.number,
            cartons: i.cartons,
            units_per_carton: i.units_per_carton,
            units: i.cartons * i.units_per_carton,
            gross_weight_kg_per_carton: i.gross_weight_kg,
            gross_weight_kg: i.gross_weight_kg * i.cartons as f64,
            volume_m3: i.carton_volume_m3 * i.cartons as f64,
            gtin: i.gtin,
            pre_shipment: if i.passed {
                "passed"
            } else if i.complete || i.failed {
                "failed"
            } else {
                "in_progress"
            },
            ready_to_ship: status.ready_to_ship,
        });
    }
    Ok(PackingList {
        order_id,
        po_number: order.po_number,
        customer,
        product_code: product.code,
        product_name: product.name,
        rows,
    })
}

/// The order's packing list as CSV: one row per batch with a pre-shipment
/// inspection (cartons, units, weights, volume), its result and whether it
/// is ready to ship.
pub fn packing_list_csv(list: &PackingList) -> AppResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "po_number",
        "batch",
        "cartons",
        "units_per_carton",
        "units",
        "gross_weight_kg_per_carton",
        "gross_weight_kg",
        "volume_m3",
        "gtin",
        "pre_shipment",
        "ready_to_ship",
    ];
    out.write_record(header)
        .or_internal("a CSV header writes")?;
    for row in &list.rows {
        out.write_record([
            list.po_number.clone(),
            row.batch.to_string(),
            row.cartons.to_string(),
            row.units_per_carton.to_string(),
            row.units.to_string(),
            row.gross_weight_kg_per_carton.to_string(),
            format!("{:.3}", row.gross_weight_kg),
            format!("{:.3}", row.volume_m3),
            row.gtin.clone(),
            row.pre_shipment.to_string(),
            row.ready_to_ship.to_string(),
        ])
        .or_internal("a CSV row writes")?;
    }
    out.into_inner().or_internal("the CSV flushes")
}
