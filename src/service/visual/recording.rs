//! Recording inspections of units, many per request, all or nothing: a
//! pass, or the defects found.

use super::scope::{defect_rows, scope, CheckedDefect, DefectInput, Scope};
use super::views::{views, Inspection};
use super::Inspections;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, Violations};
use crate::service::audit::{self, Actor};
use crate::service::client_records::{fresh_uuid, record_all, Recorded as Stored};
use crate::service::device_time;
use crate::store::visual::{self as store, DefectRow, InspectionRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

const MAX_PER_REQUEST: usize = 10_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionInput {
    /// Client-made UUID so that a retry stores nothing twice.
    pub id: Option<Uuid>,
    pub unit: i64,
    /// The defects found; empty (or absent) means the unit passed.
    #[serde(default)]
    pub defects: Vec<DefectInput>,
    /// When the unit was inspected, by the device's clock (an entry made
    /// offline arrives later); stored beside the time the server received it.
    #[serde(default)]
    pub taken_at: Option<DateTime<Utc>>,
}

/// A tray of units that all passed, marked in one action: every unit from
/// `first` to `last` that is to be inspected (all of them at 100%, the
/// drawn ones when the product's visual inspection covers the sample).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassedRange {
    /// Client-made UUID of the range; each unit's inspection gets a UUID
    /// derived from it (v5), so a retry stores nothing twice.
    pub id: Uuid,
    pub first: i64,
    pub last: i64,
    #[serde(default)]
    pub taken_at: Option<DateTime<Utc>>,
}

/// Inspections to record: units one by one, a range of passed units, or
/// both; all of them or, on any problem, none.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInspections {
    #[serde(default)]
    pub inspections: Vec<InspectionInput>,
    pub passed_range: Option<PassedRange>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedInspections {
    /// Every inspection of the request, in request order.
    pub inspections: Vec<Inspection>,
}

/// Records inspections of units, all or none; a retry with the same ids
/// answers the stored ones (see `client_records`).
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: RecordInspections,
) -> AppResult<RecordedInspections> {
    let scope = scope(conn, batch_id)?;
    let listed = request.inspections.len();
    let mut items = request.inspections;
    if let Some(range) = &request.passed_range {
        items.extend(expand_range(&scope, range)?);
    }
    if items.is_empty() || items.len() > MAX_PER_REQUEST {
        return Err(AppError::invalid(
            "inspections",
            Message::new("err-inspections-count").arg("max", MAX_PER_REQUEST),
        ));
    }
    // A unit of the range is named as the range's, not by an index the
    // client never sent.
    let name_range = |mut e: AppError| {
        for error in &mut e.errors {
            if index_of(&error.field).is_some_and(|i| i >= listed) {
                error.field = "passed_range".into();
            }
        }
        e
    };
    let checked = check_items(&scope, &items).map_err(name_range)?;
    let stored = store_new(conn, actor, batch_id, &items, &checked).map_err(name_range)?;
    let defects: Vec<DefectRow> = stored
        .new
        .iter()
        .flat_map(|&i| defect_rows(stored.rows[i].id, &checked[i]))
        .collect();
    store::insert_defects(conn, &defects)?;
    if !stored.new.is_empty() {
        audit::record(
            conn,
            actor,
            "inspections.record",
            format!("batch/{batch_id}"),
            serde_json::json!({
                "stored": stored.new.len(),
                "failed": stored.new.iter().filter(|&&i| !stored.rows[i].passed).count(),
                "defects": defects.len(),
            }),
        )?;
    }
    Ok(RecordedInspections {
        inspections: views(conn, stored.rows)?,
    })
}

