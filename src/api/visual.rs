//! Final visual inspection: the defect catalogue, inspections of units,
//! their corrections, the batch summary, and photos of defects.

use super::auth::perm::{ManageCatalog, ReadResults, RecordResults};
use super::auth::Allowed;
use super::extract::{page_request, read_upload, ApiJson, UploadLimit};
use crate::error::Message;
use crate::error::{AppError, AppResult, ErrorCode, Problem};
use crate::service::photos::{self, PhotoLimits, PreparedPhoto, MAX_PHOTO_BYTES};
use crate::service::visual::{
    self, CorrectInspection, DefectType, Inspection, NewDefectType, PhotoRef, RecordInspections,
    RecordedInspections, VisualSummary,
};
use crate::service::Page;
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_defect_type)
        .service(list_defect_types)
        .service(record_inspections)
        .service(list_inspections)
        .service(visual_summary)
        .service(get_inspection)
        .service(correct_inspection)
        .service(upload_photo)
        .service(get_photo)
        .service(get_thumbnail);
}

/// Adds a defect to a product family's catalogue.
#[utoipa::path(tag = "visual", request_body = NewDefectType,
    responses((status = 201, body = DefectType), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/defect-types")]
pub async fn create_defect_type(
    db: web::Data<Db>,
    caller: Allowed<ManageCatalog>,
    body: ApiJson<NewDefectType>,
) -> AppResult<HttpResponse> {
    let created = db
        .write(move |c| visual::create_defect_type(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FamilyQuery {
    /// Only this product family's catalogue.
    pub family: Option<String>,
}

#[utoipa::path(tag = "visual", params(FamilyQuery),
    responses((status = 200, body = Vec<DefectType>)))]
#[get("/defect-types")]
pub async fn list_defect_types(
    db: web::Data<Db>,
    _caller: Allowed<ReadResults>,
    query: web::Query<FamilyQuery>,
) -> AppResult<web::Json<Vec<DefectType>>> {
    let family = query.into_inner().family;
    Ok(web::Json(
        db.read(move |c| visual::list_defect_types(c, family.as_deref()))
            .await?,
    ))
}

/// Records the final visual inspection of units: pass (no defects) or the
/// defects found. All of them or, on any problem, none.
#[utoipa::path(tag = "visual",
    request_body = RecordInspections,
    responses((status = 201, body = RecordedInspections), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/inspections")]
pub async fn record_inspections(
    db: web::Data<Db>,
    caller: Allowed<RecordResults>,
    id: web::Path<i64>,
    body: ApiJson<RecordInspections>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let recorded = db
        .write(move |c| visual::record(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InspectionQuery {
    pub unit: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Every inspection of a batch (corrected ones too), oldest first.
#[utoipa::path(tag = "visual", params(InspectionQuery),
    responses((status = 200, body = Page<Inspection>), (status = 404, body = Problem)))]
#[get("/batches/{id}/inspections")]
pub async fn list_inspections(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<InspectionQuery>,
) -> AppResult<web::Json<Page<Inspection>>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    let query = query.into_inner();
    let page = page_request(query.page, query.per_page)?;
    Ok(web::Json(
        db.read(move |c| visual::list(c, batch_id, visibility, query.unit, page))
            .await?,
    ))
}

/// Units passed and failed, units per class of defect, and defects in
/// Pareto order, from the current inspections.
#[utoipa::path(tag = "visual",
    responses((status = 200, body = VisualSummary), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "a sampled visual inspection before the batch's plan is drawn")))]
#[get("/batches/{id}/visual-summary")]
pub async fn visual_summary(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<VisualSummary>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| visual::summary(c, batch_id, visibility))
            .await?,
    ))
}

#[utoipa::path(tag = "visual",
    params(("id" = uuid::Uuid, Path, description = "the inspection's UUID")),
    responses((status = 200, body = Inspection), (status = 404, body = Problem)))]
#[get("/inspections/{id}")]
pub async fn get_inspection(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<uuid::Uuid>,
) -> AppResult<web::Json<Inspection>> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| visual::get(c, id, visibility)).await?,
    ))
}

