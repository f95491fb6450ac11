//! Request extractors whose failures answer problem+json naming the field.

use crate::domain::text::{self, TextKind};
use crate::error::Message;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::store::PageRequest;
use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The largest JSON body accepted: room for the largest batch of readings.
pub const MAX_JSON_BODY: usize = 4 * 1024 * 1024;

/// A JSON body. Unlike `web::Json`, a value of the wrong type is reported
/// with its path (`measurements[3].value`) and a 422; malformed JSON is a
/// 400 with line and column; a body that is not JSON a 415.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json =
            req.mime_type().ok().flatten().is_some_and(|mime| {
                mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON)
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::new(
                    ErrorCode::UnsupportedMediaType,
                    Message::new("err-send-json"),
                ));
            }
            let body = body.await.map_err(|e| {
                AppError::new(
                    ErrorCode::BodyTooLarge,
                    Message::new("err-body-too-large")
                        .arg("why", e)
                        .arg("max", MAX_JSON_BODY),
                )
            })?;
            parse_json(&body).map(ApiJson)
        })
    }
}

/// Parses JSON, naming the path of the first value that does not fit, then
/// refuses every text (and object key) holding a control character, naming
/// each ([`control_characters`]).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let parsed = parse_typed(body)?;
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        AppError::new(
            ErrorCode::MalformedJson,
            Message::new("err-malformed-json").arg("why", e),
        )
    })?;
    let problems = control_characters(&value);
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(AppError::invalid_fields(problems))
    }
}

/// Fields of free text, by name: they may hold line breaks and tabs.
const FREE_TEXT_FIELDS: &[&str] = &["comment", "reason", "note"];
/// Fields never shown nor stored as text (only their hash is kept): a
/// password may be whatever its owner chose.
const UNCHECKED_FIELDS: &[&str] = &["password"];

/// Every string of a JSON value (and every object key) holding a control
/// character ([`crate::domain::text`]), named by its path as serde names
/// fields (`po_number`, `characteristics[0].name`, `params.lamp_holder`).
/// A string is free text when the field it belongs to is named
/// `comment`, `reason` or `note`.
pub fn control_characters(value: &Value) -> Vec<FieldError> {
    fn walk(value: &Value, path: &str, key: Option<&str>, problems: &mut Vec<FieldError>) {
        match value {
            Value::String(text) => {
                if key.is_some_and(|k| UNCHECKED_FIELDS.contains(&k)) {
                    return;
                }
                let kind = if key.is_some_and(|k| FREE_TEXT_FIELDS.contains(&k)) {
                    TextKind::Free
                } else {
                    TextKind::Line
                };
                if let Err(message) = text::check(text, kind) {
                    let field = if path.is_empty() { "." } else { path };
                    problems.push(FieldError::new(field, message));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), key, problems);
                }
            }
            Value::Object(fields) => {
                for (name, item) in fields {
                    let path = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    if let Err(message) = text::check(name, TextKind::Line) {
                        problems.push(FieldError::new(
                            path.escape_debug().to_string(),
                            Message::new("err-field-name").arg_message("message", message.into()),
                        ));
                        continue;
                    }
                    walk(item, &path, Some(name), problems);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    let mut problems = Vec::new();
    walk(value, "", None, &mut problems);
    problems
}

fn parse_typed<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let message = inner.to_string();
            let (field, said) = match missing_field_path(&field, &message) {
                Some(path) => (path, Message::new("err-required")),
                None => (field, Message::new("err-json-value").arg("why", message)),
            };
            AppError::invalid_fields(vec![FieldError::new(field, said)])
        } else {
            let mut problem = AppError::new(
                ErrorCode::MalformedJson,
                Message::new("err-malformed-json").arg("why", &inner),
            );
            // Where the parser stopped inside a value (a number out of
            // range, say), name that value too.
            if field != "." {
                problem.errors.push(FieldError::new(
                    field,
                    Message::new("err-json-value").arg("why", inner),
                ));
            }
            problem
        }
    })
}

/// serde reports a missing field at the path of the object that lacks it;
/// the client is better told the path of the field itself
/// (`measurements[2].value`, or `reason` at the top level).
fn missing_field_path(object: &str, message: &str) -> Option<String> {
    let name = message.strip_prefix("missing field `")?.split('`').next()?;
    Some(if object == "." {
        name.to_string()
    } else {
        format!("{object}.{name}")
    })
}

/// Bounds of list pages.
pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 200;

/// Validates `page` (from 1) and `per_page` (1..=200, default 50).
pub fn page_request(page: Option<i64>, per_page: Option<i64>) -> Result<PageRequest, AppError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page < 1 {
        return Err(AppError::invalid(
            "page",
            Message::new("err-at-least").arg("min", 1),
        ));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::invalid(
            "per_page",
            Message::new("err-integer-between")
                .arg("min", 1)
                .arg("max", MAX_PER_PAGE),
        ));
    }
    Ok(PageRequest { page, per_page })
}

/// A multipart form as sent: its text fields, and the files sent under
/// one field's name with the names they were sent under.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, Vec<u8>)>,
}

/// How large a part may be, and the refusal of a larger one (named by its
/// field).
pub struct UploadLimit {
    pub bytes: usize,
    pub refusal: fn(&str) -> AppError,
}

/// Reads a multipart form: the parts named `file_field` are files (a file
/// input left empty sends none), the others text. A part larger than
/// `limit` is refused.
pub async fn read_upload(
    mut form: Multipart,
    file_field: &str,
    limit: UploadLimit,
) -> AppResult<Upload> {
    let mut upload = Upload::default();
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::bad_request(Message::new("err-multipart").arg("why", e)))?;
        let name = field.name().unwrap_or("form").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("file")
            .to_string();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                AppError::bad_request(Message::new("err-upload-interrupted").arg("why", e))
            })?;
            if data.len() + chunk.len() > limit.bytes {
                return Err((limit.refusal)(&name));
            }
            data.extend_from_slice(&chunk);
        }
        if name == file_field {
            if !data.is_empty() {
                upload.files.push((file_name, data));
            }
        } else {
            let text = String::from_utf8_lossy(&data).trim().to_string();
            upload.fields.push((name, text));
        }
    }
    Ok(upload)
}
