//! Instrument CSV files uploaded into a batch (multipart/form-data).

use super::auth::perm::{ReadResults, RecordResults};
use super::auth::Allowed;
use super::extract::control_characters;
use crate::domain::digest::hex;
use crate::domain::text::{self, TextKind};
use crate::error::Message;
use crate::error::{AppError, AppResult, ErrorCode, FieldError, Problem};
use crate::service::imports::{self, CsvFile, Import, ImportOptions, ImportOutcome};
use crate::service::limits::InputLimits;
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::io::Write;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_import).service(list_imports);
}

/// Largest file accepted: room for a million rows of a wide export.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;
/// Largest text field (mapping, instrument).
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// What the form carried: the file (spooled to disk), its hash and name,
/// and the options.
struct Upload {
    file: std::fs::File,
    sha256: String,
    filename: String,
    options: ImportOptions,
}

fn io_error(error: std::io::Error) -> AppError {
    AppError::internal(format!("cannot spool an upload: {}", error))
}

fn multipart_error(error: actix_multipart::MultipartError) -> AppError {
    AppError::bad_request(Message::new("err-multipart").arg("why", error))
}

async fn read_text(field: &mut actix_multipart::Field, name: &str) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        bytes.extend_from_slice(&chunk.map_err(multipart_error)?);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(AppError::invalid(
                name,
                Message::new("err-too-long-bytes").arg("max", MAX_FIELD_BYTES),
            ));
        }
    }
    String::from_utf8(bytes).map_err(|_| AppError::invalid(name, Message::new("err-utf8")))
}

/// A one-line text field: no control characters.
async fn read_line(field: &mut actix_multipart::Field, name: &str) -> AppResult<String> {
    let text = read_text(field, name).await?;
    text::check(&text, TextKind::Line).map_err(|m| AppError::invalid(name, m))?;
    Ok(text)
}

async fn receive(mut form: Multipart) -> AppResult<Upload> {
    let mut upload: Option<(std::fs::File, String, String)> = None;
    let mut options = ImportOptions::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let filename = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("upload.csv")
                    .to_string();
                text::check(&filename, TextKind::Line).map_err(|m| {
                    AppError::invalid(
                        "file",
                        Message::new("err-file-name").arg_message("message", m.into()),
                    )
                })?;
                let mut file = tempfile::tempfile().map_err(io_error)?;
                let mut hasher = Sha256::new();
                let mut size = 0;
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(multipart_error)?;
                    size += chunk.len();
                    if size > MAX_IMPORT_BYTES {
                        return Err(AppError::new(
                            ErrorCode::FileTooLarge,
                            Message::new("err-import-too-large").arg("max", MAX_IMPORT_BYTES),
                        )
                        .with_field("file"));
                    }
                    hasher.update(&chunk);
                    file.write_all(&chunk).map_err(io_error)?;
                }
                upload = Some((file, hex(&hasher.finalize()), filename));
            }
            "instrument" => options.instrument = Some(read_line(&mut field, "instrument").await?),
            "unit_column" => {
                options.unit_column = Some(read_line(&mut field, "unit_column").await?)
            }
            "mapping" => {
                let text = read_text(&mut field, "mapping").await?;
                let mapping: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                    AppError::invalid("mapping", Message::new("err-mapping-json").arg("why", e))
                })?;
                let problems = control_characters(&mapping);
                if !problems.is_empty() {
                    return Err(AppError::invalid_fields(
                        problems
                            .into_iter()
                            .map(|p| FieldError {
                                field: format!("mapping.{}", p.field),
                                ..p
                            })
                            .collect(),
                    ));
                }
                options.mapping = Some(serde_json::from_value(mapping).map_err(|e| {
                    AppError::invalid("mapping", Message::new("err-mapping-json").arg("why", e))
                })?);
            }
            other => {
                return Err(AppError::invalid(
                    other,
                    Message::new("err-unknown-form-field")
                        .arg("expected", "file, mapping, instrument, unit_column"),
                ))
            }
        }
    }
    let (file, sha256, filename) =
        upload.ok_or_else(|| AppError::invalid("file", Message::new("err-attach-csv")))?;
    Ok(Upload {
        file,
        sha256,
        filename,
        options,
    })
}

/// Imports an instrument's CSV export: a `unit` column and one column per
/// characteristic (by header, by `mapping`, or by the mapping saved for
/// `instrument`). All rows or none; every bad row is named by line and
/// column; the same file twice is stored once (`duplicate: true`, 200).
#[utoipa::path(tag = "measurements",
    request_body(content_type = "multipart/form-data", description = "fields: file (CSV), mapping (JSON object), instrument, unit_column"),
    responses((status = 201, body = ImportOutcome), (status = 200, body = ImportOutcome, description = "the same file was imported before"),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
#[post("/batches/{id}/imports")]
pub async fn create_import(
    db: web::Data<Db>,
    limits: web::Data<InputLimits>,
    caller: Allowed<RecordResults>,
    id: web::Path<i64>,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let batch_id = id.into_inner();
    let Upload {
        mut file,
        sha256,
        filename,
        options,
    } = receive(form).await?;
    let outcome = db
        .write_bulk(move |c| {
            let upload = CsvFile {
                file: &mut file,
                sha256: &sha256,
                filename: &filename,
            };
            imports::import_csv(c, &caller.actor(), batch_id, upload, options, &limits)
        })
        .await?;
    Ok(if outcome.duplicate {
        HttpResponse::Ok().json(outcome)
    } else {
        HttpResponse::Created().json(outcome)
    })
}

/// The files imported into a batch, oldest first.
#[utoipa::path(tag = "measurements",
    responses((status = 200, body = Vec<Import>), (status = 404, body = Problem)))]
#[get("/batches/{id}/imports")]
pub async fn list_imports(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Import>>> {
    let (batch_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| imports::list(c, batch_id, visibility))
            .await?,
    ))
}
