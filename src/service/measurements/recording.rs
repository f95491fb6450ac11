//! Recording readings of sampled units, many per request, all or nothing.

use super::checks::{
    check_reading, chromaticity_problems_beside, context, context_in, CappedProblems, Context,
    Units,
};
use super::frames::BatchFrames;
use super::views::{views_knowing, JustStored, Measurement};
use super::Readings;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::service::audit::{self, Actor};
use crate::service::client_records::{record_all, Recorded as Stored};
use crate::service::colour::store_derived_from;
use crate::service::device_time;
use crate::service::limits::InputLimits;
use crate::store::measurements::{self as store, CodedMeasurement, NewMeasurement, ReadingValue};
use crate::store::{now, reading_ids, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Readings accepted in one request.
pub const MAX_PER_REQUEST: usize = 10_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementInput {
    /// Client-made UUID: sending the same reading again (a retry) stores
    /// nothing twice and answers as the first time. Without one, the
    /// reading is answered under an id the server derives from its row.
    pub id: Option<Uuid>,
    /// Unit number within the lot; must be one of the plan's drawn units.
    pub unit: i64,
    /// Code of a characteristic of the batch's product.
    pub characteristic: String,
    /// The reading, within the plausible range (±1e9 unless the server is
    /// set otherwise); for attribute characteristics 0 (pass) or 1 (fail).
    pub value: f64,
    /// When the reading was taken, by the device's clock (an entry made
    /// offline arrives later); stored beside the time the server received it.
    #[serde(default)]
    pub taken_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordMeasurements {
    pub measurements: Vec<MeasurementInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recorded {
    /// Every reading of the request, in request order.
    pub measurements: Vec<Measurement>,
}

/// Records a request's readings, all or none; a retry with the same ids
/// answers the stored ones (see `client_records`): [`check`] then
/// [`store_checked`], in one transaction.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: RecordMeasurements,
    limits: &InputLimits,
) -> AppResult<Recorded> {
    let checked = check(conn, batch_id, request, limits)?;
    store_checked(conn, actor, checked)
}

/// A request's readings checked against the batch, with the problems
/// found, ready for [`store_checked`].
pub struct CheckedReadings {
    ctx: Context,
    items: Vec<MeasurementInput>,
    units: Vec<i64>,
    problems: CappedProblems,
}

/// Checks a request's readings against the batch (the count, its lot,
/// plan and template), storing nothing. The problems found are answered by
/// [`store_checked`], with those of the units' chromaticity, which it
/// checks against their readings as they are when it stores: one answer
/// lists every problem of a request.
///
/// It may run in a read transaction of its own, before [`store_checked`]
/// in a write (the API does, through [`check_committed`]): what it reads
/// cannot change meanwhile (a batch has one plan, drawn once, its lot size
/// is fixed, and a product's template is never edited); the units'
/// readings, which can, are read by [`store_checked`].
pub fn check(
    conn: &mut DbConnection,
    batch_id: i64,
    request: RecordMeasurements,
    limits: &InputLimits,
) -> AppResult<CheckedReadings> {
    check_in(request, |units| {
        context(conn, batch_id, limits, Units::Only(units))
    })
}

/// [`check`] against the batch's frame as `frames` keeps it, read once
/// for many requests. `conn` must see committed rows only (a reader's, not
/// within a write: see [`BatchFrames::get_or_read`]).
pub(crate) fn check_committed(
    conn: &mut DbConnection,
    frames: &BatchFrames,
    batch_id: i64,
    request: RecordMeasurements,
    limits: &InputLimits,
) -> AppResult<CheckedReadings> {
    check_in(request, |units| {
        let frame = frames.get_or_read(conn, batch_id)?;
        context_in(conn, frame, limits, Units::Only(units))
    })
}

/// [`check`] with the batch's context got for the request's units by
/// `context_of`.
fn check_in(
    request: RecordMeasurements,
    context_of: impl FnOnce(&[i64]) -> AppResult<Context>,
) -> AppResult<CheckedReadings> {
    let items = request.measurements;
    check_count(&items)?;
    let units: Vec<i64> = items
        .iter()
        .map(|item| item.unit)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ctx = context_of(&units)?;
    let problems = item_problems(&ctx, &items);
    Ok(CheckedReadings {
        ctx,
        items,
        units,
        problems,
    })
}

/// Reads every version of the checked units' readings, adds to the
/// problems the request's x and y readings that would not make a colour
/// with the units' current ones, and stores the readings, with the colours
/// of the units whose chromaticity they complete, when there are no
/// problems at all; answers them.
pub fn store_checked(
    conn: &mut DbConnection,
    actor: &Actor,
    mut checked: CheckedReadings,
) -> AppResult<Recorded> {
    let versions = versions_of_units(conn, &checked)?;
    let colour_problems = chromaticity_beside(&checked, &versions);
    add_value_problems(&mut checked.problems, colour_problems);
    std::mem::take(&mut checked.problems).into_result("measurements")?;
    store_beside(conn, actor, checked, versions)
}

/// Every version of the request's units' readings as stored now.
fn versions_of_units(
    conn: &mut DbConnection,
    checked: &CheckedReadings,
) -> AppResult<Vec<ReadingValue>> {
    Ok(store::every_value_of_units(
        conn,
        checked.ctx.batch_id,
        &checked.units,
    )?)
}

/// The request's chromaticity readings that would pair with the units'
/// current stored ones (among `versions`) into a point that is not a colour.
fn chromaticity_beside(
    checked: &CheckedReadings,
    versions: &[ReadingValue],
) -> Vec<(usize, Message)> {
    if checked.ctx.chromaticity.is_none() {
        return Vec::new();
    }
    let current = store::only_current(versions.to_vec());
    chromaticity_problems_beside(
        &checked.ctx,
        &current,
        &known_items(&checked.ctx, &checked.items),
    )
}

/// Stores readings checked beside `versions_before` (every version of
/// their units' readings), then the colours of the units whose
/// chromaticity they complete, and answers them.
fn store_beside(
    conn: &mut DbConnection,
    actor: &Actor,
    checked: CheckedReadings,
    versions_before: Vec<ReadingValue>,
) -> AppResult<Recorded> {
    let CheckedReadings { ctx, items, .. } = checked;
    let batch_id = ctx.batch_id;
    let existing: HashSet<(i64, i64)> = versions_before
        .iter()
        .filter(|r| r.supersedes.is_none())
        .map(|r| (r.unit, r.characteristic_id))
        .collect();
    let stored = store_new(conn, actor, &ctx, &items, &existing)?;
    if let Some(chromaticity) = &ctx.chromaticity {
        let new_rows = || {
            stored
                .new
                .iter()
                .map(|&i| &stored.rows[i].0)
                .filter(|row| chromaticity.is_chromaticity(row.characteristic_id))
        };
        let coloured: BTreeSet<i64> = new_rows().map(|row| row.unit).collect();
        let coloured: Vec<i64> = coloured.into_iter().collect();
        let mut versions = versions_before;
        versions.extend(new_rows().map(ReadingValue::from));
        store_derived_from(conn, chromaticity, batch_id, &coloured, versions)?;
    }
    let stored_ids: HashSet<i64> = stored.new.iter().map(|&i| stored.rows[i].0.id).collect();
    if !stored.new.is_empty() {
        audit::record(
            conn,
            actor,
            "measurements.record",
            format!("batch/{batch_id}"),
            serde_json::json!({"stored": stored.new.len(), "already_stored": items.len() - stored.new.len()}),
        )?;
    }
    Ok(Recorded {
        measurements: views_knowing(
            conn,
            stored.rows,
            Some(JustStored {
                by: actor,
                rows: stored_ids,
            }),
        )?,
    })
}

fn check_count(items: &[MeasurementInput]) -> AppResult<()> {
    if items.is_empty() {
        return Err(AppError::invalid(
            "measurements",
            Message::new("err-readings-none"),
        ));
    }
    if items.len() > MAX_PER_REQUEST {
        return Err(AppError::invalid(
            "measurements",
            Message::new("err-readings-too-many").arg("max", MAX_PER_REQUEST),
        ));
    }
    Ok(())
}

/// The problems of each reading against the batch and the request's others.
fn item_problems(ctx: &Context, items: &[MeasurementInput]) -> CappedProblems {
    let mut problems = CappedProblems::default();
    let mut seen_ids = HashSet::new();
    let mut seen_pairs = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        for (field, message) in check_reading(ctx, item.unit, &item.characteristic, item.value) {
            problems.add(format!("measurements[{i}].{field}"), message);
        }
        if let Err(message) = device_time(item.taken_at) {
            problems.add(format!("measurements[{i}].taken_at"), message);
        }
        if let Some(message) = item.id.and_then(reserved_id_problem) {
            problems.add(format!("measurements[{i}].id"), message);
        } else if item.id.is_some_and(|id| !seen_ids.insert(id)) {
            problems.add(
                format!("measurements[{i}].id"),
                Message::new("err-id-twice"),
            );
        }
        if !seen_pairs.insert((item.unit, item.characteristic.as_str())) {
            problems.add(
                format!("measurements[{i}]"),
                Message::new("err-unit-twice")
                    .arg("unit", item.unit)
                    .arg("code", &item.characteristic),
            );
        }
    }
    problems
}

/// A client may not take an id of the form the server derives for
/// readings stored without one ([`reading_ids`]): it could later name one
/// of them too.
pub(super) fn reserved_id_problem(id: Uuid) -> Option<Message> {
    reading_ids::is_derived(&id)
        .then(|| Message::new("err-id-form-reserved").arg("id", id.to_string()))
}

/// Problems found with the values of the request's readings, by position.
fn add_value_problems(problems: &mut CappedProblems, found: Vec<(usize, Message)>) {
    for (i, message) in found {
        problems.add(format!("measurements[{i}].value"), message);
    }
}

/// The request's readings of characteristics of the template, as
/// `(position, unit, characteristic id, value)`.
fn known_items(ctx: &Context, items: &[MeasurementInput]) -> Vec<(usize, i64, i64, f64)> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let c = ctx.template.get(&item.characteristic)?;
            Some((i, item.unit, c.id, item.value))
        })
        .collect()
}

