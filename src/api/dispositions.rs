//! Batch dispositions: the proposal, and decisions signed electronically.

use super::auth::client_address;
use super::auth::perm::{ReadResults, SignDispositions};
use super::auth::Allowed;
use super::extract::ApiJson;
use crate::error::{AppResult, Problem};
use crate::service::auth::AuthSettings;
use crate::service::dispositions::{self, BatchDisposition, Disposition, SignDisposition};
use crate::service::signatures::Signing;
use crate::store::Db;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(get_disposition).service(sign_disposition);
}

/// The proposal (accept, reject, hold, with reasons), the decision in force
/// and every earlier one; each says whether data changed after it.
#[utoipa::path(tag = "dispositions",
    responses((status = 200, body = BatchDisposition), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "the batch has no sampling plan yet")))]
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
/// change of mind names the decision it supersedes. The password is the
/// sign-in password: wrong ones count with the failed sign-ins, are slowed,
/// then refused (429) for a while, the right one too.
#[utoipa::path(tag = "dispositions",
    request_body = SignDisposition,
    responses((status = 201, body = Disposition), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
#[post("/batches/{id}/disposition")]
pub async fn sign_disposition(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    caller: Allowed<SignDispositions>,
    id: web::Path<i64>,
    body: ApiJson<SignDisposition>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let address = client_address(&req);
    let settings = settings.into_inner();
    let outcome = db
        .write(move |c| {
            dispositions::sign_as_person(c, &settings, &address, &caller.actor(), batch_id, body.0)
        })
        .await?;
    match outcome {
        Signing::Signed(signed) => Ok(HttpResponse::Created().json(signed)),
        Signing::Refused { delay, error } => {
            actix_web::rt::time::sleep(delay).await;
            Err(error)
        }
        Signing::Locked { error } => Err(error),
    }
}
