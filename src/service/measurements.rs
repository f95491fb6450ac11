//! Recording readings of sampled units, many per request, all or nothing.

use super::audit::{self, Actor};
use super::catalog::{get_product, template_of, Characteristic};
use super::colour::{colour_error, Chromaticity};
use super::{required_free_text, utc, Page};
use crate::domain::access::Visibility;
use crate::domain::sampling::LotSize;
use crate::domain::template::{is_attribute_value, Kind, Quantity};
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::accounts::usernames;
use crate::store::measurements::{
    self as store, CodedMeasurement, MeasurementFilter, MeasurementRow,
};
use crate::store::orders::find_order;
use crate::store::{now, DbConnection, PageRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Readings accepted in one request.
pub const MAX_PER_REQUEST: usize = 10_000;
/// Problems reported in one answer; the rest are summed up.
pub(super) const MAX_REPORTED: usize = 100;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementInput {
    /// Client-made UUID: sending the same reading again (a retry) stores
    /// nothing twice and answers as the first time.
    pub id: Option<Uuid>,
    /// Unit number within the lot; must be one of the plan's drawn units.
    pub unit: i64,
    /// Code of a characteristic of the batch's product.
    pub characteristic: String,
    /// The reading; for attribute characteristics 0 (pass) or 1 (fail).
    pub value: f64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordMeasurements {
    pub measurements: Vec<MeasurementInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Measurement {
    pub id: Uuid,
    pub batch_id: i64,
    pub unit: i64,
    pub characteristic: String,
    pub value: f64,
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (`null` for the system, e.g. the demo loader).
    pub recorded_by: Option<String>,
    /// The reading this one corrects, if it is a correction.
    pub supersedes: Option<Uuid>,
    /// Why the correction was made (corrections only).
    pub reason: Option<String>,
    /// The correction that replaced this reading, if any; statistics use
    /// only readings that nothing supersedes.
    pub superseded_by: Option<Uuid>,
}

/// A correction of a stored reading: a new reading that replaces it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectMeasurement {
    /// Client-made UUID of the correction, so that a retry stores it once.
    pub id: Option<Uuid>,
    /// The corrected value; for attribute characteristics 0 (pass) or 1 (fail).
    pub value: f64,
    /// Why the reading is corrected (required; kept with the correction).
    pub reason: String,
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recorded {
    /// Every reading of the request, in request order.
    pub measurements: Vec<Measurement>,
}

fn parse_uuid(text: &str) -> AppResult<Uuid> {
    Uuid::parse_str(text)
        .map_err(|_| AppError::internal(format!("stored uuid is not a UUID: uuid {}", text)))
}

/// Answers for stored readings, with who recorded them and how they link to
/// their corrections (three lookups for any number of rows).
fn views(conn: &mut DbConnection, rows: Vec<CodedMeasurement>) -> AppResult<Vec<Measurement>> {
    let ids: Vec<i64> = rows.iter().map(|(row, _)| row.id).collect();
    let targets: Vec<i64> = rows.iter().filter_map(|(row, _)| row.supersedes).collect();
    let users: Vec<i64> = rows.iter().filter_map(|(row, _)| row.recorded_by).collect();
    let target_uuids: HashMap<i64, String> = store::uuids_of(conn, &targets)?.into_iter().collect();
    let replaced_by: HashMap<i64, String> = store::superseded_by(conn, &ids)?.into_iter().collect();
    let usernames: HashMap<i64, String> = usernames(conn, &users)?.into_iter().collect();
    let link = |map: &HashMap<i64, String>, id: Option<i64>| -> AppResult<Option<Uuid>> {
        id.and_then(|id| map.get(&id))
            .map(|uuid| parse_uuid(uuid))
            .transpose()
    };
    rows.into_iter()
        .map(|(row, code)| {
            Ok(Measurement {
                id: parse_uuid(&row.uuid)?,
                batch_id: row.batch_id,
                unit: row.unit,
                characteristic: code,
                value: row.value,
                recorded_at: utc(row.recorded_at),
                recorded_by: row.recorded_by.and_then(|id| usernames.get(&id).cloned()),
                supersedes: link(&target_uuids, row.supersedes)?,
                reason: row.reason,
                superseded_by: link(&replaced_by, Some(row.id))?,
            })
        })
        .collect()
}

/// The batch's lot, drawn units and template: what every reading is checked against.
pub(super) struct Context {
    pub batch_id: i64,
    pub product_id: i64,
    lot: LotSize,
    sampled: HashSet<i64>,
    pub template: HashMap<String, Characteristic>,
    pub codes: String,
    chromaticity: Option<Chromaticity>,
}

pub(super) fn context(conn: &mut DbConnection, batch_id: i64) -> AppResult<Context> {
    let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let plan = super::plans::find_plan(conn, batch_id)?.ok_or_else(|| {
        AppError::conflict(
            ErrorCode::NoSamplingPlan,
            format!("batch {batch_id} has no sampling plan yet; draw it before recording readings"),
        )
    })?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| AppError::not_found("order"))?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let chromaticity = Chromaticity::of(&product)?;
    let characteristics = product.characteristics;
    let codes = characteristics
        .iter()
        .map(|c| c.code.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Context {
        batch_id,
        product_id: order.product_id,
        chromaticity,
        lot: LotSize::parse(batch.lot_size)
            .map_err(|e| AppError::internal(format!("a stored lot size is valid: {e}")))?,
        sampled: plan.units.into_iter().collect(),
        template: characteristics
            .into_iter()
            .map(|c| (c.code.clone(), c))
            .collect(),
        codes,
    })
}

/// Checks one reading against the batch; answers `(field, message)` problems.
pub(super) fn check_item(ctx: &Context, item: &MeasurementInput) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if !ctx.lot.contains(item.unit) {
        problems.push((
            "unit",
            format!(
                "unit {} is outside the lot (1..={})",
                item.unit,
                ctx.lot.get()
            ),
        ));
    } else if !ctx.sampled.contains(&item.unit) {
        problems.push((
            "unit",
            format!(
                "unit {} was not drawn for inspection in this batch",
                item.unit
            ),
        ));
    }
    match ctx.template.get(&item.characteristic) {
        None => problems.push((
            "characteristic",
            format!(
                "'{}' is not a characteristic of this product (known: {})",
                item.characteristic, ctx.codes
            ),
        )),
        Some(c) if c.derived => problems.push((
            "characteristic",
            format!(
                "'{}' is derived from the unit's chromaticity x and y; record those instead",
                c.code
            ),
        )),
        Some(c) => problems.extend(value_problem(c, item.value).map(|m| ("value", m))),
    }
    problems
}

/// New chromaticity readings, `(position in the request, unit,
/// characteristic id, value)`, that would pair with the unit's other
/// coordinate (from the request or stored) into a point that is not a
/// colour; answers the positions with the reason.
pub(super) fn chromaticity_problems(
    conn: &mut DbConnection,
    ctx: &Context,
    new: &[(usize, i64, i64, f64)],
) -> AppResult<Vec<(usize, String)>> {
    let Some(chromaticity) = &ctx.chromaticity else {
        return Ok(Vec::new());
    };
    let new: Vec<_> = new
        .iter()
        .filter(|(_, _, id, _)| chromaticity.is_chromaticity(*id))
        .collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    // Stored current values first, then the request's on top of them.
    let stored = store::current_of_batch(conn, ctx.batch_id)?
        .into_iter()
        .filter(|r| chromaticity.is_chromaticity(r.characteristic_id))
        .map(|r| (r.unit, r.characteristic_id, r.value));
    let points = chromaticity.points(stored.chain(new.iter().map(|&&(_, u, c, v)| (u, c, v))));
    Ok(new
        .iter()
        .filter_map(|&&(position, unit, _, _)| {
            let point = points.get(&unit)?;
            let error = chromaticity.derive(*point).err()?;
            let reason = colour_error(error, "value").detail;
            Some((
                position,
                format!("unit {unit}: x = {}, y = {}: {reason}", point.x, point.y),
            ))
        })
        .collect())
}

/// What is wrong with a value for this characteristic, if anything.
fn value_problem(characteristic: &Characteristic, value: f64) -> Option<String> {
    if !value.is_finite() {
        Some("must be a finite number".into())
    } else if characteristic.kind == Kind::Attribute && !is_attribute_value(value) {
        Some("an attribute reading is 0 (pass) or 1 (fail)".into())
    } else if matches!(
        characteristic.quantity,
        Some(Quantity::CieX | Quantity::CieY)
    ) && !(0.0..1.0).contains(&value)
    {
        Some("a chromaticity coordinate lies between 0 and 1".into())
    } else {
        None
    }
}

pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: RecordMeasurements,
) -> AppResult<Recorded> {
    let items = request.measurements;
    if items.is_empty() {
        return Err(AppError::invalid(
            "measurements",
            "must hold at least one reading",
        ));
    }
    if items.len() > MAX_PER_REQUEST {
        return Err(AppError::invalid(
            "measurements",
            format!("at most {MAX_PER_REQUEST} readings per request; send the rest in another"),
        ));
    }
    let ctx = context(conn, batch_id)?;
    let mut problems = Violations::default();
    let mut reported = 0;
    let mut report = |problems: &mut Violations, field: String, message: String| {
        reported += 1;
        if reported <= MAX_REPORTED {
            problems.add(field, message);
        }
    };
    let mut seen_ids = HashSet::new();
    let mut seen_pairs = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        for (field, message) in check_item(&ctx, item) {
            report(&mut problems, format!("measurements[{i}].{field}"), message);
        }
        if item.id.is_some_and(|id| !seen_ids.insert(id)) {
            report(
                &mut problems,
                format!("measurements[{i}].id"),
                "is used twice in this request".into(),
            );
        }
        if !seen_pairs.insert((item.unit, item.characteristic.as_str())) {
            report(
                &mut problems,
                format!("measurements[{i}]"),
                format!(
                    "unit {} / {} appears twice in this request",
                    item.unit, item.characteristic
                ),
            );
        }
    }
    let chromaticity_items: Vec<_> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let c = ctx.template.get(&item.characteristic)?;
            Some((i, item.unit, c.id, item.value))
        })
        .collect();
    for (i, message) in chromaticity_problems(conn, &ctx, &chromaticity_items)? {
        report(&mut problems, format!("measurements[{i}].value"), message);
    }
    if reported > MAX_REPORTED {
        problems.add(
            "measurements",
            format!("{} more problems not listed", reported - MAX_REPORTED),
        );
    }
    problems.into_result()?;

    // A retry: readings already stored under their client ids.
    let given_ids: Vec<String> = items
        .iter()
        .filter_map(|m| m.id)
        .map(|id| id.to_string())
        .collect();
    let stored: HashMap<String, CodedMeasurement> = store::find_by_uuids(conn, &given_ids)?
        .into_iter()
        .map(|m| (m.0.uuid.clone(), m))
        .collect();
    let existing_pairs: HashSet<(i64, i64)> = store::existing_readings(conn, batch_id)?
        .into_iter()
        .collect();
    let recorded_at = now();
    let mut new_rows = Vec::new();
    let mut answer_uuids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let characteristic = &ctx.template[&item.characteristic];
        let uuid = item.id.unwrap_or_else(Uuid::new_v4).to_string();
        if let Some((row, code)) = stored.get(&uuid) {
            let same = row.batch_id == batch_id
                && row.unit == item.unit
                && *code == item.characteristic
                && row.value.to_bits() == item.value.to_bits();
            if !same {
                return Err(AppError::conflict(
                    ErrorCode::MeasurementIdReused,
                    format!("id {uuid} already names a different reading"),
                )
                .with_field(format!("measurements[{i}].id")));
            }
        } else if existing_pairs.contains(&(item.unit, characteristic.id)) {
            return Err(AppError::conflict(
                ErrorCode::ReadingExists,
                format!(
                    "unit {} already has a {} reading; a correction must supersede it",
                    item.unit, item.characteristic
                ),
            )
            .with_field(format!("measurements[{i}]")));
        } else {
            new_rows.push(MeasurementRow {
                id: 0,
                uuid: uuid.clone(),
                batch_id,
                unit: item.unit,
                characteristic_id: characteristic.id,
                value: item.value,
                supersedes: None,
                reason: None,
                recorded_at,
                recorded_by: actor.user_id,
                import_id: None,
            });
        }
        answer_uuids.push(uuid);
    }
    store::insert_measurements(conn, &new_rows).on_unique_violation(|| {
        AppError::conflict(ErrorCode::ReadingExists,
            "another request recorded some of these readings at the same moment; retry with the same ids",
        )
    })?;
    if !new_rows.is_empty() {
        audit::record(
            conn,
            actor,
            "measurements.record",
            format!("batch/{batch_id}"),
            serde_json::json!({"stored": new_rows.len(), "already_stored": items.len() - new_rows.len()}),
        )?;
    }
    let mut by_uuid: HashMap<String, CodedMeasurement> = store::find_by_uuids(conn, &answer_uuids)?
        .into_iter()
        .map(|m| (m.0.uuid.clone(), m))
        .collect();
    let rows = answer_uuids
        .iter()
        .map(|uuid| {
            by_uuid
                .remove(uuid)
                .or_internal("every reading asked for was read")
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Recorded {
        measurements: views(conn, rows)?,
    })
}

