//! Traceability: units carry serial numbers, production batches record the
//! material lots that went into them, and the chain is followed either way:
//! from a material lot forward to every batch, order and customer it
//! touched (a recall), from an order, batch or unit back to its material
//! lots, their suppliers, documents and inspections (a claim).
//!
//! Staff only: suppliers and other customers' orders are the factory's
//! own records.

use super::audit::{self, Actor};
use super::batches::{get_batch, Batch};
use super::materials::{self, MaterialLot, MaterialUsage};
use super::orders::{get_order, Order};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::text::{check, TextKind};
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, Violations};
use crate::service::reports::IssuedReport;
use crate::store::materials::{self as store, SerialRow};
use crate::store::{DbConnection, PageRequest};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use utoipa::ToSchema;

/// The most serials one request assigns.
pub const MAX_SERIALS_PER_REQUEST: usize = 100_000;
const MAX_SERIAL_LEN: usize = 64;

/// Serial numbers for a batch's units: a range (`prefix` then a running
/// number from `first`, one per unit of the lot in unit order), or a list.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignSerials {
    pub range: Option<SerialRange>,
    pub units: Option<Vec<UnitSerial>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SerialRange {
    /// Text before the number, e.g. `HL24-`.
    pub prefix: String,
    /// The number of unit 1.
    pub first: i64,
    /// Digits of the number, padded with zeros (absent: as written).
    pub digits: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitSerial {
    pub unit: i64,
    pub serial: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignedSerials {
    pub batch_id: i64,
    pub assigned: usize,
    /// Units of the batch with a serial, these included.
    pub total: i64,
}

/// Assigns serials to a batch's units; all or none.
pub fn assign_serials(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: AssignSerials,
) -> AppResult<AssignedSerials> {
    let batch = get_batch(conn, batch_id, Visibility::Everything)?;
    let (field, list) = match (request.range, request.units) {
        (Some(range), None) => ("range", serials_of_range(&range, batch.lot_size)?),
        (None, Some(units)) => ("units", units),
        _ => {
            return Err(AppError::invalid(
                "range",
                Message::new("err-serials-range-or-units"),
            ))
        }
    };
    check_serials(conn, &batch, field, &list)?;
    let rows: Vec<SerialRow> = list
        .iter()
        .map(|u| SerialRow {
            id: 0,
            batch_id,
            unit: u.unit,
            serial: u.serial.trim().to_string(),
        })
        .collect();
    for chunk in rows.chunks(1000) {
        store::insert_serials(conn, chunk).on_unique_violation(|| {
            AppError::conflict(
                ErrorCode::SerialExists,
                Message::new("err-serials-meanwhile"),
            )
        })?;
    }
    audit::record(
        conn,
        actor,
        "batch.serials",
        format!("batch/{batch_id}"),
        serde_json::json!({"assigned": rows.len(),
                           "first": rows.first().map(|r| &r.serial),
                           "last": rows.last().map(|r| &r.serial)}),
    )?;
    Ok(AssignedSerials {
        batch_id,
        assigned: rows.len(),
        total: store::serial_count(conn, batch_id)?,
    })
}

fn serials_of_range(range: &SerialRange, lot_size: i64) -> AppResult<Vec<UnitSerial>> {
    let mut problems = Violations::default();
    if range.prefix.chars().count() > 32 {
        problems.add("range.prefix", Message::new("err-too-long").arg("max", 32));
    }
    if let Err(found) = check(&range.prefix, TextKind::Line) {
        problems.add("range.prefix", found);
    }
    if range.first < 0 || range.first.checked_add(lot_size).is_none() {
        problems.add("range.first", Message::new("err-at-least").arg("min", 0));
    }
    if range.digits.is_some_and(|d| !(1..=18).contains(&d)) {
        problems.add(
            "range.digits",
            Message::new("err-integer-between")
                .arg("min", 1)
                .arg("max", 18),
        );
    }
    problems.into_result()?;
    let width = range.digits.unwrap_or(0);
    Ok((1..=lot_size)
        .map(|unit| UnitSerial {
            unit,
            serial: format!("{}{:0width$}", range.prefix, range.first + unit - 1),
        })
        .collect())
}

/// Every serial names a unit of the lot once, is a short line of text,
/// and is free: not used in this request, nor by any unit stored.
fn check_serials(
    conn: &mut DbConnection,
    batch: &Batch,
    field: &str,
    list: &[UnitSerial],
) -> AppResult<()> {
    if list.is_empty() || list.len() > MAX_SERIALS_PER_REQUEST {
        return Err(AppError::invalid(
            field,
            Message::new("err-serials-count").arg("max", MAX_SERIALS_PER_REQUEST),
        ));
    }
    let mut problems = Violations::default();
    let (mut units, mut serials) = (HashSet::new(), HashSet::new());
    for (i, item) in list.iter().enumerate() {
        let at = |name: &str| format!("{field}[{i}].{name}");
        if !(1..=batch.lot_size).contains(&item.unit) {
            problems.add(
                at("unit"),
                Message::new("err-unit-outside-lot")
                    .arg("unit", item.unit)
                    .arg("lot", batch.lot_size),
            );
        } else if !units.insert(item.unit) {
            problems.add(
                at("unit"),
                Message::new("err-unit-appears-twice").arg("unit", item.unit),
            );
        }
        let serial = item.serial.trim();
        if serial.is_empty() {
            problems.add(at("serial"), Message::new("err-empty"));
        } else if serial.chars().count() > MAX_SERIAL_LEN {
            problems.add(
                at("serial"),
                Message::new("err-too-long").arg("max", MAX_SERIAL_LEN),
            );
        } else if let Err(found) = check(serial, TextKind::Line) {
            problems.add(at("serial"), found);
        } else if !serials.insert(serial.to_string()) {
            problems.add(
                at("serial"),
                Message::new("err-serial-twice").arg("serial", serial),
            );
        }
    }
    problems.into_result()?;
    let wanted: Vec<String> = serials.into_iter().collect();
    let taken: BTreeSet<String> = wanted
        .chunks(1000)
        .map(|chunk| store::taken_serials(conn, chunk))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let mut clashes = Violations::default();
    let unit_list: Vec<i64> = units.into_iter().collect();
    let numbered: BTreeSet<i64> = unit_list
        .chunks(1000)
        .map(|chunk| store::units_with_serials(conn, batch.id, chunk))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    for (i, item) in list.iter().enumerate() {
        if taken.contains(item.serial.trim()) {
            clashes.add(
                format!("{field}[{i}].serial"),
                Message::new("err-serial-taken").arg("serial", item.serial.trim()),
            );
        } else if numbered.contains(&item.unit) {
            clashes.add(
                format!("{field}[{i}].unit"),
                Message::new("err-unit-has-serial").arg("unit", item.unit),
            );
        }
    }
    clashes.into_conflict(ErrorCode::SerialExists, Message::new("err-serials-taken"))
}

/// A unit list from a CSV file with the header `unit,serial`.
/// How many of a batch's units have a serial number.
pub fn serial_count(conn: &mut DbConnection, batch_id: i64) -> AppResult<i64> {
    Ok(crate::store::materials::serial_count(conn, batch_id)?)
}

pub fn serials_from_csv(text: &str) -> AppResult<Vec<UnitSerial>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            AppError::invalid("file", Message::new("err-header-unreadable").arg("why", e))
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(unit_at), Some(serial_at)) = (column("unit"), column("serial")) else {
        return Err(AppError::invalid(
            "file",
            Message::new("err-serials-header"),
        ));
    };
    let mut problems = Violations::default();
    let mut list = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.add(
                    format!("rows[{line}]"),
                    Message::at_line(line, Message::new("err-line-unreadable").arg("why", e)),
                );
                continue;
            }
        };
        let (unit, serial) = (record.get(unit_at).unwrap_or(""), record.get(serial_at));
        match unit.parse::<i64>() {
            Ok(unit) => list.push(UnitSerial {
                unit,
                serial: serial.unwrap_or("").to_string(),
            }),
            Err(_) => problems.add(
                format!("rows[{line}].unit"),
                Message::at_cell(
                    line,
                    "unit",
                    Message::new("err-not-a-unit-number").arg("text", unit),
                ),
            ),
        }
    }
    problems.into_result()?;
    Ok(list)
}

