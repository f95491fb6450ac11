//! Shipping and after delivery: the pre-shipment inspection of packed
//! cartons and the order's packing list, the customer's receipt check, and
//! warranty claims.

use super::auth::perm::{OpenNcrs, PlanSampling, ReadResults, RecordResults};
use super::auth::Allowed;
use super::extract::ApiJson;
use super::reports::LanguageQuery;
use super::visual::{image_response, only_photo, prepare_photo};
use crate::error::{AppError, AppResult, Problem};
use crate::report::packing;
use crate::service::batches::get_batch;
use crate::service::delivery::{
    self, NewReceiptCheck, NewWarrantyClaim, ReceiptCheck, ReceiptPhoto, WarrantyAnswer,
    WarrantyClaim,
};
use crate::service::photos::PhotoLimits;
use crate::service::reports::language_asked;
use crate::service::shipping::{
    self, NewCartonCheck, NewShipmentInspection, ShipmentInspection, ShipmentStatus,
};
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(plan_shipment)
        .service(check_carton)
        .service(shipment)
        .service(packing_list)
        .service(packing_list_pdf)
        .service(record_receipt_check)
        .service(receipt_checks)
        .service(upload_receipt_photo)
        .service(get_receipt_photo)
        .service(get_receipt_thumbnail)
        .service(claim_warranty)
        .service(warranty_claims);
}

/// Plans the batch's pre-shipment inspection from its packing list: the
/// cartons to check follow ISO 2859-1, counting nonconformities per 100
/// cartons. Only a batch QC released is packed.
#[utoipa::path(tag = "shipping", request_body = NewShipmentInspection,
    responses((status = 201, body = ShipmentInspection), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/shipment-inspection")]
pub async fn plan_shipment(
    db: web::Data<Db>,
    caller: Allowed<PlanSampling>,
    id: web::Path<i64>,
    body: ApiJson<NewShipmentInspection>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let planned = db
        .write(move |c| shipping::plan_inspection(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(planned))
}

/// Records one carton's check: count, weight, packaging, the scanned
/// barcode and the carton marks; the findings are worked out here.
#[utoipa::path(tag = "shipping", request_body = NewCartonCheck,
    responses((status = 201, body = ShipmentInspection), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/shipment-inspection/cartons")]
pub async fn check_carton(
    db: web::Data<Db>,
    caller: Allowed<RecordResults>,
    id: web::Path<i64>,
    body: ApiJson<NewCartonCheck>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let inspection = db
        .write(move |c| shipping::check_carton(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(inspection))
}

/// Whether the batch is ready to ship: released by QC and its pre-shipment
/// inspection passed.
#[utoipa::path(tag = "shipping",
    responses((status = 200, body = ShipmentStatus), (status = 404, body = Problem)))]
#[get("/batches/{id}/shipment")]
pub async fn shipment(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<ShipmentStatus>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| shipping::status(c, batch_id, visibility))
            .await?,
    ))
}

/// The order's packing list: cartons, units, weights and volume per batch.
#[utoipa::path(tag = "shipping",
    responses((status = 200, content_type = "text/csv"), (status = 404, body = Problem)))]
#[get("/orders/{id}/packing-list.csv")]
pub async fn packing_list(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (order_id, visibility) = (id.into_inner(), caller.visibility());
    let csv = db
        .read(move |c| {
            shipping::packing_list_csv(&shipping::packing_list(c, order_id, visibility)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"packing-list-{order_id}.csv\""),
        ))
        .body(csv))
}

/// The same packing list as a PDF, in `language` (`en`, `zh-CN` or
/// `bilingual`), with the totals a forwarder books by.
#[utoipa::path(tag = "shipping", params(("id" = i64, Path), LanguageQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
#[get("/orders/{id}/packing-list.pdf")]
pub async fn packing_list_pdf(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<LanguageQuery>,
) -> AppResult<HttpResponse> {
    let (order_id, visibility) = (id.into_inner(), caller.visibility());
    let language = language_asked(query.language.as_deref())?;
    let list = db
        .read(move |c| shipping::packing_list(c, order_id, visibility))
        .await?;
    let pdf = web::block(move || packing::pdf(language, &list, chrono::Utc::now()))
        .await
        .map_err(AppError::internal)??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"packing-list-{order_id}.pdf\""),
        ))
        .body(pdf))
}