/// The passed inspections a range stands for, in unit order.
fn expand_range(scope: &Scope, range: &PassedRange) -> AppResult<Vec<InspectionInput>> {
    let mut problems = Violations::default();
    if range.first < 1 {
        problems.add(
            "passed_range.first",
            Message::new("err-at-least").arg("min", 1),
        );
    }
    if range.last < range.first {
        problems.add(
            "passed_range.last",
            Message::new("err-range-last-below-first").arg("first", range.first),
        );
    } else if range.last > i64::from(scope.lot.get()) {
        problems.add(
            "passed_range.last",
            Message::new("err-unit-outside-lot")
                .arg("unit", range.last)
                .arg("lot", scope.lot.get()),
        );
    } else if range.last - range.first >= MAX_PER_REQUEST as i64 {
        problems.add(
            "passed_range.last",
            Message::new("err-range-too-long").arg("max", MAX_PER_REQUEST),
        );
    }
    if let Err(message) = device_time(range.taken_at) {
        problems.add("passed_range.taken_at", message);
    }
    problems.into_result()?;
    let units: Vec<i64> = match &scope.sampled {
        None => (range.first..=range.last).collect(),
        Some(drawn) => {
            let mut units: Vec<i64> = drawn
                .iter()
                .copied()
                .filter(|u| (range.first..=range.last).contains(u))
                .collect();
            units.sort_unstable();
            units
        }
    };
    if units.is_empty() {
        return Err(AppError::invalid(
            "passed_range",
            Message::new("err-range-nothing-drawn")
                .arg("first", range.first)
                .arg("last", range.last),
        ));
    }
    Ok(units
        .into_iter()
        .map(|unit| InspectionInput {
            id: Some(Uuid::new_v5(&range.id, unit.to_string().as_bytes())),
            unit,
            defects: Vec::new(),
            taken_at: range.taken_at,
        })
        .collect())
}

/// The index of `inspections[i]…` in a field's name.
fn index_of(field: &str) -> Option<usize> {
    field
        .strip_prefix("inspections[")?
        .split(']')
        .next()?
        .parse()
        .ok()
}

/// Stores the inspections not stored yet; a unit is inspected once, and
/// changed only by a correction.
fn store_new(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    items: &[InspectionInput],
    checked: &[Vec<CheckedDefect>],
) -> AppResult<Stored<InspectionRow>> {
    let inspected = store::inspected_units(conn, batch_id)?;
    let recorded_at = now();
    let ids: Vec<Option<Uuid>> = items.iter().map(|item| item.id).collect();
    record_all::<Inspections>(
        conn,
        "inspections",
        &ids,
        |i, row| row.batch_id == batch_id && row.unit == items[i].unit,
        |i, uuid| {
            let unit = items[i].unit;
            if inspected.contains(&unit) {
                return Err(AppError::conflict(
                    ErrorCode::InspectionExists,
                    Message::new("err-unit-inspected").arg("unit", unit),
                )
                .with_field(format!("inspections[{i}].unit")));
            }
            Ok(InspectionRow {
                id: 0,
                uuid: fresh_uuid(uuid),
                batch_id,
                unit,
                passed: checked[i].is_empty(),
                supersedes: None,
                reason: None,
                recorded_by: actor.user_id,
                recorded_at,
                taken_at: device_time(items[i].taken_at).unwrap_or_default(),
            })
        },
        || {
            AppError::conflict(
                ErrorCode::InspectionExists,
                Message::new("err-inspected-meanwhile"),
            )
        },
    )
}

/// Checks every inspection against the batch and the request's others;
/// answers each one's findings.
fn check_items(scope: &Scope, items: &[InspectionInput]) -> AppResult<Vec<Vec<CheckedDefect>>> {
    let mut problems = Violations::default();
    let mut checked = Vec::with_capacity(items.len());
    let mut units = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(message) = scope.check_unit(item.unit) {
            problems.add(format!("inspections[{i}].unit"), message);
        }
        if let Err(message) = device_time(item.taken_at) {
            problems.add(format!("inspections[{i}].taken_at"), message);
        }
        if !units.insert(item.unit) {
            problems.add(
                format!("inspections[{i}].unit"),
                Message::new("err-unit-appears-twice").arg("unit", item.unit),
            );
        }
        let (found, defect_problems) = scope.check_defects(&item.defects);
        for (field, message) in defect_problems {
            problems.add(format!("inspections[{i}].{field}"), message);
        }
        checked.push(found);
    }
    problems.into_result()?;
    Ok(checked)
}