/// Corrects an inspection: a new one that supersedes it, with the reason.
#[utoipa::path(tag = "visual",
    params(("id" = uuid::Uuid, Path, description = "the UUID of the inspection to correct")),
    request_body = CorrectInspection,
    responses((status = 201, body = Inspection), (status = 200, body = Inspection, description = "a retry"),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/inspections/{id}/corrections")]
pub async fn correct_inspection(
    db: web::Data<Db>,
    caller: Allowed<RecordResults>,
    id: web::Path<uuid::Uuid>,
    body: ApiJson<CorrectInspection>,
) -> AppResult<HttpResponse> {
    let target = id.into_inner();
    let (created, inspection) = db
        .write(move |c| visual::correct(c, &caller.actor(), target, body.0))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(inspection)
    } else {
        HttpResponse::Ok().json(inspection)
    })
}

/// Attaches a photo (form field `photo`: JPEG or PNG) to an inspection.
#[utoipa::path(tag = "visual",
    params(("id" = uuid::Uuid, Path, description = "the inspection's UUID")),
    request_body(content_type = "multipart/form-data", description = "field photo: a JPEG or PNG image"),
    responses((status = 201, body = PhotoRef), (status = 200, body = PhotoRef, description = "the same picture was attached before"),
              (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem),
              (status = 503, body = Problem, description = "too many photos are being decoded")))]
#[post("/inspections/{id}/photos")]
pub async fn upload_photo(
    db: web::Data<Db>,
    limits: web::Data<PhotoLimits>,
    caller: Allowed<RecordResults>,
    id: web::Path<uuid::Uuid>,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let inspection = id.into_inner();
    let prepared = prepare_photo(&limits, only_photo(form).await?).await?;
    let (created, photo) = db
        .write(move |c| photos::attach(c, &caller.actor(), inspection, prepared))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(photo)
    } else {
        HttpResponse::Ok().json(photo)
    })
}

/// Photos up to [`MAX_PHOTO_BYTES`].
pub const PHOTO_LIMIT: UploadLimit = UploadLimit {
    bytes: MAX_PHOTO_BYTES,
    refusal: |field| {
        AppError::new(
            ErrorCode::PhotoTooLarge,
            Message::new("err-photo-bytes").arg("max", MAX_PHOTO_BYTES),
        )
        .with_field(field)
    },
};

/// The one photo a form sends, as the field `photo` and nothing else.
pub async fn only_photo(form: Multipart) -> AppResult<Vec<u8>> {
    let upload = read_upload(form, "photo", PHOTO_LIMIT).await?;
    if let Some((name, _)) = upload.fields.first() {
        return Err(AppError::invalid(
            name.as_str(),
            Message::new("err-unknown-form-field").arg("expected", "photo"),
        ));
    }
    upload
        .files
        .into_iter()
        .next()
        .map(|(_, bytes)| bytes)
        .ok_or_else(|| AppError::invalid("photo", Message::new("err-attach-photo")))
}

/// Checks and decodes a photo in its turn, off the request thread.
pub async fn prepare_photo(
    limits: &web::Data<PhotoLimits>,
    bytes: Vec<u8>,
) -> AppResult<PreparedPhoto> {
    let turn = limits.turn().await?;
    let limits = limits.clone().into_inner();
    web::block(move || photos::prepare_upload(bytes, &limits, turn)).await?
}

/// An image response that a browser will only ever show as an image.
pub(crate) fn image_response(content_type: String, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(bytes)
}

#[utoipa::path(tag = "visual",
    responses((status = 200, description = "the photo as uploaded (JPEG or PNG)",
               content(("image/jpeg"), ("image/png"))),
              (status = 404, body = Problem)))]
#[get("/photos/{id}")]
pub async fn get_photo(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    let (content_type, bytes) = db
        .read(move |c| photos::fetch(c, id, visibility, false))
        .await?;
    Ok(image_response(content_type, bytes))
}

#[utoipa::path(tag = "visual",
    responses((status = 200, content_type = "image/jpeg", description = "a JPEG at most 320 px on its longest side"),
              (status = 404, body = Problem)))]
#[get("/photos/{id}/thumbnail")]
pub async fn get_thumbnail(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, visibility) = (id.into_inner(), caller.visibility());
    let (content_type, bytes) = db
        .read(move |c| photos::fetch(c, id, visibility, true))
        .await?;
    Ok(image_response(content_type, bytes))
}