/// The customer's check of a delivered batch: accepted, or the defects
/// found with their counts (which open a non-conformance report). A batch
/// not released by QC has not been delivered (409 `not_released`).
#[utoipa::path(tag = "delivery", request_body = NewReceiptCheck,
    responses((status = 201, body = ReceiptCheck), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/receipt-checks")]
pub async fn record_receipt_check(
    db: web::Data<Db>,
    caller: Allowed<OpenNcrs>,
    id: web::Path<i64>,
    body: Result<ApiJson<NewReceiptCheck>, AppError>,
) -> AppResult<HttpResponse> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    // Another customer's batch is not found, whatever the body holds.
    db.read(move |c| get_batch(c, batch_id, visibility)).await?;
    let body = body?;
    let check = db
        .write(move |c| {
            delivery::record_receipt_check(c, &caller.actor(), visibility, batch_id, body.0)
        })
        .await?;
    Ok(HttpResponse::Created().json(check))
}

#[utoipa::path(tag = "delivery",
    responses((status = 200, body = Vec<ReceiptCheck>), (status = 404, body = Problem)))]
#[get("/batches/{id}/receipt-checks")]
pub async fn receipt_checks(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ReceiptCheck>>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| delivery::receipt_checks(c, batch_id, visibility))
            .await?,
    ))
}

/// Attaches a photo of what the check found (form field `photo`: JPEG or
/// PNG); the same picture twice is kept once.
#[utoipa::path(tag = "delivery",
    request_body(content_type = "multipart/form-data", description = "field photo: a JPEG or PNG image"),
    responses((status = 201, body = ReceiptPhoto), (status = 404, body = Problem),
              (status = 413, body = Problem), (status = 422, body = Problem),
              (status = 503, body = Problem, description = "too many photos are being decoded")))]
#[post("/receipt-checks/{id}/photos")]
pub async fn upload_receipt_photo(
    db: web::Data<Db>,
    limits: web::Data<PhotoLimits>,
    caller: Allowed<OpenNcrs>,
    id: web::Path<i64>,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let (check_id, visibility) = (id.into_inner(), caller.visibility());
    // Another customer's check is not found, whatever the body holds.
    db.read(move |c| delivery::visible_check(c, check_id, visibility))
        .await?;
    let prepared = prepare_photo(&limits, only_photo(form).await?).await?;
    let photo = db
        .write(move |c| {
            delivery::attach_receipt_photo(c, &caller.actor(), visibility, check_id, prepared)
        })
        .await?;
    Ok(HttpResponse::Created().json(photo))
}

async fn receipt_photo(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: i64,
    thumbnail: bool,
) -> AppResult<HttpResponse> {
    let visibility = caller.visibility();
    let (content_type, bytes) = db
        .read(move |c| delivery::receipt_photo_file(c, id, visibility, thumbnail))
        .await?;
    Ok(image_response(content_type, bytes))
}

#[utoipa::path(tag = "delivery",
    responses((status = 200, description = "the photo as uploaded (JPEG or PNG)",
               content(("image/jpeg"), ("image/png"))),
              (status = 404, body = Problem)))]
#[get("/receipt-photos/{id}")]
pub async fn get_receipt_photo(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    receipt_photo(db, caller, id.into_inner(), false).await
}

#[utoipa::path(tag = "delivery",
    responses((status = 200, content_type = "image/jpeg", description = "a JPEG at most 320 px on its longest side"),
              (status = 404, body = Problem)))]
#[get("/receipt-photos/{id}/thumbnail")]
pub async fn get_receipt_thumbnail(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    receipt_photo(db, caller, id.into_inner(), true).await
}

/// The warranty claims on an order: the customer's own, all for staff.
#[utoipa::path(tag = "delivery",
    responses((status = 200, body = Vec<WarrantyClaim>), (status = 404, body = Problem)))]
#[get("/orders/{id}/warranty-claims")]
pub async fn warranty_claims(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<WarrantyClaim>>> {
    let (order_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| delivery::warranty_claims(c, order_id, visibility))
            .await?,
    ))
}

/// A warranty claim on a unit's serial or a batch, answered with the
/// batch's QC record and whether the claim date lies inside the order's
/// warranty (counted from the batch's release).
#[utoipa::path(tag = "delivery", request_body = NewWarrantyClaim,
    responses((status = 201, body = WarrantyAnswer), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
#[post("/warranty-claims")]
pub async fn claim_warranty(
    db: web::Data<Db>,
    caller: Allowed<OpenNcrs>,
    body: ApiJson<NewWarrantyClaim>,
) -> AppResult<HttpResponse> {
    let visibility = caller.visibility();
    let answer = db
        .write(move |c| delivery::claim_warranty(c, &caller.actor(), visibility, body.0))
        .await?;
    Ok(HttpResponse::Created().json(answer))
}
