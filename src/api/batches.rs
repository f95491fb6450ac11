//! Batches of an order, their readings and statistics.

use super::auth::perm::{ManageOrders, ReadProcess, ReadResults, RecordResults};
use super::auth::Allowed;
use super::catalog::PageQuery;
use super::extract::{page_request, ApiJson};
use crate::error::{AppResult, Problem};
use crate::service::batches::{self, Batch, NewBatch};
use crate::service::colour::{self, BatchColour};
use crate::service::limits::InputLimits;
use crate::service::measurements::{
    self, BatchFrames, CorrectMeasurement, ListFilter, Measurement, MeasurementHistory,
    RecordMeasurements, Recorded,
};
use crate::service::statistics::{self, BatchStatistics};
use crate::service::worksheet::{self, Worksheet};
use crate::service::Page;
use crate::store::{Db, DbConnection};
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_batch)
        .service(list_batches)
        .service(get_batch)
        .service(record_measurements)
        .service(list_measurements)
        .service(get_measurement)
        .service(correct_measurement)
        .service(measurement_history)
        .service(batch_statistics)
        .service(batch_colour)
        .service(batch_worksheet);
}

#[utoipa::path(tag = "batches", request_body = NewBatch,
    responses((status = 201, body = Batch), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/orders/{id}/batches")]
pub async fn create_batch(
    db: web::Data<Db>,
    limits: web::Data<InputLimits>,
    caller: Allowed<ManageOrders>,
    id: web::Path<i64>,
    body: ApiJson<NewBatch>,
) -> AppResult<HttpResponse> {
    let order_id = id.into_inner();
    let batch = db
        .write(move |c| batches::create_batch(c, &caller.actor(), order_id, body.0, &limits))
        .await?;
    Ok(HttpResponse::Created().json(batch))
}

#[utoipa::path(tag = "batches", params(PageQuery),
    responses((status = 200, body = Page<Batch>), (status = 404, body = Problem)))]
#[get("/orders/{id}/batches")]
pub async fn list_batches(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Batch>>> {
    let (order_id, visibility) = (id.into_inner(), caller.visibility());
    let page = page_request(query.page, query.per_page)?;
    Ok(web::Json(
        db.read(move |c| batches::list_batches(c, order_id, visibility, page))
            .await?,
    ))
}

#[utoipa::path(tag = "batches",
    responses((status = 200, body = Batch), (status = 404, body = Problem)))]
#[get("/batches/{id}")]
pub async fn get_batch(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Batch>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| batches::get_batch(c, id, visibility))
            .await?,
    ))
}

/// Records readings of sampled units: all of them or, on any problem, none.
/// Readings in a request checked on the thread that received it.
const CHECKED_WHERE_IT_ARRIVES: usize = 64;

#[utoipa::path(tag = "measurements",
    request_body = RecordMeasurements,
    responses((status = 201, body = Recorded), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/measurements")]
pub async fn record_measurements(
    db: web::Data<Db>,
    limits: web::Data<InputLimits>,
    frames: web::Data<BatchFrames>,
    caller: Allowed<RecordResults>,
    id: web::Path<i64>,
    body: ApiJson<RecordMeasurements>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    // Checked against the batch first, then stored by the writer: on SQLite
    // the writer's one thread is what bounds how many requests are stored
    // a second (BENCHMARKS.md, ingestion), so it does only what needs the
    // write. A small request (a unit's readings, as a tablet sends them) is
    // checked where it arrives (`Db::read_here`); a large one on a
    // blocking thread, so that it holds up no other request.
    let small = body.0.measurements.len() <= CHECKED_WHERE_IT_ARRIVES;
    // The batch's frame (lot, plan, template) is read once for many
    // requests: a reader's connection sees committed rows only.
    let check = move |c: &mut DbConnection| {
        measurements::check_committed(c, &frames, batch_id, body.0, &limits)
    };
    let checked = if small {
        db.read_here(check).await?
    } else {
        db.read(check).await?
    };
    let recorded = db
        .write(move |c| measurements::store_checked(c, &caller.actor(), checked))
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MeasurementQuery {
    pub unit: Option<i64>,
    /// Characteristic code.
    pub characteristic: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Every reading of a batch, oldest first.
#[utoipa::path(tag = "measurements",
    params(MeasurementQuery),
    responses((status = 200, body = Page<Measurement>), (status = 404, body = Problem)))]
#[get("/batches/{id}/measurements")]
pub async fn list_measurements(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<MeasurementQuery>,
) -> AppResult<web::Json<Page<Measurement>>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    let query = query.into_inner();
    let page = page_request(query.page, query.per_page)?;
    let filter = ListFilter {
        unit: query.unit,
        characteristic: query.characteristic,
    };
    Ok(web::Json(
        db.read(move |c| measurements::list(c, batch_id, visibility, filter, page))
            .await?,
    ))
}

