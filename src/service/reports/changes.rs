//! What a report rests on, and what changed since a revision: the
//! fingerprint that tells whether a new revision is due, and the sentences
//! that tell its reader why.

use crate::domain::access::Visibility;
use crate::domain::digest::hex;
use crate::domain::message::Message;
use crate::error::AppResult;
use crate::report::{BatchReport, QcReport};
use crate::service::charts::Scope;
use crate::store::DbConnection;
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The fingerprint of everything a report rests on: the order, the
/// product's limits, and each batch's plan, current readings and
/// inspections, decision in force, material lots and pre-shipment checks.
pub fn data_hash(conn: &mut DbConnection, order_id: i64) -> AppResult<String> {
    let scope = Scope::of_order(conn, order_id, Visibility::Everything)?;
    let mut hasher = Sha256::new();
    let order = &scope.order;
    hasher.update(format!(
        "order {} {} {} {:?}\n",
        order.id, order.po_number, order.quantity, order.due_date
    ));
    for c in &scope.product.characteristics {
        hasher.update(format!(
            "c {} {:?} {:?} {:?}\n",
            c.code, c.nominal, c.lsl, c.usl
        ));
    }
    for b in &scope.batches {
        let decision = crate::store::dispositions::dispositions_of(conn, b.id)?
            .iter()
            .map(|d| d.id)
            .max();
        hasher.update(format!(
            "b {} {} {} {:?}\n",
            b.id,
            b.lot_size,
            crate::service::dispositions::data_hash(conn, b.id)?,
            decision
        ));
        // The material lots it used and its pre-shipment checks.
        for usage in crate::store::materials::usages_of_batch(conn, b.id)? {
            hasher.update(format!(
                "m {} {:?}\n",
                usage.material_lot_id, usage.concession
            ));
        }
        if let Some(shipment) = crate::store::shipping::inspection_of_batch(conn, b.id)? {
            let checks: Vec<i64> = crate::store::shipping::checks_of(conn, shipment.id)?
                .iter()
                .map(|c| c.id)
                .collect();
            hasher.update(format!("s {} {checks:?}\n", shipment.id));
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// Name and unit of each characteristic, by id.
type Names<'a> = HashMap<i64, (&'a str, &'a str)>;

/// What changed in the order's data since `since`, in sentences.
pub(super) fn changes_since(
    conn: &mut DbConnection,
    report: &QcReport,
    since: NaiveDateTime,
) -> AppResult<Vec<Message>> {
    let names: Names = report
        .heading
        .product
        .characteristics
        .iter()
        .map(|c| (c.id, (c.name.as_str(), c.unit.as_str())))
        .collect();
    let mut changes = Vec::new();
    for b in &report.batches {
        reading_changes(conn, b, since, &names, &mut changes)?;
        inspection_changes(conn, b, since, &mut changes)?;
        decision_changes(b, since, &mut changes);
    }
    if changes.is_empty() {
        changes.push(Message::new("change-order"));
    }
    Ok(changes)
}

/// Each correction of a reading, and how many readings were recorded.
fn reading_changes(
    conn: &mut DbConnection,
    b: &BatchReport,
    since: NaiveDateTime,
    names: &Names,
    changes: &mut Vec<Message>,
) -> AppResult<()> {
    let number = b.batch.number;
    let all = crate::store::measurements::all_of_batch(conn, b.batch.id)?;
    let by_id: HashMap<i64, f64> = all.iter().map(|m| (m.id, m.value)).collect();
    let mut new_readings = 0;
    for m in all.iter().filter(|m| m.recorded_at > since) {
        let Some(old) = m.supersedes else {
            new_readings += 1;
            continue;
        };
        let (name, unit) = names
            .get(&m.characteristic_id)
            .copied()
            .unwrap_or(("?", ""));
        let corrected = Message::new("change-reading-corrected")
            .arg("batch", number)
            .arg("unit", m.unit)
            .arg("name", name)
            .arg("old", by_id.get(&old).map_or("?".into(), |v| v.to_string()))
            .arg("new", format!("{} {unit}", m.value).trim_end());
        changes.push(with_reason(corrected, m.reason.as_deref()));
    }
    if new_readings > 0 {
        changes.push(
            Message::new("change-readings-recorded")
                .arg("batch", number)
                .arg("count", new_readings),
        );
    }
    Ok(())
}

/// Each correction of a visual inspection, and how many units were inspected.
fn inspection_changes(
    conn: &mut DbConnection,
    b: &BatchReport,
    since: NaiveDateTime,
    changes: &mut Vec<Message>,
) -> AppResult<()> {
    let number = b.batch.number;
    let inspections = crate::store::visual::inspections_of_batch(conn, b.batch.id, None)?;
    let mut new_inspections = 0;
    for i in inspections.iter().filter(|i| i.recorded_at > since) {
        match i.supersedes {
            Some(_) => changes.push(with_reason(
                Message::new("change-inspection-corrected")
                    .arg("batch", number)
                    .arg("unit", i.unit),
                i.reason.as_deref(),
            )),
            None => new_inspections += 1,
        }
    }
    if new_inspections > 0 {
        changes.push(
            Message::new("change-units-inspected")
                .arg("batch", number)
                .arg("count", new_inspections),
        );
    }
    Ok(())
}

/// A plan drawn, and each disposition signed.
fn decision_changes(b: &BatchReport, since: NaiveDateTime, changes: &mut Vec<Message>) {
    let number = b.batch.number;
    if let Some(plan) = &b.plan {
        if plan.created_at.naive_utc() > since {
            changes.push(Message::new("change-plan-drawn").arg("batch", number));
        }
    }
    for d in b
        .disposition
        .history
        .iter()
        .filter(|d| d.signed_at.naive_utc() > since)
    {
        changes.push(
            Message::new("change-decision")
                .arg("batch", number)
                .arg("meaning", crate::service::enum_text(d.meaning))
                .arg("by", &d.signed_by),
        );
    }
}

/// A correction's change with the reason given for it (or saying none was).
fn with_reason(change: Message, reason: Option<&str>) -> Message {
    match reason {
        Some(reason) => Message::new("change-with-reason")
            .arg_message("change", change)
            .arg("reason", reason),
        None => Message::new("change-without-reason").arg_message("change", change),
    }
}
