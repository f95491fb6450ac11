//! Corrections of readings and the history they make: a correction is a
//! new reading that supersedes the current one, with who, when and why;
//! the old reading stays as it was.

use super::checks::{chromaticity_problems, context, value_problem, Context, Units};
use super::recording::reserved_id_problem;
use super::views::{find_visible, single, views, Measurement};
use super::Readings;
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal, Violations};
use crate::service::audit::{self, Actor};
use crate::service::client_records::supersede;
use crate::service::colour::store_derived;
use crate::service::device_time;
use crate::service::limits::InputLimits;
use crate::service::required_free_text;
use crate::store::measurements::{self as store, MeasurementRow, NewMeasurement};
use crate::store::{now, DbConnection};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A correction of a stored reading: a new reading that replaces it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectMeasurement {
    /// Client-made UUID of the correction, so that a retry stores it once.
    pub id: Option<Uuid>,
    /// The corrected value, within the plausible range (±1e9 unless the
    /// server is set otherwise); for attribute characteristics 0 (pass) or 1 (fail).
    pub value: f64,
    /// Why the reading is corrected (required; kept with the correction).
    pub reason: String,
    /// When the correction was made, by the device's clock.
    #[serde(default)]
    pub taken_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every version of one unit's reading of a characteristic.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasurementHistory {
    pub batch_id: i64,
    pub unit: i64,
    pub characteristic: String,
    /// The reading statistics use: the newest version, which nothing supersedes.
    pub current: Uuid,
    /// Original first, then each correction in order.
    pub versions: Vec<Measurement>,
}

/// Every version of the unit/characteristic reading that `id` belongs to.
pub fn history(
    conn: &mut DbConnection,
    id: Uuid,
    visibility: Visibility,
) -> AppResult<MeasurementHistory> {
    let (row, code) = find_visible(conn, id, visibility)?;
    let stored = store::versions_of(conn, row.batch_id, row.unit, row.characteristic_id)?;
    let versions = views(conn, stored)?;
    let current = versions
        .iter()
        .find(|m| m.superseded_by.is_none())
        .or_internal("a reading history has a current version")?
        .id;
    Ok(MeasurementHistory {
        batch_id: row.batch_id,
        unit: row.unit,
        characteristic: code,
        current,
        versions,
    })
}

/// Longest reason kept with a correction.
const MAX_REASON: usize = 500;

/// Records a correction of reading `target`: a new reading that supersedes
/// it, with who, when and why (see `client_records`). Answers whether it
/// was newly stored.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    target: Uuid,
    request: CorrectMeasurement,
    limits: &InputLimits,
) -> AppResult<(bool, Measurement)> {
    let (old, code) = find_visible(conn, target, Visibility::Everything)?;
    let (reason, taken_at, ctx) = check_correction(conn, &old, &code, &request, limits)?;
    let (new, stored) = supersede::<Readings>(
        conn,
        request.id,
        old.id,
        |(row, _)| {
            row.supersedes == Some(old.id)
                && row.value.to_bits() == request.value.to_bits()
                && row.reason.as_deref() == Some(reason.as_str())
        },
        || {
            AppError::conflict(
                ErrorCode::AlreadyCorrected,
                Message::new("err-reading-corrected").arg("id", target),
            )
        },
        |uuid| {
            let row = NewMeasurement {
                uuid,
                batch_id: old.batch_id,
                unit: old.unit,
                characteristic_id: old.characteristic_id,
                value: request.value,
                supersedes: Some(old.id),
                reason: Some(reason.clone()),
                recorded_at: now(),
                recorded_by: actor.user_id,
                import_id: None,
                taken_at,
            };
            (row, code.clone())
        },
    )?;
    if new {
        if let Some(chromaticity) = &ctx.chromaticity {
            if chromaticity.is_chromaticity(old.characteristic_id) {
                store_derived(conn, chromaticity, old.batch_id, &[old.unit])?;
            }
        }
        audit::record(
            conn,
            actor,
            "measurements.correct",
            format!("measurement/{}", stored.0.uuid),
            serde_json::json!({
                "batch_id": old.batch_id,
                "unit": old.unit,
                "characteristic": code,
                "supersedes": target,
                "old_value": old.value,
                "new_value": request.value,
                "reason": reason,
            }),
        )?;
    }
    Ok((new, single(conn, stored)?))
}

/// Checks a correction of `old`, a reading of `code`; answers the reason
/// as kept and what it was checked against.
fn check_correction(
    conn: &mut DbConnection,
    old: &MeasurementRow,
    code: &str,
    request: &CorrectMeasurement,
    limits: &InputLimits,
) -> AppResult<(String, Option<NaiveDateTime>, Context)> {
    let mut problems = Violations::default();
    let reason = required_free_text(&request.reason, MAX_REASON)
        .map_err(|message| problems.add("reason", message))
        .unwrap_or_default()
        .to_string();
    let taken_at = device_time(request.taken_at)
        .map_err(|message| problems.add("taken_at", message))
        .unwrap_or_default();
    if let Some(message) = request.id.and_then(reserved_id_problem) {
        problems.add("id", message);
    }
    let ctx = context(conn, old.batch_id, limits, Units::Only(&[old.unit]))?;
    let characteristic = &ctx.template[code];
    if characteristic.derived {
        problems.add(
            "value",
            Message::new("err-correct-derived").arg("code", code),
        );
    } else if let Some(message) = value_problem(characteristic, request.value, limits) {
        problems.add("value", message);
    } else if let Some((_, message)) = chromaticity_problems(
        conn,
        &ctx,
        &[(0, old.unit, old.characteristic_id, request.value)],
    )?
    .pop()
    {
        problems.add("value", message);
    }
    problems.into_result()?;
    Ok((reason, taken_at, ctx))
}