/// Stores the readings not stored yet; a unit's reading of a
/// characteristic is recorded once (`existing`: the (unit, characteristic
/// id) of the originals stored), and changed only by a correction.
fn store_new(
    conn: &mut DbConnection,
    actor: &Actor,
    ctx: &Context,
    items: &[MeasurementInput],
    existing: &HashSet<(i64, i64)>,
) -> AppResult<Stored<CodedMeasurement>> {
    let recorded_at = now();
    let ids: Vec<Option<Uuid>> = items.iter().map(|item| item.id).collect();
    let is_retry = |i: usize, (row, code): &CodedMeasurement| {
        let item = &items[i];
        row.batch_id == ctx.batch_id
            && row.unit == item.unit
            && *code == item.characteristic
            && row.value.to_bits() == item.value.to_bits()
    };
    let new_row = |i: usize, uuid: Option<String>| {
        let item = &items[i];
        let characteristic = &ctx.template[&item.characteristic];
        if existing.contains(&(item.unit, characteristic.id)) {
            return Err(AppError::conflict(
                ErrorCode::ReadingExists,
                Message::new("err-reading-exists")
                    .arg("unit", item.unit)
                    .arg("code", &item.characteristic),
            )
            .with_field(format!("measurements[{i}]")));
        }
        let row = NewMeasurement {
            uuid,
            batch_id: ctx.batch_id,
            unit: item.unit,
            characteristic_id: characteristic.id,
            value: item.value,
            supersedes: None,
            reason: None,
            recorded_at,
            recorded_by: actor.user_id,
            import_id: None,
            taken_at: device_time(item.taken_at).unwrap_or_default(),
        };
        Ok((row, characteristic.code.clone()))
    };
    record_all::<Readings>(conn, "measurements", &ids, is_retry, new_row, || {
        AppError::conflict(
            ErrorCode::ReadingExists,
            Message::new("err-recorded-meanwhile"),
        )
    })
}
