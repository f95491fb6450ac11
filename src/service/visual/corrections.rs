//! Corrections of inspections: a new inspection that supersedes the
//! current one, with the defects the unit really has and the reason.

use super::scope::{defect_rows, scope};
use super::views::{find_visible, single, Inspection};
use super::Inspections;
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, Violations};
use crate::service::audit::{self, Actor};
use crate::service::client_records::{fresh_uuid, supersede};
use crate::service::required_free_text;
use crate::store::visual::{self as store, InspectionRow};
use crate::store::{now, DbConnection};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::scope::DefectInput;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectInspection {
    pub id: Option<Uuid>,
    /// The defects the unit really has; empty means it passes.
    #[serde(default)]
    pub defects: Vec<DefectInput>,
    /// Why the inspection is corrected (required).
    pub reason: String,
    /// When the correction was made, by the device's clock.
    #[serde(default)]
    pub taken_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Corrects an inspection: a new one superseding it, with the reason (see
/// `client_records`). Answers whether it was newly stored.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    target: Uuid,
    request: CorrectInspection,
) -> AppResult<(bool, Inspection)> {
    let old = find_visible(conn, target, Visibility::Everything)?;
    let scope = scope(conn, old.batch_id)?;
    let mut problems = Violations::default();
    let reason = required_free_text(&request.reason, 500)
        .map_err(|m| problems.add("reason", m))
        .unwrap_or_default()
        .to_string();
    let taken_at = crate::service::device_time(request.taken_at)
        .map_err(|m| problems.add("taken_at", m))
        .unwrap_or_default();
    let (found, defect_problems) = scope.check_defects(&request.defects);
    for (field, message) in defect_problems {
        problems.add(field, message);
    }
    problems.into_result()?;
    let (new, stored) = supersede::<Inspections>(
        conn,
        request.id,
        old.id,
        |stored| stored.supersedes == Some(old.id),
        || {
            AppError::conflict(
                ErrorCode::AlreadyCorrected,
                Message::new("err-inspection-corrected").arg("id", target),
            )
        },
        |uuid| InspectionRow {
            id: 0,
            uuid: fresh_uuid(uuid),
            batch_id: old.batch_id,
            unit: old.unit,
            passed: found.is_empty(),
            supersedes: Some(old.id),
            reason: Some(reason.clone()),
            recorded_by: actor.user_id,
            recorded_at: now(),
            taken_at,
        },
    )?;
    if new {
        store::insert_defects(conn, &defect_rows(stored.id, &found))?;
        audit::record(
            conn,
            actor,
            "inspections.correct",
            format!("inspection/{}", stored.uuid),
            serde_json::json!({
                "batch_id": old.batch_id, "unit": old.unit, "supersedes": target,
                "was_passed": old.passed, "passed": stored.passed, "reason": reason,
            }),
        )?;
    }
    Ok((new, single(conn, stored)?))
}
