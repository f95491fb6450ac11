//! Sampling plans of batches.

use super::auth::perm::{PlanSampling, ReadProcess, ReadResults};
use super::auth::Allowed;
use super::extract::ApiJson;
use crate::domain::sampling::plan::Plan;
use crate::error::{AppResult, Problem};
use crate::service::limits::InputLimits;
use crate::service::plans;
use crate::service::sampling::{self, PlanRequest};
use crate::service::switching::{
    self, CorrectiveAction, LotResultRequest, SwitchingEvent, SwitchingHistory,
};
use crate::store::Db;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(draw_plan)
        .service(get_plan)
        .service(record_lot_result)
        .service(switching_history)
        .service(corrective_action);
}

/// Draws the batch's sampling plan. A batch has one plan; it is never redrawn.
#[utoipa::path(tag = "sampling",
    request_body = PlanRequest,
    responses((status = 201, body = Plan), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/sampling-plan")]
pub async fn draw_plan(
    db: web::Data<Db>,
    limits: web::Data<InputLimits>,
    caller: Allowed<PlanSampling>,
    id: web::Path<i64>,
    body: ApiJson<PlanRequest>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let plan = db
        .write(move |c| sampling::draw_plan(c, &caller.actor(), batch_id, body.0, &limits))
        .await?;
    Ok(HttpResponse::Created().json(plan))
}

#[utoipa::path(tag = "sampling",
    responses((status = 200, body = Plan), (status = 404, body = Problem)))]
#[get("/batches/{id}/sampling-plan")]
pub async fn get_plan(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Plan>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| plans::get_plan(c, batch_id, visibility))
            .await?,
    ))
}

/// Judges the batch from its readings under its ISO 2859-1 plan and feeds
/// the result to the product's switching rules.
#[utoipa::path(tag = "sampling", request_body = LotResultRequest,
    responses((status = 201, body = SwitchingEvent), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/batches/{id}/lot-result")]
pub async fn record_lot_result(
    db: web::Data<Db>,
    caller: Allowed<PlanSampling>,
    id: web::Path<i64>,
    body: ApiJson<LotResultRequest>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let event = db
        .write(move |c| switching::record_lot_result(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(event))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SwitchingQuery {
    /// The lots of this product received from this supplier (absent: the
    /// product's own lots).
    pub supplier_id: Option<i64>,
}

/// The switching state and history of lot results of a product's lots, or
/// of one supplier's lots of it (staff only: a shared design's history spans
/// several customers' lots).
#[utoipa::path(tag = "sampling", params(SwitchingQuery),
    responses((status = 200, body = SwitchingHistory), (status = 404, body = Problem)))]
#[get("/products/{id}/switching")]
pub async fn switching_history(
    db: web::Data<Db>,
    caller: Allowed<ReadProcess>,
    id: web::Path<i64>,
    query: web::Query<SwitchingQuery>,
) -> AppResult<web::Json<SwitchingHistory>> {
    let stream = switching::Stream {
        product_id: id.into_inner(),
        supplier_id: query.supplier_id,
    };
    let visibility = caller.visibility();
    Ok(web::Json(
        db.read(move |c| switching::history(c, stream, visibility))
            .await?,
    ))
}

/// Resumes discontinued inspection (on tightened) after corrective action.
#[utoipa::path(tag = "sampling",
    request_body = CorrectiveAction,
    responses((status = 201, body = SwitchingEvent), (status = 409, body = Problem)))]
#[post("/products/{id}/switching/corrective-action")]
pub async fn corrective_action(
    db: web::Data<Db>,
    caller: Allowed<PlanSampling>,
    id: web::Path<i64>,
    body: ApiJson<CorrectiveAction>,
) -> AppResult<HttpResponse> {
    let product_id = id.into_inner();
    let event = db
        .write(move |c| switching::record_corrective_action(c, &caller.actor(), product_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(event))
}