/// An order as a trace names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracedOrder {
    pub id: i64,
    pub po_number: String,
    pub customer_id: i64,
    pub customer: String,
}

/// A batch a material lot went into.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracedBatch {
    pub batch: Batch,
    pub order: TracedOrder,
    pub concession: Option<String>,
}

/// Forward from a material lot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialLotTrace {
    pub material_lot: MaterialLot,
    pub batches: Vec<TracedBatch>,
    /// Every order those batches belong to, once each.
    pub orders: Vec<TracedOrder>,
}

/// A batch with the lots that went into it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchTrace {
    pub batch: Batch,
    pub order: TracedOrder,
    pub material_lots: Vec<MaterialUsage>,
}

/// Back from an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderTrace {
    pub order: TracedOrder,
    pub batches: Vec<BatchTrace>,
    /// Every material lot in the order's batches, once each.
    pub material_lots: Vec<MaterialLot>,
}

/// Back from a unit found by its serial.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitTrace {
    pub serial: String,
    pub unit: i64,
    pub batch: Batch,
    pub order: TracedOrder,
    /// Whether the unit was drawn for inspection: its readings are below.
    pub sampled: bool,
    pub readings: Vec<crate::service::measurements::Measurement>,
    pub material_lots: Vec<MaterialUsage>,
    /// The newest issued revision of the order's QC report, if any.
    pub report: Option<IssuedReport>,
}

