//! Final visual inspection: the defect catalogue of each product family,
//! inspections of units (pass, or the defects found with severity and
//! count), their corrections, and a batch summary (units passed and failed,
//! defects in Pareto order).

use super::audit::{self, Actor};
use super::catalog::{get_product, Product, VisualScope};
use super::{required_text, utc, Page};
use crate::domain::access::Visibility;
use crate::domain::sampling::LotSize;
pub use crate::domain::summaries::{DefectCount, VisualSummary};
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::accounts::usernames;
use crate::store::orders::find_order;
use crate::store::visual::{self as store, DefectRow, DefectTypeRow, InspectionRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDefectType {
    /// Product family the defect belongs to, e.g. `led-lamp`.
    pub family: String,
    /// Short code used when recording, e.g. `scratch`.
    pub code: String,
    pub name: String,
    /// Severity a finding of this defect has unless the inspector says otherwise.
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DefectType {
    pub id: i64,
    pub family: String,
    pub code: String,
    pub name: String,
    pub severity: Severity,
}

fn defect_type_view(row: DefectTypeRow) -> AppResult<DefectType> {
    Ok(DefectType {
        severity: Severity::parse(&row.severity).or_internal("a stored defect severity parses")?,
        id: row.id,
        family: row.family,
        code: row.code,
        name: row.name,
    })
}

pub fn create_defect_type(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewDefectType,
) -> AppResult<DefectType> {
    let mut problems = Violations::default();
    let family = required_text(&input.family, 64)
        .map_err(|m| problems.add("family", m))
        .unwrap_or_default()
        .to_string();
    let name = required_text(&input.name, 200)
        .map_err(|m| problems.add("name", m))
        .unwrap_or_default()
        .to_string();
    let code = input.code.trim();
    let code_ok = !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if !code_ok {
        problems.add(
            "code",
            "must be 1 to 40 characters of letters, digits, '_' or '-'",
        );
    }
    problems.into_result()?;
    let id = store::insert_defect_type(
        conn,
        &DefectTypeRow {
            id: 0,
            family: family.clone(),
            code: code.to_string(),
            name,
            severity: input.severity.as_str().to_string(),
            created_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::DefectTypeExists,
            format!("family '{family}' already has a defect '{code}'"),
        )
        .with_field("code")
    })?;
    audit::record(
        conn,
        actor,
        "defect_type.create",
        format!("defect_type/{id}"),
        serde_json::json!({"family": family, "code": code, "severity": input.severity.as_str()}),
    )?;
    store::all_defect_types(conn)?
        .into_iter()
        .find(|d| d.id == id)
        .or_internal("the defect type reads back")
        .and_then(defect_type_view)
}

pub fn list_defect_types(
    conn: &mut DbConnection,
    family: Option<&str>,
) -> AppResult<Vec<DefectType>> {
    let rows = match family {
        Some(family) => store::defect_types_of(conn, family)?,
        None => store::all_defect_types(conn)?,
    };
    rows.into_iter().map(defect_type_view).collect()
}

/// One defect found on a unit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefectInput {
    /// Code of a defect in the product family's catalogue.
    pub defect: String,
    /// How many of it (default 1).
    pub count: Option<i32>,
    /// Overrides the catalogue's default severity for this finding.
    pub severity: Option<Severity>,
}

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

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectInspection {
    pub id: Option<Uuid>,
    /// The defects the unit really has; empty means it passes.
    #[serde(default)]
    pub defects: Vec<DefectInput>,
    /// Why the inspection is corrected (required).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub defect: String,
    pub name: String,
    pub severity: Severity,
    pub count: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PhotoRef {
    pub id: i64,
    /// `GET` the original here.
    pub url: String,
    /// `GET` a small JPEG here.
    pub thumbnail_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Inspection {
    pub id: Uuid,
    pub batch_id: i64,
    pub unit: i64,
    pub passed: bool,
    pub defects: Vec<Finding>,
    pub photos: Vec<PhotoRef>,
    pub recorded_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub supersedes: Option<Uuid>,
    pub reason: Option<String>,
    pub superseded_by: Option<Uuid>,
}

/// Inspections answered with their findings, photos and links (a few
/// lookups for any number of rows).
fn views(conn: &mut DbConnection, rows: Vec<InspectionRow>) -> AppResult<Vec<Inspection>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut findings: HashMap<i64, Vec<Finding>> = HashMap::new();
    for (defect, code, name) in store::defects_of(conn, &ids)? {
        findings
            .entry(defect.inspection_id)
            .or_default()
            .push(Finding {
                defect: code,
                name,
                severity: Severity::parse(&defect.severity)
                    .or_internal("a stored defect severity parses")?,
                count: defect.count,
            });
    }
    let mut photos: HashMap<i64, Vec<PhotoRef>> = HashMap::new();
    for photo in store::photo_infos(conn, &ids)? {
        photos
            .entry(photo.inspection_id)
            .or_default()
            .push(photo_ref(photo.id));
    }
    let users: Vec<i64> = rows.iter().filter_map(|r| r.recorded_by).collect();
    let names: HashMap<i64, String> = usernames(conn, &users)?.into_iter().collect();
    // Links between versions, within the batch.
    let batch_ids: HashSet<i64> = rows.iter().map(|r| r.batch_id).collect();
    let mut uuid_of: HashMap<i64, String> = HashMap::new();
    let mut replaced_by: HashMap<i64, String> = HashMap::new();
    for batch_id in batch_ids {
        for row in store::inspections_of_batch(conn, batch_id, None)? {
            if let Some(target) = row.supersedes {
                replaced_by.insert(target, row.uuid.clone());
            }
            uuid_of.insert(row.id, row.uuid);
        }
    }
    let parse = |text: &str| Uuid::parse_str(text).or_internal("a stored inspection id is a UUID");
    rows.into_iter()
        .map(|row| {
            Ok(Inspection {
                id: parse(&row.uuid)?,
                batch_id: row.batch_id,
                unit: row.unit,
                passed: row.passed,
                defects: findings.remove(&row.id).unwrap_or_default(),
                photos: photos.remove(&row.id).unwrap_or_default(),
                recorded_by: row.recorded_by.and_then(|id| names.get(&id).cloned()),
                recorded_at: utc(row.recorded_at),
                supersedes: row
                    .supersedes
                    .and_then(|id| uuid_of.get(&id))
                    .map(|u| parse(u))
                    .transpose()?,
                reason: row.reason,
                superseded_by: replaced_by.get(&row.id).map(|u| parse(u)).transpose()?,
            })
        })
        .collect()
}

pub fn photo_ref(id: i64) -> PhotoRef {
    PhotoRef {
        id,
        url: format!("/api/v1/photos/{id}"),
        thumbnail_url: format!("/api/v1/photos/{id}/thumbnail"),
    }
}

/// What a batch's inspections are checked against.
struct Scope {
    product: Product,
    lot: LotSize,
    /// The plan's units when the product inspects a sample; `None` for 100%.
    sampled: Option<HashSet<i64>>,
    catalogue: HashMap<String, DefectTypeRow>,
}

fn scope(conn: &mut DbConnection, batch_id: i64) -> AppResult<Scope> {
    let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| AppError::not_found("order"))?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let sampled = match product.visual_inspection {
        VisualScope::All => None,
        VisualScope::Sample => {
            let plan = super::plans::find_plan(conn, batch_id)?.ok_or_else(|| {
                AppError::conflict(
                    ErrorCode::NoSamplingPlan,
                    format!(
                        "this product's visual inspection covers the plan's units; \
                         draw batch {batch_id}'s plan first"
                    ),
                )
            })?;
            Some(plan.units.into_iter().collect())
        }
    };
    let catalogue = store::defect_types_of(conn, &product.family)?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    Ok(Scope {
        lot: LotSize::parse(batch.lot_size)
            .map_err(|e| AppError::internal(format!("a stored lot size is valid: {e}")))?,
        product,
        sampled,
        catalogue,
    })
}

