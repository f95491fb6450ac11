//! Inspections as answers: their findings, photos, who recorded them and
//! how they link to their corrections; one inspection, and a batch's lists.

use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, NotFoundAs, OrInternal};
use crate::service::photos::{photo_ref, PhotoRef};
use crate::service::{utc, Page};
use crate::store::accounts::usernames;
use crate::store::visual::{self as store, InspectionRow};
use crate::store::{DbConnection, PageRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub defect: String,
    pub name: String,
    pub severity: Severity,
    pub count: i32,
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
    /// When the server received it.
    pub recorded_at: DateTime<Utc>,
    /// When it was made, by the recording device's clock, if the device said.
    pub taken_at: Option<DateTime<Utc>>,
    pub supersedes: Option<Uuid>,
    pub reason: Option<String>,
    pub superseded_by: Option<Uuid>,
}

/// Inspections answered with their findings, photos and links (a few
/// lookups for any number of rows).
pub(super) fn views(
    conn: &mut DbConnection,
    rows: Vec<InspectionRow>,
) -> AppResult<Vec<Inspection>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut findings = findings_of(conn, &ids)?;
    let mut photos: HashMap<i64, Vec<PhotoRef>> = HashMap::new();
    for photo in store::photo_infos(conn, &ids)? {
        photos
            .entry(photo.inspection_id)
            .or_default()
            .push(photo_ref(photo.id));
    }
    let users: Vec<i64> = rows.iter().filter_map(|r| r.recorded_by).collect();
    let names: HashMap<i64, String> = usernames(conn, &users)?.into_iter().collect();
    let links = Links::of(conn, &rows)?;
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
                taken_at: row.taken_at.map(utc),
                supersedes: links.uuid(row.supersedes.and_then(|id| links.uuid_of.get(&id)))?,
                reason: row.reason,
                superseded_by: links.uuid(links.replaced_by.get(&row.id))?,
            })
        })
        .collect()
}

fn parse(text: &str) -> AppResult<Uuid> {
    Uuid::parse_str(text).or_internal("a stored inspection id is a UUID")
}

/// The findings of each inspection, by its row id.
fn findings_of(conn: &mut DbConnection, ids: &[i64]) -> AppResult<HashMap<i64, Vec<Finding>>> {
    let mut findings: HashMap<i64, Vec<Finding>> = HashMap::new();
    for (defect, code, name) in store::defects_of(conn, ids)? {
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
    Ok(findings)
}

/// Links between the versions of inspections, within their batches.
struct Links {
    /// Client id by row id.
    uuid_of: HashMap<i64, String>,
    /// Client id of the correction that supersedes each row id.
    replaced_by: HashMap<i64, String>,
}

impl Links {
    fn of(conn: &mut DbConnection, rows: &[InspectionRow]) -> AppResult<Links> {
        let batch_ids: HashSet<i64> = rows.iter().map(|r| r.batch_id).collect();
        let mut links = Links {
            uuid_of: HashMap::new(),
            replaced_by: HashMap::new(),
        };
        for batch_id in batch_ids {
            for row in store::inspections_of_batch(conn, batch_id, None)? {
                if let Some(target) = row.supersedes {
                    links.replaced_by.insert(target, row.uuid.clone());
                }
                links.uuid_of.insert(row.id, row.uuid);
            }
        }
        Ok(links)
    }

    fn uuid(&self, text: Option<&String>) -> AppResult<Option<Uuid>> {
        text.map(|u| parse(u)).transpose()
    }
}

/// A stored inspection by client id, if the caller may see its batch.
pub(super) fn find_visible(
    conn: &mut DbConnection,
    id: Uuid,
    visibility: Visibility,
) -> AppResult<InspectionRow> {
    let missing = || AppError::not_found(Message::new("err-not-found-inspection").arg("id", id));
    let row = store::find_inspections_by_uuids(conn, &[id.to_string()])?
        .pop()
        .ok_or_else(missing)?;
    crate::service::batches::get_batch(conn, row.batch_id, visibility).not_found_as(missing)?;
    Ok(row)
}

pub(super) fn single(conn: &mut DbConnection, row: InspectionRow) -> AppResult<Inspection> {
    views(conn, vec![row])?
        .pop()
        .or_internal("the inspection reads back")
}

pub fn get(conn: &mut DbConnection, id: Uuid, visibility: Visibility) -> AppResult<Inspection> {
    let row = find_visible(conn, id, visibility)?;
    single(conn, row)
}

/// Every inspection of a batch (corrected ones too), oldest first.
pub fn list(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
    unit: Option<i64>,
    page: PageRequest,
) -> AppResult<Page<Inspection>> {
    crate::service::batches::get_batch(conn, batch_id, visibility)?;
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

/// The current inspections of a batch that found defects, at most `limit`,
/// for showing on a page.
pub fn current_failed(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
    limit: usize,
) -> AppResult<Vec<Inspection>> {
    crate::service::batches::get_batch(conn, batch_id, visibility)?;
    let failed: Vec<InspectionRow> = store::current_inspections(conn, batch_id)?
        .into_iter()
        .filter(|r| !r.passed)
        .take(limit)
        .collect();
    views(conn, failed)
}
