//! Incoming material: lots, their supplier documents, inspection and signed
//! decision; the lots a batch used; the serials of a batch's units.

use super::auth::client_address;
use super::auth::perm::{ReadProcess, ReceiveMaterial, SignDispositions};
use super::auth::Allowed;
use super::extract::{read_upload, ApiJson, Upload, UploadLimit};
use crate::error::{AppError, AppResult, ErrorCode, Message, Problem};
use crate::service::auth::AuthSettings;
use crate::service::materials::{
    self, DocumentKind, MaterialLot, MaterialUsage, NewDocument, NewMaterialLot,
    RecordMaterialInspection, SignMaterialDecision, UseMaterialLot, MAX_DOCUMENT_BYTES,
};
use crate::service::trace::{self, AssignSerials, AssignedSerials};
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_lot)
        .service(list_lots)
        .service(get_lot)
        .service(attach_document)
        .service(get_document)
        .service(record_inspection)
        .service(sign_decision)
        .service(use_in_batch)
        .service(batch_lots)
        .service(assign_serials)
        .service(import_serials);
}

/// Receives a lot of material from a supplier.
#[utoipa::path(tag = "materials", request_body = NewMaterialLot,
    responses((status = 201, body = MaterialLot), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
#[post("/material-lots")]
pub async fn create_lot(
    db: web::Data<Db>,
    caller: Allowed<ReceiveMaterial>,
    body: ApiJson<NewMaterialLot>,
) -> AppResult<HttpResponse> {
    let lot = db
        .write(move |c| materials::create_lot(c, &caller.actor(), body.0))
        .await?;
    Ok(HttpResponse::Created().json(lot))
}

/// The newest material lots, with their status and flags.
#[utoipa::path(tag = "materials", responses((status = 200, body = Vec<MaterialLot>)))]
#[get("/material-lots")]
pub async fn list_lots(
    db: web::Data<Db>,
    _caller: Allowed<ReadProcess>,
) -> AppResult<web::Json<Vec<MaterialLot>>> {
    Ok(web::Json(db.read(materials::list_lots).await?))
}

#[utoipa::path(tag = "materials",
    responses((status = 200, body = MaterialLot), (status = 404, body = Problem)))]
#[get("/material-lots/{id}")]
pub async fn get_lot(
    db: web::Data<Db>,
    _caller: Allowed<ReadProcess>,
    id: web::Path<i64>,
) -> AppResult<web::Json<MaterialLot>> {
    let id = id.into_inner();
    Ok(web::Json(
        db.read(move |c| materials::get_lot(c, id)).await?,
    ))
}

/// Attaches a supplier document: form fields `file` (PDF, JPEG or PNG),
/// `kind` (`certificate` or `test_report`), `issued_on` and `expires_on`
/// (YYYY-MM-DD, optional).
#[utoipa::path(tag = "materials",
    request_body(content_type = "multipart/form-data",
                 description = "fields file, kind, issued_on, expires_on"),
    responses((status = 201, body = MaterialLot), (status = 404, body = Problem),
              (status = 413, body = Problem), (status = 422, body = Problem)))]
#[post("/material-lots/{id}/documents")]
pub async fn attach_document(
    db: web::Data<Db>,
    caller: Allowed<ReceiveMaterial>,
    id: web::Path<i64>,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let lot_id = id.into_inner();
    let document = document_of(read_upload(form, "file", DOCUMENT_LIMIT).await?, &[])?;
    let lot = db
        .write(move |c| materials::attach_document(c, &caller.actor(), lot_id, document))
        .await?;
    Ok(HttpResponse::Created().json(lot))
}

/// Supplier documents up to [`MAX_DOCUMENT_BYTES`].
pub const DOCUMENT_LIMIT: UploadLimit = UploadLimit {
    bytes: MAX_DOCUMENT_BYTES,
    refusal: document_too_large,
};

/// The refusal of a supplier document over [`MAX_DOCUMENT_BYTES`].
pub fn document_too_large(field: &str) -> AppError {
    AppError::new(
        ErrorCode::FileTooLarge,
        Message::new("err-document-bytes").arg("max", MAX_DOCUMENT_BYTES),
    )
    .with_field(field)
}

/// The supplier document an upload holds: `file`, `kind` (`certificate`
/// or `test_report`), `issued_on` and `expires_on`; fields other than
/// those and `also_allowed` are refused.
pub fn document_of(upload: Upload, also_allowed: &[&str]) -> AppResult<NewDocument> {
    let (mut kind, mut issued_on, mut expires_on) = (None, None, None);
    for (name, text) in &upload.fields {
        match name.as_str() {
            "kind" => kind = Some(text.clone()),
            "issued_on" => issued_on = date(name, text)?,
            "expires_on" => expires_on = date(name, text)?,
            other if also_allowed.contains(&other) => {}
            other => {
                return Err(AppError::invalid(
                    other,
                    Message::new("err-unknown-form-field")
                        .arg("expected", "file, kind, issued_on, expires_on"),
                ))
            }
        }
    }
    let (file_name, bytes) = upload
        .files
        .into_iter()
        .next()
        .ok_or_else(|| AppError::invalid("file", Message::new("err-attach-document")))?;
    let kind = match kind.as_deref() {
        Some("certificate") => DocumentKind::Certificate,
        Some("test_report") => DocumentKind::TestReport,
        _ => {
            return Err(AppError::invalid(
                "kind",
                Message::new("err-one-of").arg("choices", "certificate, test_report"),
            ))
        }
    };
    Ok(NewDocument {
        kind,
        file_name,
        bytes,
        issued_on,
        expires_on,
    })
}