const MAX_COUNT: i32 = 10_000;
const MAX_PER_REQUEST: usize = 10_000;

/// A checked finding: (defect type id, severity, count).
type CheckedDefect = (i64, Severity, i32);

/// Checks the defects of one unit; answers the rows to store and the
/// problems as `(field relative to the inspection, message)`.
fn check_defects(
    scope: &Scope,
    defects: &[DefectInput],
) -> (Vec<CheckedDefect>, Vec<(String, String)>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for (j, d) in defects.iter().enumerate() {
        let Some(kind) = scope.catalogue.get(&d.defect) else {
            let known: Vec<&str> = scope.catalogue.keys().map(String::as_str).collect();
            problems.push((
                format!("defects[{j}].defect"),
                format!(
                    "'{}' is not in the '{}' defect catalogue (known: {})",
                    d.defect,
                    scope.product.family,
                    if known.is_empty() {
                        "none yet; an admin adds them".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
            continue;
        };
        let count = d.count.unwrap_or(1);
        if !(1..=MAX_COUNT).contains(&count) {
            problems.push((
                format!("defects[{j}].count"),
                format!("must be between 1 and {MAX_COUNT}"),
            ));
        }
        if !seen.insert(kind.id) {
            problems.push((
                format!("defects[{j}].defect"),
                format!("'{}' is listed twice; give its count instead", d.defect),
            ));
        }
        let severity = d
            .severity
            .or_else(|| Severity::parse(&kind.severity))
            .unwrap_or(Severity::Major);
        rows.push((kind.id, severity, count));
    }
    (rows, problems)
}

fn check_unit(scope: &Scope, unit: i64) -> Option<String> {
    if !scope.lot.contains(unit) {
        Some(format!(
            "unit {unit} is outside the lot (1..={})",
            scope.lot.get()
        ))
    } else if scope.sampled.as_ref().is_some_and(|s| !s.contains(&unit)) {
        Some(format!(
            "unit {unit} was not drawn; this product's visual inspection covers the plan's units"
        ))
    } else {
        None
    }
}

fn defect_rows(inspection_id: i64, found: &[CheckedDefect]) -> Vec<DefectRow> {
    found
        .iter()
        .map(|&(defect_type_id, severity, count)| DefectRow {
            inspection_id,
            defect_type_id,
            severity: severity.as_str().to_string(),
            count,
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedInspections {
    /// Every inspection of the request, in request order.
    pub inspections: Vec<Inspection>,
}

/// Records inspections of units, all or none; a retry with the same ids
/// answers the stored ones.
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
    let mut problems = Violations::default();
    let mut checked = Vec::with_capacity(items.len());
    let mut units = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(message) = check_unit(&scope, item.unit) {
            problems.add(format!("inspections[{i}].unit"), message);
        }
        if !units.insert(item.unit) {
            problems.add(
                format!("inspections[{i}].unit"),
                format!("unit {} appears twice in this request", item.unit),
            );
        }
        let (found, defect_problems) = check_defects(&scope, &item.defects);
        for (field, message) in defect_problems {
            problems.add(format!("inspections[{i}].{field}"), message);
        }
        checked.push(found);
    }
    problems.into_result()?;

    let uuids: Vec<String> = items
        .iter()
        .map(|i| i.id.unwrap_or_else(Uuid::new_v4).to_string())
        .collect();
    let stored: HashMap<String, InspectionRow> = store::find_inspections_by_uuids(conn, &uuids)?
        .into_iter()
        .map(|r| (r.uuid.clone(), r))
        .collect();
    let inspected = store::inspected_units(conn, batch_id)?;
    let recorded_at = now();
    let mut new_rows = Vec::new();
    let mut new_findings = Vec::new();
    for (i, (item, uuid)) in items.iter().zip(&uuids).enumerate() {
        if let Some(row) = stored.get(uuid) {
            if row.batch_id != batch_id || row.unit != item.unit {
                return Err(AppError::conflict(
                    ErrorCode::InspectionIdReused,
                    format!("id {uuid} already names another inspection"),
                )
                .with_field(format!("inspections[{i}].id")));
            }
            continue;
        }
        if inspected.contains(&item.unit) {
            return Err(AppError::conflict(ErrorCode::InspectionExists,
                format!(
                    "unit {} is already inspected; a change must be a correction of that inspection",
                    item.unit
                ),
            )
            .with_field(format!("inspections[{i}].unit")));
        }
        new_rows.push(InspectionRow {
            id: 0,
            uuid: uuid.clone(),
            batch_id,
            unit: item.unit,
            passed: checked[i].is_empty(),
            supersedes: None,
            reason: None,
            recorded_by: actor.user_id,
            recorded_at,
        });
        new_findings.push((uuid.clone(), &checked[i]));
    }
    store::insert_inspections(conn, &new_rows).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::InspectionExists,
            "another request inspected some of these units at the same moment",
        )
    })?;
    let ids: HashMap<String, i64> = store::find_inspections_by_uuids(conn, &uuids)?
        .into_iter()
        .map(|r| (r.uuid, r.id))
        .collect();
    let defects: Vec<DefectRow> = new_findings
        .iter()
        .flat_map(|(uuid, found)| defect_rows(ids[uuid], found))
        .collect();
    store::insert_defects(conn, &defects)?;
    if !new_rows.is_empty() {
        audit::record(
            conn,
            actor,
            "inspections.record",
            format!("batch/{batch_id}"),
            serde_json::json!({
                "stored": new_rows.len(),
                "failed": new_rows.iter().filter(|r| !r.passed).count(),
                "defects": defects.len(),
            }),
        )?;
    }
    let mut by_uuid: HashMap<String, InspectionRow> =
        store::find_inspections_by_uuids(conn, &uuids)?
            .into_iter()
            .map(|r| (r.uuid.clone(), r))
            .collect();
    let rows = uuids
        .iter()
        .map(|u| {
            by_uuid
                .remove(u)
                .or_internal("every inspection asked for was read")
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(RecordedInspections {
        inspections: views(conn, rows)?,
    })
}

/// A stored inspection by client id, if the caller may see its batch.
fn find_visible(
    conn: &mut DbConnection,
    id: Uuid,
    visibility: Visibility,
) -> AppResult<InspectionRow> {
    let missing = || AppError::not_found(format!("inspection {id}"));
    let row = store::find_inspections_by_uuids(conn, &[id.to_string()])?
        .pop()
        .ok_or_else(missing)?;
    super::batches::get_batch(conn, row.batch_id, visibility).map_err(|_| missing())?;
    Ok(row)
}

pub fn get(conn: &mut DbConnection, id: Uuid, visibility: Visibility) -> AppResult<Inspection> {
    let row = find_visible(conn, id, visibility)?;
    views(conn, vec![row])?
        .pop()
        .or_internal("the inspection reads back")
}

/// Corrects an inspection: a new one superseding it, with the reason.
/// Answers whether it was newly stored.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    target: Uuid,
    request: CorrectInspection,
) -> AppResult<(bool, Inspection)> {
    let old = find_visible(conn, target, Visibility::Everything)?;
    let scope = scope(conn, old.batch_id)?;
    let mut problems = Violations::default();
    let reason = super::required_free_text(&request.reason, 500)
        .map_err(|m| problems.add("reason", m))
        .unwrap_or_default()
        .to_string();
    let (found, defect_problems) = check_defects(&scope, &request.defects);
    for (field, message) in defect_problems {
        problems.add(field, message);
    }
    problems.into_result()?;
    let uuid = request.id.unwrap_or_else(Uuid::new_v4).to_string();
    if let Some(stored) = store::find_inspections_by_uuids(conn, std::slice::from_ref(&uuid))?.pop()
    {
        if stored.supersedes != Some(old.id) {
            return Err(AppError::conflict(
                ErrorCode::InspectionIdReused,
                format!("id {uuid} already names another inspection"),
            )
            .with_field("id"));
        }
        return Ok((
            false,
            views(conn, vec![stored])?
                .pop()
                .or_internal("the inspection reads back")?,
        ));
    }
    let already = || {
        AppError::conflict(
            ErrorCode::AlreadyCorrected,
            format!("inspection {target} has already been corrected; correct the current version"),
        )
    };
    if store::is_superseded(conn, old.id)? {
        return Err(already());
    }
    let row = InspectionRow {
        id: 0,
        uuid: uuid.clone(),
        batch_id: old.batch_id,
        unit: old.unit,
        passed: found.is_empty(),
        supersedes: Some(old.id),
        reason: Some(reason.clone()),
        recorded_by: actor.user_id,
        recorded_at: now(),
    };
    store::insert_inspections(conn, std::slice::from_ref(&row)).on_unique_violation(already)?;
    let stored = store::find_inspections_by_uuids(conn, std::slice::from_ref(&uuid))?
        .pop()
        .or_internal("the stored inspection reads back")?;
    store::insert_defects(conn, &defect_rows(stored.id, &found))?;
    audit::record(
        conn,
        actor,
        "inspections.correct",
        format!("inspection/{uuid}"),
        serde_json::json!({
            "batch_id": old.batch_id, "unit": old.unit, "supersedes": target,
            "was_passed": old.passed, "passed": row.passed, "reason": reason,
        }),
    )?;
    Ok((
        true,
        views(conn, vec![stored])?
            .pop()
            .or_internal("the inspection reads back")?,
    ))
}

/// Every inspection of a batch (corrected ones too), oldest first.
pub fn list(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
    unit: Option<i64>,
    page: crate::store::PageRequest,
) -> AppResult<Page<Inspection>> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    let all = store::inspections_of_batch(conn, batch_id, unit)?;
    let total = all.len() as i64;
    let rows: Vec<InspectionRow> = all
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.per_page as usize)
        .collect();
    Ok(Page {
        items: views(conn, rows)?,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// The batch's current inspections (those nothing supersedes), summed up.
pub fn summary(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<VisualSummary> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    let scope = scope(conn, batch_id)?;
    let all = store::inspections_of_batch(conn, batch_id, None)?;
    let superseded: HashSet<i64> = all.iter().filter_map(|r| r.supersedes).collect();
    let current: Vec<&InspectionRow> = all.iter().filter(|r| !superseded.contains(&r.id)).collect();
    let ids: Vec<i64> = current.iter().map(|r| r.id).collect();
    let mut by_defect: BTreeMap<String, DefectCount> = BTreeMap::new();
    let mut classes: HashMap<Severity, HashSet<i64>> = HashMap::new();
    let mut total = 0i64;
    for (defect, code, name) in store::defects_of(conn, &ids)? {
        let severity =
            Severity::parse(&defect.severity).or_internal("a stored defect severity parses")?;
        classes
            .entry(severity)
            .or_default()
            .insert(defect.inspection_id);
        total += i64::from(defect.count);
        let entry = by_defect.entry(code.clone()).or_insert(DefectCount {
            defect: code,
            name,
            severity,
            count: 0,
            units: 0,
        });
        entry.count += i64::from(defect.count);
        entry.units += 1;
        entry.severity = entry.severity.min(severity);
    }
    let mut defects: Vec<DefectCount> = by_defect.into_values().collect();
    defects.sort_by(|a, b| b.count.cmp(&a.count).then(a.defect.cmp(&b.defect)));
    let inspected = current.len() as i64;
    let failed = current.iter().filter(|r| !r.passed).count() as i64;
    let with = |s| classes.get(&s).map_or(0, |units| units.len() as i64);
    Ok(VisualSummary {
        batch_id,
        scope: scope.product.visual_inspection,
        units_to_inspect: scope
            .sampled
            .as_ref()
            .map_or(scope.lot.get() as i64, |s| s.len() as i64),
        units_inspected: inspected,
        units_passed: inspected - failed,
        units_failed: failed,
        units_with_critical: with(Severity::Critical),
        units_with_major: with(Severity::Major),
        units_with_minor: with(Severity::Minor),
        defects_per_hundred_units: (inspected > 0).then(|| 100.0 * total as f64 / inspected as f64),
        defects,
    })
}

/// The current inspections of a batch that found defects, at most `limit`,
/// for showing on a page.
pub fn current_failed(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
    limit: usize,
) -> AppResult<Vec<Inspection>> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    let all = store::inspections_of_batch(conn, batch_id, None)?;
    let superseded: HashSet<i64> = all.iter().filter_map(|r| r.supersedes).collect();
    let failed: Vec<InspectionRow> = all
        .into_iter()
        .filter(|r| !r.passed && !superseded.contains(&r.id))
        .take(limit)
        .collect();
    views(conn, failed)
}
