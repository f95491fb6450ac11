//! Following material lots forward to batches, orders and customers, and
//! orders, batches and units back to their material lots.

use super::auth::perm::{ReadResults, Trace};
use super::auth::Allowed;
use crate::error::{AppResult, Problem};
use crate::service::trace::{self, BatchTrace, MaterialLotTrace, OrderTrace, UnitTrace};
use crate::store::Db;
use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(material_lot)
        .service(order)
        .service(batch)
        .service(unit);
}

/// Every batch, order and customer a material lot went to.
#[utoipa::path(tag = "trace",
    responses((status = 200, body = MaterialLotTrace), (status = 404, body = Problem)))]
#[get("/trace/material-lots/{id}")]
pub async fn material_lot(
    db: web::Data<Db>,
    _caller: Allowed<Trace>,
    id: web::Path<i64>,
) -> AppResult<web::Json<MaterialLotTrace>> {
    let id = id.into_inner();
    Ok(web::Json(
        db.read(move |c| trace::material_lot(c, id)).await?,
    ))
}

/// An order's batches with the material lots each used.
#[utoipa::path(tag = "trace",
    responses((status = 200, body = OrderTrace), (status = 404, body = Problem)))]
#[get("/trace/orders/{id}")]
pub async fn order(
    db: web::Data<Db>,
    _caller: Allowed<Trace>,
    id: web::Path<i64>,
) -> AppResult<web::Json<OrderTrace>> {
    let id = id.into_inner();
    Ok(web::Json(db.read(move |c| trace::order(c, id)).await?))
}

/// A batch with the material lots it used, their suppliers, documents and
/// inspections.
#[utoipa::path(tag = "trace",
    responses((status = 200, body = BatchTrace), (status = 404, body = Problem)))]
#[get("/trace/batches/{id}")]
pub async fn batch(
    db: web::Data<Db>,
    _caller: Allowed<Trace>,
    id: web::Path<i64>,
) -> AppResult<web::Json<BatchTrace>> {
    let id = id.into_inner();
    Ok(web::Json(db.read(move |c| trace::batch(c, id)).await?))
}

/// The unit a serial names: its batch and order, its readings if it was
/// sampled, the batch's material lots and the order's newest issued report.
/// A warranty claim starts here; a customer finds only its own units.
#[utoipa::path(tag = "trace",
    responses((status = 200, body = UnitTrace), (status = 404, body = Problem)))]
#[get("/trace/units/{serial}")]
pub async fn unit(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    serial: web::Path<String>,
) -> AppResult<web::Json<UnitTrace>> {
    let (serial, visibility) = (serial.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| trace::unit(c, &serial, visibility))
            .await?,
    ))
}