fn traced_order(conn: &mut DbConnection, order: &Order) -> AppResult<TracedOrder> {
    let customer = super::catalog::get_customer(conn, order.customer_id, Visibility::Everything)?;
    Ok(TracedOrder {
        id: order.id,
        po_number: order.po_number.clone(),
        customer_id: customer.id,
        customer: customer.name,
    })
}

pub fn material_lot(conn: &mut DbConnection, lot_id: i64) -> AppResult<MaterialLotTrace> {
    let material_lot = materials::get_lot(conn, lot_id)?;
    let mut orders = BTreeMap::new();
    let mut batches = Vec::new();
    for usage in store::usages_of_lot(conn, lot_id)? {
        let batch = get_batch(conn, usage.batch_id, Visibility::Everything)?;
        let order = get_order(conn, batch.order_id, Visibility::Everything)?;
        let order = traced_order(conn, &order)?;
        orders.insert(order.id, order.clone());
        batches.push(TracedBatch {
            batch,
            order,
            concession: usage.concession,
        });
    }
    Ok(MaterialLotTrace {
        material_lot,
        batches,
        orders: orders.into_values().collect(),
    })
}

pub fn batch(conn: &mut DbConnection, batch_id: i64) -> AppResult<BatchTrace> {
    let batch = get_batch(conn, batch_id, Visibility::Everything)?;
    let order = get_order(conn, batch.order_id, Visibility::Everything)?;
    Ok(BatchTrace {
        order: traced_order(conn, &order)?,
        material_lots: materials::usages_of_batch(conn, batch_id)?,
        batch,
    })
}

pub fn order(conn: &mut DbConnection, order_id: i64) -> AppResult<OrderTrace> {
    let order = get_order(conn, order_id, Visibility::Everything)?;
    let traced = traced_order(conn, &order)?;
    let mut batches = Vec::new();
    let mut lots = BTreeMap::new();
    for row in crate::store::batches::batches_of_order(conn, order_id)? {
        let usages = materials::usages_of_batch(conn, row.id)?;
        for usage in &usages {
            lots.insert(usage.material_lot.id, usage.material_lot.clone());
        }
        batches.push(BatchTrace {
            batch: Batch::from(row),
            order: traced.clone(),
            material_lots: usages,
        });
    }
    Ok(OrderTrace {
        order: traced,
        batches,
        material_lots: lots.into_values().collect(),
    })
}

/// The unit a serial names, with the readings of `visibility`'s view (a
/// customer's view leaves out the material lots).
pub fn unit(conn: &mut DbConnection, serial: &str, visibility: Visibility) -> AppResult<UnitTrace> {
    let missing =
        || AppError::not_found(Message::new("err-not-found-serial").arg("serial", serial.trim()));
    let row = store::find_serial(conn, serial.trim())?.ok_or_else(missing)?;
    let batch = get_batch(conn, row.batch_id, visibility).map_err(|_| missing())?;
    let order = get_order(conn, batch.order_id, visibility)?;
    let sampled =
        super::plans::find_plan(conn, batch.id)?.is_some_and(|plan| plan.units.contains(&row.unit));
    let readings = if sampled {
        let filter = super::measurements::ListFilter {
            unit: Some(row.unit),
            characteristic: None,
        };
        let page = PageRequest {
            page: 1,
            per_page: 200,
        };
        super::measurements::list(conn, batch.id, visibility, filter, page)?.items
    } else {
        Vec::new()
    };
    let report = super::reports::list(conn, order.id, visibility)?.pop();
    Ok(UnitTrace {
        serial: row.serial,
        unit: row.unit,
        order: traced_order(conn, &order)?,
        sampled,
        readings,
        // The factory's suppliers are its own records.
        material_lots: match visibility {
            Visibility::Everything => materials::usages_of_batch(conn, batch.id)?,
            Visibility::Customer(_) => Vec::new(),
        },
        batch,
        report,
    })
}
