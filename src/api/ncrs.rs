//! Non-conformance reports and their corrective actions.

use super::auth::client_address;
use super::auth::perm::{ManageNcrs, OpenNcrs};
use super::auth::Allowed;
use super::extract::ApiJson;
use crate::error::{AppResult, Problem};
use crate::service::auth::AuthSettings;
use crate::service::ncrs::{self, CloseNcr, Investigation, Ncr, NewAction, NewNcr};
use crate::store::Db;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(open)
        .service(list)
        .service(get)
        .service(investigate)
        .service(add_action)
        .service(complete_action)
        .service(close);
}

/// Opens a report: a customer claim or receipt check (a customer, on its
/// own order), or an internal finding (staff).
#[utoipa::path(tag = "ncrs", request_body = NewNcr,
    responses((status = 201, body = Ncr), (status = 422, body = Problem)))]
#[post("/ncrs")]
pub async fn open(
    db: web::Data<Db>,
    caller: Allowed<OpenNcrs>,
    body: ApiJson<NewNcr>,
) -> AppResult<HttpResponse> {
    let visibility = caller.visibility();
    let ncr = db
        .write(move |c| ncrs::open(c, &caller.actor(), visibility, body.0))
        .await?;
    Ok(HttpResponse::Created().json(ncr))
}

/// The newest reports: a customer's own, or all for staff.
#[utoipa::path(tag = "ncrs", responses((status = 200, body = Vec<Ncr>)))]
#[get("/ncrs")]
pub async fn list(db: web::Data<Db>, caller: Allowed<OpenNcrs>) -> AppResult<web::Json<Vec<Ncr>>> {
    let visibility = caller.visibility();
    Ok(web::Json(
        db.read(move |c| ncrs::list(c, visibility)).await?,
    ))
}

#[utoipa::path(tag = "ncrs", responses((status = 200, body = Ncr), (status = 404, body = Problem)))]
#[get("/ncrs/{id}")]
pub async fn get(
    db: web::Data<Db>,
    caller: Allowed<OpenNcrs>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Ncr>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| ncrs::get(c, id, visibility)).await?,
    ))
}

/// Records the disposition of the goods, the root cause, and how the
/// actions were verified to work.
#[utoipa::path(tag = "ncrs", request_body = Investigation,
    responses((status = 200, body = Ncr), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/ncrs/{id}/investigation")]
pub async fn investigate(
    db: web::Data<Db>,
    caller: Allowed<ManageNcrs>,
    id: web::Path<i64>,
    body: ApiJson<Investigation>,
) -> AppResult<web::Json<Ncr>> {
    let id = id.into_inner();
    Ok(web::Json(
        db.write(move |c| ncrs::investigate(c, &caller.actor(), id, body.0))
            .await?,
    ))
}

/// Plans a corrective or preventive action with its owner and due date.
#[utoipa::path(tag = "ncrs", request_body = NewAction,
    responses((status = 201, body = Ncr), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/ncrs/{id}/actions")]
pub async fn add_action(
    db: web::Data<Db>,
    caller: Allowed<ManageNcrs>,
    id: web::Path<i64>,
    body: ApiJson<NewAction>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let ncr = db
        .write(move |c| ncrs::add_action(c, &caller.actor(), id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(ncr))
}

/// Marks an action done.
#[utoipa::path(tag = "ncrs",
    responses((status = 200, body = Ncr), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/ncrs/{id}/actions/{action}/done")]
pub async fn complete_action(
    db: web::Data<Db>,
    caller: Allowed<ManageNcrs>,
    path: web::Path<(i64, i64)>,
) -> AppResult<web::Json<Ncr>> {
    let (id, action) = path.into_inner();
    Ok(web::Json(
        db.write(move |c| ncrs::complete_action(c, &caller.actor(), id, action))
            .await?,
    ))
}

/// Closes the report with a signature, once everything is recorded.
#[utoipa::path(tag = "ncrs", request_body = CloseNcr,
    responses((status = 200, body = Ncr), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
#[post("/ncrs/{id}/close")]
pub async fn close(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    caller: Allowed<ManageNcrs>,
    id: web::Path<i64>,
    body: ApiJson<CloseNcr>,
) -> AppResult<web::Json<Ncr>> {
    let id = id.into_inner();
    let address = client_address(&req);
    let settings = settings.into_inner();
    let signing = db
        .write(move |c| ncrs::close(c, &settings, &address, &caller.actor(), id, body.0))
        .await?;
    Ok(web::Json(signing.answer().await?))
}