/// A stored reading by client id, if the caller may see its batch.
fn find_visible(
    conn: &mut DbConnection,
    id: Uuid,
    visibility: Visibility,
) -> AppResult<CodedMeasurement> {
    let missing = || AppError::not_found(format!("measurement {id}"));
    let found = store::find_by_uuids(conn, &[id.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(missing)?;
    super::batches::get_batch(conn, found.0.batch_id, visibility).map_err(|_| missing())?;
    Ok(found)
}

fn single(conn: &mut DbConnection, row: CodedMeasurement) -> AppResult<Measurement> {
    views(conn, vec![row])?
        .pop()
        .or_internal("the reading reads back")
}

pub fn get(conn: &mut DbConnection, id: Uuid, visibility: Visibility) -> AppResult<Measurement> {
    let found = find_visible(conn, id, visibility)?;
    single(conn, found)
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
/// it, with who, when and why. The old reading stays as it was. Only the
/// current version can be corrected, so two people correcting the same
/// reading at once cannot both win silently; a retry with the same client
/// id answers the stored correction. Answers whether it was newly stored.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    target: Uuid,
    request: CorrectMeasurement,
) -> AppResult<(bool, Measurement)> {
    let (old, code) = find_visible(conn, target, Visibility::Everything)?;
    let mut problems = Violations::default();
    let reason = match required_free_text(&request.reason, MAX_REASON) {
        Ok(reason) => Some(reason.to_string()),
        Err(message) => {
            problems.add("reason", message);
            None
        }
    };
    let ctx = context(conn, old.batch_id)?;
    let characteristic = &ctx.template[&code];
    if characteristic.derived {
        problems.add(
            "value",
            format!("'{code}' is derived from the unit's chromaticity; correct x or y instead"),
        );
    } else if let Some(message) = value_problem(characteristic, request.value) {
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
    let reason = reason.unwrap_or_default();

    let uuid = request.id.unwrap_or_else(Uuid::new_v4).to_string();
    if let Some(stored) = store::find_by_uuids(conn, std::slice::from_ref(&uuid))?.pop() {
        let same = stored.0.supersedes == Some(old.id)
            && stored.0.value.to_bits() == request.value.to_bits()
            && stored.0.reason.as_deref() == Some(reason.as_str());
        if !same {
            return Err(AppError::conflict(
                ErrorCode::MeasurementIdReused,
                format!("id {uuid} already names a different reading"),
            )
            .with_field("id"));
        }
        return Ok((false, single(conn, stored)?));
    }
    let already_corrected = || {
        AppError::conflict(
            ErrorCode::AlreadyCorrected,
            format!(
                "reading {target} has already been corrected; correct the current version \
                 (see /api/v1/measurements/{target}/history)"
            ),
        )
    };
    if !store::superseded_by(conn, &[old.id])?.is_empty() {
        return Err(already_corrected());
    }
    let row = MeasurementRow {
        id: 0,
        uuid: uuid.clone(),
        batch_id: old.batch_id,
        unit: old.unit,
        characteristic_id: old.characteristic_id,
        value: request.value,
        supersedes: Some(old.id),
        reason: Some(reason.clone()),
        recorded_at: now(),
        recorded_by: actor.user_id,
        import_id: None,
    };
    store::insert_measurements(conn, std::slice::from_ref(&row))
        .on_unique_violation(already_corrected)?;
    audit::record(
        conn,
        actor,
        "measurements.correct",
        format!("measurement/{uuid}"),
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
    let stored = store::find_by_uuids(conn, &[uuid])?
        .pop()
        .or_internal("the stored correction reads back")?;
    Ok((true, single(conn, stored)?))
}

/// Filters of the reading list as a client gives them.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub unit: Option<i64>,
    pub characteristic: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
    filter: ListFilter,
    page: PageRequest,
) -> AppResult<Page<Measurement>> {
    let batch = super::batches::get_batch(conn, batch_id, visibility)?;
    let characteristic_id = match &filter.characteristic {
        None => None,
        Some(code) => {
            let order =
                find_order(conn, batch.order_id)?.ok_or_else(|| AppError::not_found("order"))?;
            let template = template_of(conn, order.product_id)?;
            let found = template.iter().find(|c| &c.code == code).ok_or_else(|| {
                AppError::invalid(
                    "characteristic",
                    format!("'{code}' is not a characteristic of this product"),
                )
            })?;
            Some(found.id)
        }
    };
    let store_filter = MeasurementFilter {
        unit: filter.unit,
        characteristic_id,
    };
    let rows = store::list_of_batch(conn, batch_id, &store_filter, page)?;
    let items = views(conn, rows.items)?;
    Ok(Page {
        items,
        page: page.page,
        per_page: page.per_page,
        total: rows.total,
    })
}
