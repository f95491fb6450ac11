//! Recording inspections of units, many per request, all or nothing: a
//! pass, or the defects found.

use super::scope::{defect_rows, scope, CheckedDefect, DefectInput, Scope};
use super::views::{views, Inspection};
use super::Inspections;
use crate::error::{AppError, AppResult, ErrorCode, Violations};
use crate::service::audit::{self, Actor};
use crate::service::client_records::{record_all, Recorded as Stored};
use crate::store::visual::{self as store, DefectRow, InspectionRow};
use crate::store::{now, DbConnection};
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
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInspections {
    pub inspections: Vec<InspectionInput>,
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
    let items = request.inspections;
    if items.is_empty() || items.len() > MAX_PER_REQUEST {
        return Err(AppError::invalid(
            "inspections",
            format!("must hold 1 to {MAX_PER_REQUEST} inspections"),
        ));
    }
    let scope = scope(conn, batch_id)?;
    let checked = check_items(&scope, &items)?;
    let stored = store_new(conn, actor, batch_id, &items, &checked)?;
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
                    format!(
                        "unit {unit} is already inspected; a change must be a correction of that inspection"
                    ),
                )
                .with_field(format!("inspections[{i}].unit")));
            }
            Ok(InspectionRow {
                id: 0,
                uuid,
                batch_id,
                unit,
                passed: checked[i].is_empty(),
                supersedes: None,
                reason: None,
                recorded_by: actor.user_id,
                recorded_at,
            })
        },
        || {
            AppError::conflict(
                ErrorCode::InspectionExists,
                "another request inspected some of these units at the same moment",
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
        if !units.insert(item.unit) {
            problems.add(
                format!("inspections[{i}].unit"),
                format!("unit {} appears twice in this request", item.unit),
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