#[utoipa::path(tag = "measurements",
    params(("id" = uuid::Uuid, Path, description = "the reading's UUID")),
    responses((status = 200, body = Measurement), (status = 404, body = Problem)))]
#[get("/measurements/{id}")]
pub async fn get_measurement(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<uuid::Uuid>,
) -> AppResult<web::Json<Measurement>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| measurements::get(c, id, visibility))
            .await?,
    ))
}

/// Corrects a reading: stores a new reading that supersedes it, with the
/// reason. The old reading stays readable in the history.
#[utoipa::path(tag = "measurements",
    params(("id" = uuid::Uuid, Path, description = "the UUID of the reading to correct (its current version)")),
    request_body = CorrectMeasurement,
    responses((status = 201, body = Measurement), (status = 200, body = Measurement, description = "a retry of a stored correction"),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/measurements/{id}/corrections")]
pub async fn correct_measurement(
    db: web::Data<Db>,
    limits: web::Data<InputLimits>,
    caller: Allowed<RecordResults>,
    id: web::Path<uuid::Uuid>,
    body: ApiJson<CorrectMeasurement>,
) -> AppResult<HttpResponse> {
    let target = id.into_inner();
    let (created, correction) = db
        .write(move |c| measurements::correct(c, &caller.actor(), target, body.0, &limits))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(correction)
    } else {
        HttpResponse::Ok().json(correction)
    })
}

/// Every version of a unit's reading of a characteristic, original first.
#[utoipa::path(tag = "measurements",
    params(("id" = uuid::Uuid, Path, description = "the UUID of any version of the reading")),
    responses((status = 200, body = MeasurementHistory), (status = 404, body = Problem)))]
#[get("/measurements/{id}/history")]
pub async fn measurement_history(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<uuid::Uuid>,
) -> AppResult<web::Json<MeasurementHistory>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| measurements::history(c, id, visibility))
            .await?,
    ))
}

#[utoipa::path(tag = "measurements",
    responses((status = 200, body = BatchStatistics), (status = 404, body = Problem)))]
#[get("/batches/{id}/statistics")]
pub async fn batch_statistics(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<BatchStatistics>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| statistics::batch_statistics(c, batch_id, visibility))
            .await?,
    ))
}

/// CCT, Duv, ANSI quadrangle and MacAdam steps of every unit with both
/// chromaticity readings (current versions).
#[utoipa::path(tag = "colour",
    responses((status = 200, body = BatchColour), (status = 404, body = Problem)))]
#[get("/batches/{id}/colorimetry")]
pub async fn batch_colour(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<BatchColour>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| colour::batch_colour(c, batch_id, visibility))
            .await?,
    ))
}

/// Everything an inspector's tablet needs to record the batch, in one
/// answer: the drawn units in draw order, the template with its limits,
/// the current readings and colours, the visual inspection so far with the
/// defect catalogue, and the instruments whose CSV mapping is saved.
#[utoipa::path(tag = "measurements",
    responses((status = 200, body = Worksheet), (status = 404, body = Problem)))]
#[get("/batches/{id}/worksheet")]
pub async fn batch_worksheet(
    db: web::Data<Db>,
    caller: Allowed<ReadProcess>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Worksheet>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| worksheet::worksheet(c, batch_id, visibility))
            .await?,
    ))
}
