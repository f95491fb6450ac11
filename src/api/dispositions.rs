//! Batch dispositions: the proposal, and decisions signed electronically.

use super::auth::perm::{ReadResults, SignDispositions};
use super::auth::Allowed;
use super::extract::ApiJson;
use crate::error::{AppResult, Problem};
use crate::service::dispositions::{self, BatchDisposition, Disposition, SignDisposition};
use crate::store::Db;
use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(get_disposition).service(sign_disposition);
}

/// The proposal (accept, reject, hold, with reasons), the decision in force
/// and every earlier one; each says whether data changed after it.
#[utoipa::path(tag = "dispositions",
    responses((status = 200, body = BatchDisposition), (status = 404, body = Problem)))]
#[get("/batches/{id}/disposition")]
pub async fn get_disposition(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<BatchDisposition>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| dispositions::batch_disposition(c, batch_id, visibility))
            .await?,
    ))
}

/// Signs a decision: the password again, its meaning and a comment. A
/// change of mind names the decision it supersedes.
#[utoipa::path(tag = "dispositions",
    request_body = SignDisposition,
    responses((status = 201, body = Disposition), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/disposition")]
pub async fn sign_disposition(
    db: web::Data<Db>,
    caller: Allowed<SignDispositions>,
    id: web::Path<i64>,
    body: ApiJson<SignDisposition>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let signed = db
        .write(move |c| dispositions::sign(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(signed))
}
