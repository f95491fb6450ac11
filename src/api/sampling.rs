//! Sampling plans of batches.

use super::auth::perm::{PlanSampling, ReadResults};
use super::auth::Allowed;
use super::extract::ApiJson;
use crate::error::{AppResult, Problem};
use crate::service::sampling::{self, Plan, PlanRequest};
use crate::store::Db;
use actix_web::{get, post, web, HttpResponse};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(draw_plan).service(get_plan);
}

/// Draws the batch's sampling plan. A batch has one plan; it is never redrawn.
#[utoipa::path(post, path = "/api/v1/batches/{id}/sampling-plan", tag = "sampling",
    request_body = PlanRequest,
    responses((status = 201, body = Plan), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/sampling-plan")]
pub async fn draw_plan(
    db: web::Data<Db>,
    caller: Allowed<PlanSampling>,
    id: web::Path<i64>,
    body: ApiJson<PlanRequest>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let plan = db
        .write(move |c| sampling::draw_plan(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(plan))
}

#[utoipa::path(get, path = "/api/v1/batches/{id}/sampling-plan", tag = "sampling",
    responses((status = 200, body = Plan), (status = 404, body = Problem)))]
#[get("/batches/{id}/sampling-plan")]
pub async fn get_plan(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Plan>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| sampling::get_plan(c, batch_id, visibility))
            .await?,
    ))
}