/// A date field of a form: empty for none.
fn date(field: &str, text: &str) -> AppResult<Option<NaiveDate>> {
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::invalid(field, Message::new("err-date").arg("text", text)))
}

/// A supplier document as it was attached.
#[utoipa::path(tag = "materials",
    responses((status = 200, description = "the document's bytes"), (status = 404, body = Problem)))]
#[get("/material-lots/{id}/documents/{document}")]
pub async fn get_document(
    db: web::Data<Db>,
    _caller: Allowed<ReadProcess>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (lot_id, id) = path.into_inner();
    let (file_name, content_type, bytes) = db
        .read(move |c| materials::document_file(c, lot_id, id))
        .await?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Inline,
        parameters: vec![header::DispositionParam::Filename(file_name)],
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes))
}

/// Records the lot's incoming inspection: the ISO 2859-1 plan for its
/// quantity and AQL, and what the sample held.
#[utoipa::path(tag = "materials", request_body = RecordMaterialInspection,
    responses((status = 201, body = MaterialLot), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/material-lots/{id}/inspection")]
pub async fn record_inspection(
    db: web::Data<Db>,
    caller: Allowed<ReceiveMaterial>,
    id: web::Path<i64>,
    body: ApiJson<RecordMaterialInspection>,
) -> AppResult<HttpResponse> {
    let lot_id = id.into_inner();
    let lot = db
        .write(move |c| materials::record_inspection(c, &caller.actor(), lot_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(lot))
}

/// Signs a decision on the lot: accepted (inspected, passed, not
/// flagged), rejected or on hold; the password again, as for a batch.
#[utoipa::path(tag = "materials", request_body = SignMaterialDecision,
    responses((status = 201, body = MaterialLot), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
#[post("/material-lots/{id}/decision")]
pub async fn sign_decision(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<AuthSettings>,
    caller: Allowed<SignDispositions>,
    id: web::Path<i64>,
    body: ApiJson<SignMaterialDecision>,
) -> AppResult<HttpResponse> {
    let lot_id = id.into_inner();
    let address = client_address(&req);
    let settings = settings.into_inner();
    let signing = db
        .write(move |c| {
            materials::sign_decision(c, &settings, &address, &caller.actor(), lot_id, body.0)
        })
        .await?;
    Ok(HttpResponse::Created().json(signing.answer().await?))
}

/// Records a material lot used in the batch: accepted, or under a
/// concession given here.
#[utoipa::path(tag = "materials", request_body = UseMaterialLot,
    responses((status = 201, body = MaterialUsage), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/material-lots")]
pub async fn use_in_batch(
    db: web::Data<Db>,
    caller: Allowed<ReceiveMaterial>,
    id: web::Path<i64>,
    body: ApiJson<UseMaterialLot>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let usage = db
        .write(move |c| materials::use_in_batch(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(usage))
}

/// The material lots that went into the batch.
#[utoipa::path(tag = "materials",
    responses((status = 200, body = Vec<MaterialUsage>), (status = 404, body = Problem)))]
#[get("/batches/{id}/material-lots")]
pub async fn batch_lots(
    db: web::Data<Db>,
    _caller: Allowed<ReadProcess>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<MaterialUsage>>> {
    let batch_id = id.into_inner();
    Ok(web::Json(
        db.read(move |c| {
            crate::service::batches::get_batch(
                c,
                batch_id,
                crate::domain::access::Visibility::Everything,
            )?;
            materials::usages_of_batch(c, batch_id)
        })
        .await?,
    ))
}

/// Gives the batch's units serial numbers: a range over the whole lot
/// (`{"range": {"prefix", "first", "digits"}}`) or a list
/// (`{"units": [{"unit", "serial"}]}`). All or none are stored.
#[utoipa::path(tag = "materials", request_body = AssignSerials,
    responses((status = 201, body = AssignedSerials), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/serials")]
pub async fn assign_serials(
    db: web::Data<Db>,
    caller: Allowed<ReceiveMaterial>,
    id: web::Path<i64>,
    body: ApiJson<AssignSerials>,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let assigned = db
        .write(move |c| trace::assign_serials(c, &caller.actor(), batch_id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(assigned))
}

/// The same from a CSV body (`text/csv`) with the header `unit,serial`;
/// a bad row is named by its line.
#[utoipa::path(tag = "materials",
    request_body(content_type = "text/csv", description = "unit,serial then one row per unit"),
    responses((status = 201, body = AssignedSerials), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/serials.csv")]
pub async fn import_serials(
    db: web::Data<Db>,
    caller: Allowed<ReceiveMaterial>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::invalid("file", Message::new("err-utf8")))?;
    let units = trace::serials_from_csv(text)?;
    let request = AssignSerials {
        range: None,
        units: Some(units),
    };
    let assigned = db
        .write(move |c| trace::assign_serials(c, &caller.actor(), batch_id, request))
        .await?;
    Ok(HttpResponse::Created().json(assigned))
}
