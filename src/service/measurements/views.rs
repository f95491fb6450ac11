//! Readings as answers: who recorded them and how they link to their
//! corrections, one reading, and a batch's list.

use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, NotFoundAs, OrInternal};
use crate::service::audit::Actor;
use crate::service::catalog::template_of;
use crate::service::{utc, Page};
use crate::store::accounts::usernames;
use crate::store::measurements::{self as store, CodedMeasurement, MeasurementFilter};
use crate::store::orders::find_order;
use crate::store::{DbConnection, PageRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Measurement {
    /// The id the client recorded it under; for a reading imported or sent
    /// without one, the id the server derives from it (UUID version 8,
    /// `6c6f7463-686b-8000-…`), a form clients may not take.
    pub id: Uuid,
    pub batch_id: i64,
    pub unit: i64,
    pub characteristic: String,
    pub value: f64,
    /// When the server received it.
    pub recorded_at: DateTime<Utc>,
    /// When it was taken, by the recording device's clock, if the device
    /// said (entries made offline arrive after they were taken).
    pub taken_at: Option<DateTime<Utc>>,
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

fn parse_uuid(text: &str) -> AppResult<Uuid> {
    Uuid::parse_str(text)
        .map_err(|_| AppError::internal(format!("stored uuid is not a UUID: uuid {}", text)))
}

/// Answers for stored readings, with who recorded them and how they link to
/// their corrections (three lookups for any number of rows).
pub(super) fn views(
    conn: &mut DbConnection,
    rows: Vec<CodedMeasurement>,
) -> AppResult<Vec<Measurement>> {
    views_knowing(conn, rows, None)
}

/// What the answer to a request that stored readings knows without
/// looking: who stored them, and which rows it stored (not yet visible to
/// any other request, so no correction supersedes them yet).
pub(super) struct JustStored<'a> {
    pub by: &'a Actor,
    pub rows: HashSet<i64>,
}

/// [`views`], looking up only what `just_stored` does not tell: a
/// recording request of readings all new reads nothing more.
pub(super) fn views_knowing(
    conn: &mut DbConnection,
    rows: Vec<CodedMeasurement>,
    just_stored: Option<JustStored>,
) -> AppResult<Vec<Measurement>> {
    let is_fresh = |id: i64| just_stored.as_ref().is_some_and(|j| j.rows.contains(&id));
    let recorder = just_stored
        .as_ref()
        .and_then(|j| Some((j.by.user_id?, &j.by.name)));
    let ids: Vec<i64> = rows
        .iter()
        .map(|(row, _)| row.id)
        .filter(|&id| !is_fresh(id))
        .collect();
    let targets: Vec<i64> = rows.iter().filter_map(|(row, _)| row.supersedes).collect();
    let users: Vec<i64> = rows
        .iter()
        .filter_map(|(row, _)| row.recorded_by)
        .filter(|&id| recorder.is_none_or(|(by, _)| by != id))
        .collect();
    let target_uuids: HashMap<i64, String> = store::uuids_of(conn, &targets)?.into_iter().collect();
    let replaced_by: HashMap<i64, String> = store::superseded_by(conn, &ids)?.into_iter().collect();
    let mut usernames: HashMap<i64, String> = usernames(conn, &users)?.into_iter().collect();
    if let Some((id, name)) = recorder {
        usernames.insert(id, name.clone());
    }
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
                taken_at: row.taken_at.map(utc),
                recorded_by: row.recorded_by.and_then(|id| usernames.get(&id).cloned()),
                supersedes: link(&target_uuids, row.supersedes)?,
                reason: row.reason,
                superseded_by: link(&replaced_by, Some(row.id))?,
            })
        })
        .collect()
}

/// A stored reading by its public id, if the caller may see its batch.
pub(super) fn find_visible(
    conn: &mut DbConnection,
    id: Uuid,
    visibility: Visibility,
) -> AppResult<CodedMeasurement> {
    let missing = || AppError::not_found(Message::new("err-not-found-measurement").arg("id", id));
    let found = store::find_by_uuids(conn, &[id.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(missing)?;
    crate::service::batches::get_batch(conn, found.0.batch_id, visibility).not_found_as(missing)?;
    Ok(found)
}

pub(super) fn single(conn: &mut DbConnection, row: CodedMeasurement) -> AppResult<Measurement> {
    views(conn, vec![row])?
        .pop()
        .or_internal("the reading reads back")
}

pub fn get(conn: &mut DbConnection, id: Uuid, visibility: Visibility) -> AppResult<Measurement> {
    let found = find_visible(conn, id, visibility)?;
    single(conn, found)
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
    let batch = crate::service::batches::get_batch(conn, batch_id, visibility)?;
    let characteristic_id = match &filter.characteristic {
        None => None,
        Some(code) => {
            let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
                AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
            })?;
            let template = template_of(conn, order.product_id)?;
            let found = template.iter().find(|c| &c.code == code).ok_or_else(|| {
                AppError::invalid(
                    "characteristic",
                    Message::new("err-not-a-characteristic").arg("code", code),
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
